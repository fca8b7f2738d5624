import { committedSchemas } from '../helpers/crd-schemas';
import { goPatternToJs } from '../helpers/go-regex';

/**
 * CRD patterns are Go (RE2) regular expressions; some prometheus-operator ones use the inline
 * case-insensitive flag `(?i)`, which JavaScript regular expressions reject. The translation is
 * checked against JavaScript's own case-insensitive matching with the `u` flag, which folds case
 * by Unicode simple case folding exactly as Go's `(?i)` does (RE2 also matches the Kelvin sign
 * for k, and the long s for s).
 */
const translated = (go: string) => new RegExp(goPatternToJs(go), 'u'); // ajv compiles patterns with `u`
const CODE_POINTS = Array.from({ length: 0x3000 }, (_, code) => String.fromCodePoint(code));

/** The characters on which the translated Go pattern and a JavaScript `iu` oracle disagree. */
function disagreements(go: string, oracle: RegExp): string[] {
  const regex = translated(go);
  return CODE_POINTS.filter((char) => regex.test(char) !== oracle.test(char)).map((char) => `${go} U+${char.codePointAt(0)!.toString(16)}`);
}

test('the (?i) pattern of the committed PrometheusRule schema: abort or warn in any case, or nothing', () => {
  const patterns: string[] = [];
  JSON.stringify(committedSchemas().get('prometheus-operator-0.93.0/monitoring.coreos.com_prometheusrules.json'), (key, value) => {
    if (key === 'pattern' && value.includes('(?i)')) patterns.push(value);
    return value;
  });
  expect(patterns).toEqual(['^(?i)(abort|warn)?$']);
  const regex = translated(patterns[0]);
  expect(['', 'abort', 'warn', 'ABORT', 'Warn', 'wArN'].filter((value) => !regex.test(value))).toEqual([]);
  expect(['abortx', ' warn', 'ab', 'warning', 'none', 'abort|warn'].filter((value) => regex.test(value))).toEqual([]);
});

test('every ASCII letter under (?i) matches what Unicode case folding matches, no more', () => {
  const letters = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'];
  expect(letters.flatMap((letter) => disagreements(`^(?i)${letter}$`, new RegExp(`^${letter}$`, 'iu')))).toEqual([]);
  expect(translated('^(?i)k$').test('\u212A')).toBe(true);
});

test.each([
  ['[a-f]', '[a-f]'], ['[^k-t]', '[^k-t]'], ['[-._a-zA-Z0-9]', '[-._a-zA-Z0-9]'], ['[s]', '[s]'], ['[^\\]x]', '[^\\]x]'], ['[\\d_K]', '[\\d_K]'],
  ['[]a]', '[\\]a]'], // a `]` first in a Go class is a literal
])('the class %s under (?i) matches what Unicode case folding matches', (go, js) => {
  expect(disagreements(`^(?i)${go}$`, new RegExp(`^${js}$`, 'iu'))).toEqual([]);
});

test('(?i) holds to the end of its group, (?i:re) only inside re', () => {
  const inGroup = translated('^(a(?i)b)c$');
  expect(['abc', 'aBc'].map((value) => inGroup.test(value))).toEqual([true, true]);
  expect(['Abc', 'abC'].map((value) => inGroup.test(value))).toEqual([false, false]);
  const scoped = translated('^(?i:a)b$');
  expect(['ab', 'Ab', 'aB'].map((value) => scoped.test(value))).toEqual([true, true, false]);
  const fromHere = translated('^a(?i)b$');
  expect(['aB', 'AB'].map((value) => fromHere.test(value))).toEqual([true, false]);
  const nonCapturing = translated('^(?i)(?:a)$');
  expect(['a', 'A'].map((value) => nonCapturing.test(value))).toEqual([true, true]);
  expect(goPatternToJs('^(?:ab)+$')).toBe('^(?:ab)+$');
});

test('patterns without flags, and escapes, are left as they are', () => {
  expect(goPatternToJs('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')).toBe('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$');
  expect(goPatternToJs('^(?i)\\d+\\.x$')).toBe('^\\d+\\.[xX]$');
  expect(goPatternToJs('^[]a]$')).toBe('^[\\]a]$');
});

test('what cannot be translated faithfully is refused, naming the pattern', () => {
  expect(() => goPatternToJs('(?s).')).toThrow('Go pattern "(?s).": flags (?s) are not supported, only (?i) at offset 0');
  expect(() => goPatternToJs('(?i)\\x61')).toThrow(/escape \\x under \(\?i\) is not supported/);
  expect(() => goPatternToJs('(?P<name>a)')).toThrow(/unsupported group syntax/);
  expect(() => goPatternToJs('(?i)[a-\u00ff]')).toThrow(/non-ASCII range/);
  expect(() => goPatternToJs('(?i)caf\u00e9')).toThrow(/non-ASCII character/);
});
