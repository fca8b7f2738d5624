import { readFileSync } from 'node:fs';
import { createContext, runInContext } from 'node:vm';

/** The jest transform (test/helpers/esbuild-transform.js), as jest calls it. */
const transform: {
  process(source: string, path: string): { code: string; map: string };
  getCacheKey(source: string, path: string, options: { configString: string; instrument?: boolean }): string;
} = require('../helpers/esbuild-transform.js');

/** `source` transformed, loaded as a CommonJS module in a new vm context (as jest loads one); its exports and that context's global. */
function load(source: string): { exports: any; global: any } {
  const context = createContext({});
  const global = runInContext('globalThis', context);
  const module = { exports: {} as any };
  runInContext(`(function (module, exports) {\n${transform.process(source, '/repo/src/example.ts').code}\n})`, context)(module, module.exports);
  return { exports: module.exports, global };
}

test('a transformed module reads the built-ins once, into its own constants: a global replaced later does not reach it', () => {
  const { exports, global } = load('export const keysOf = (value: object): string[] => Object.keys(value);');
  global.Object = { keys: () => ['replaced'] };
  expect(exports.keysOf({ a: 1 })).toEqual(['a']);
});

test('Date stays a global read at every use: a clock a test installs later is the one the module sees', () => {
  const { exports, global } = load('export const now = (): number => Date.now();');
  global.Date = { now: () => 42 };
  expect(exports.now()).toBe(42);
});

test('stack traces still point at the source line, below the prelude', () => {
  const line = Number(/esbuild-transform\.test\.ts:(\d+):/.exec(new Error('here').stack!)?.[1]);
  expect(line).toBe(readFileSync(__filename, 'utf8').split('\n').findIndex((text) => text.includes("new Error('here')")) + 1);
});

test('the cache key changes with the source, the path, the config and coverage (jest then instruments the cached code)', () => {
  const key = (source: string, path: string, configString: string, instrument = false) => transform.getCacheKey(source, path, { configString, instrument });
  const base = key('a', '/repo/a.ts', '{}');
  expect(key('a', '/repo/a.ts', '{}')).toBe(base);
  expect(new Set([base, key('b', '/repo/a.ts', '{}'), key('a', '/repo/b.ts', '{}'), key('a', '/repo/a.ts', '{"x":1}'), key('a', '/repo/a.ts', '{}', true)]).size).toBe(5);
});
