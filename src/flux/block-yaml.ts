import { DEFAULT_SCHEMA, dump, Type } from 'js-yaml';

/**
 * js-yaml's `dump(value, { lineWidth: -1, noRefs: true, quotingType: '"' })`, byte for byte, for
 * JSON data: plain objects and arrays of strings, booleans, null and safe integers. It writes
 * in one pass what js-yaml decides per value through its type registry (writing the Flux tree of
 * a large estate spent about a seventh of its time there, npm run bench). Anything else (other
 * numbers, undefined, dates, buffers, objects tagged otherwise, a key written longer than 1,024
 * characters, which js-yaml writes as an explicit pair) is left to js-yaml for the whole value.
 * test/flux/block-yaml.test.ts compares both on generated values and on every manifest of the
 * shipped estate.
 */
export function blockYaml(value: object): string {
  try {
    return `${node(value, 0, true)}\n`;
  } catch (error) {
    if (error !== LEFT_TO_JS_YAML) throw error;
    return dump(value, { lineWidth: -1, noRefs: true, quotingType: '"' });
  }
}

const LEFT_TO_JS_YAML = new Error('left to js-yaml');

/** Two spaces per level, as js-yaml's default indent. */
const INDENT = 2;

/** `value` at `level`; `compact`: a mapping's first pair or a sequence's first item stays on the current line. */
function node(value: unknown, level: number, compact: boolean): string {
  if (typeof value === 'string') return scalar(value, level, false);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
  if (value === null) return 'null';
  // js-yaml tells a value's kind by its Object.prototype.toString tag, which an object can set.
  const tag = Object.prototype.toString.call(value);
  if (Array.isArray(value) && tag === '[object Array]') return value.length === 0 ? '[]' : sequence(value, level, compact);
  if (typeof value === 'object' && tag === '[object Object]' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const keys = Object.keys(value);
    return keys.length === 0 ? '{}' : mapping(value as Record<string, unknown>, keys, level, compact);
  }
  throw LEFT_TO_JS_YAML;
}

/** A line break and the indentation of `level`. */
const newlines: string[] = [];
function newlineAt(level: number): string {
  return newlines[level] ??= `\n${' '.repeat(INDENT * level)}`;
}

function mapping(value: Record<string, unknown>, keys: readonly string[], level: number, compact: boolean): string {
  const newline = newlineAt(level);
  let result = '';
  for (const key of keys) {
    const item = value[key];
    const writtenKey = scalar(key, level + 1, true);
    if (item === undefined || writtenKey.length > 1024) throw LEFT_TO_JS_YAML;
    const written = node(item, level + 1, false);
    result += `${compact && result === '' ? '' : newline}${writtenKey}${written.charCodeAt(0) === LINE_FEED ? ':' : ': '}${written}`;
  }
  return result;
}

function sequence(value: readonly unknown[], level: number, compact: boolean): string {
  const newline = newlineAt(level);
  let result = '';
  for (const item of value) {
    if (item === undefined) throw LEFT_TO_JS_YAML;
    result += `${compact && result === '' ? '' : newline}- ${node(item, level + 1, true)}`;
  }
  return result;
}

const LINE_FEED = 0x0a;

/** YAML 1.1 booleans and base-60 numbers: js-yaml quotes them for older readers. */
const YAML_1_1_LOOKALIKES = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const BASE_60 = /^[-+]?[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?$/;

/**
 * The implicit types of js-yaml's default schema (null, bool, int, float, timestamp, merge), as
 * dump() reads them: a plain string one of them resolves must be quoted.
 */
const IMPLICIT_TYPES = (DEFAULT_SCHEMA as unknown as { readonly compiledImplicit: readonly Type[] }).compiledImplicit;
/** Every string those types resolve starts with one of these (null, booleans, numbers, timestamps, `<<`). */
const MAY_RESOLVE = /^[-+.~<0-9nNtTfF]/;

function resolvesToAnotherType(value: string): boolean {
  return MAY_RESOLVE.test(value) && IMPLICIT_TYPES.some((type) => type.resolve(value));
}

/** Most names, paths and values: plain unless they read as another type, and nothing to escape. */
const WORD = /^[\w./][\w./-]*$/;

/** A string as js-yaml writes it: plain, double-quoted, or (multi-line, not a key) a literal block. */
function scalar(value: string, level: number, isKey: boolean): string {
  if (WORD.test(value)) return YAML_1_1_LOOKALIKES.has(value) || resolvesToAnotherType(value) ? `"${value}"` : value;
  if (value === '') return '""';
  // YAML 1.1's booleans are all words (above); its base-60 numbers hold colons.
  if (BASE_60.test(value)) return `"${value}"`;
  let plain = plainFirst(value.codePointAt(0)!) && plainLast(value.charCodeAt(value.length - 1));
  let lineBreak = false;
  let previous = -1;
  for (let index = 0; index < value.length;) {
    const code = value.codePointAt(index)!;
    index += code >= 0x10000 ? 2 : 1;
    if (code === LINE_FEED && !isKey) lineBreak = true;
    else if (!printable(code)) return doubleQuoted(value);
    plain &&= plainNext(code, previous);
    previous = code;
  }
  if (!lineBreak) return plain && !resolvesToAnotherType(value) ? value : doubleQuoted(value);
  return literalBlock(value, INDENT * Math.max(1, level));
}

/** YAML's c-printable without tab, line feed, carriage return, NEL, no-break space, the line and paragraph separators and the BOM. */
function printable(code: number): boolean {
  return (code >= 0x20 && code <= 0x7e)
    || (code >= 0xa1 && code <= 0xd7ff && code !== 0x2028 && code !== 0x2029)
    || (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff)
    || (code >= 0x10000 && code <= 0x10ffff);
}

const isSpace = (code: number) => code === 0x20 || code === 0x09;

/** Indicators that cannot start a plain scalar: - ? : , [ ] { } # & * ! | = > ' " % @ ` */
const INDICATORS = new Set([...'-?:,[]{}#&*!|=>\'"%@`'].map((char) => char.charCodeAt(0)));

function plainFirst(code: number): boolean {
  return printable(code) && !isSpace(code) && !INDICATORS.has(code);
}

function plainLast(code: number): boolean {
  return !isSpace(code) && code !== 0x3a;
}

/** Whether `code` after `previous` keeps a block scalar plain: no ` #`, no `: `, nothing unprintable. */
function plainNext(code: number, previous: number): boolean {
  if (code === 0x23) return printable(previous) && !isSpace(previous);
  if (previous === 0x3a) return printable(code) && !isSpace(code);
  return printable(code);
}

const ESCAPES = new Map<number, string>([
  [0x00, '\\0'], [0x07, '\\a'], [0x08, '\\b'], [0x09, '\\t'], [0x0a, '\\n'], [0x0b, '\\v'], [0x0c, '\\f'], [0x0d, '\\r'],
  [0x1b, '\\e'], [0x22, '\\"'], [0x5c, '\\\\'], [0x85, '\\N'], [0xa0, '\\_'], [0x2028, '\\L'], [0x2029, '\\P'],
]);

function doubleQuoted(value: string): string {
  let result = '"';
  for (let index = 0; index < value.length;) {
    const code = value.codePointAt(index)!;
    const width = code >= 0x10000 ? 2 : 1;
    const escape = ESCAPES.get(code);
    if (escape !== undefined) result += escape;
    else if (printable(code)) result += value.slice(index, index + width);
    else result += hexEscape(code);
    index += width;
  }
  return `${result}"`;
}

function hexEscape(code: number): string {
  const [prefix, digits] = code <= 0xff ? ['\\x', 2] : code <= 0xffff ? ['\\u', 4] : ['\\U', 8];
  return `${prefix}${code.toString(16).toUpperCase().padStart(digits, '0')}`;
}

/** `|`, an indentation indicator when the text starts with a space, the chomping, then the lines indented. */
function literalBlock(value: string, indent: number): string {
  const clip = value.endsWith('\n');
  const keep = clip && (value.endsWith('\n\n') || value === '\n');
  const header = `|${/^\n* /.test(value) ? INDENT : ''}${keep ? '+' : clip ? '' : '-'}\n`;
  const margin = ' '.repeat(indent);
  const lines = (clip ? value.slice(0, -1) : value).split('\n');
  return header + lines.map((line) => (line === '' ? line : margin + line)).join('\n');
}
