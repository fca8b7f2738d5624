/**
 * Translates the case-insensitive flag of a Go (RE2) regular expression, which CRD `pattern`s
 * are written in, into a JavaScript regular expression: JavaScript (before ES2025) has no inline
 * flags, so every letter the flag covers becomes the class of the letters it folds with. Go's
 * `(?i)` uses Unicode simple case folding, which adds the Kelvin sign to k and the long s to s.
 *
 * Go semantics kept: `(?i)` holds from where it stands to the end of its enclosing group;
 * `(?i:re)` only inside `re`; a `]` first in a class is a literal. Everything else is copied.
 * Other flags, non-ASCII characters and letter escapes the flag would have to fold (`\x61`,
 * `\p{L}`) are refused rather than translated wrongly.
 */
export function goPatternToJs(pattern: string): string {
  const caseInsensitive = [false]; // one entry per open group
  let output = '';
  let i = 0;
  const fail = (why: string): never => { throw new Error(`Go pattern ${JSON.stringify(pattern)}: ${why} at offset ${i}`); };
  while (i < pattern.length) {
    const char = pattern[i];
    const folding = caseInsensitive[caseInsensitive.length - 1];
    if (char === '\\') {
      const escape = pattern.slice(i, i + 2);
      if (folding && /^\\[a-zA-Z0-9]$/.test(escape) && !/^\\[dDsSwWbB]$/.test(escape)) fail(`escape ${escape} under (?i) is not supported`);
      output += escape;
      i += 2;
    } else if (char === '[') {
      const end = classEnd(pattern, i) ?? fail('unterminated character class');
      output += translateClass(pattern.slice(i, end + 1), folding, fail);
      i = end + 1;
    } else if (pattern.startsWith('(?', i)) {
      const flags = /^\(\?([a-zA-Z-]*)([:)])/.exec(pattern.slice(i)) ?? fail('unsupported group syntax');
      if (flags[1] !== 'i' && flags[1] !== '') fail(`flags (?${flags[1]}) are not supported, only (?i)`);
      if (flags[2] === ')') {
        caseInsensitive[caseInsensitive.length - 1] = true;
      } else {
        caseInsensitive.push(folding || flags[1] === 'i');
        output += '(?:';
      }
      i += flags[0].length;
    } else if (char === '(') {
      caseInsensitive.push(folding);
      output += char;
      i += 1;
    } else if (char === ')') {
      if (caseInsensitive.length === 1) fail('unbalanced )');
      caseInsensitive.pop();
      output += char;
      i += 1;
    } else {
      if (folding && char.charCodeAt(0) > 0x7f) fail('a non-ASCII character under (?i) is not supported');
      const variants = caseVariants(char);
      output += folding && variants.length > 1 ? `[${variants.join('')}]` : char;
      i += 1;
    }
  }
  return output;
}

/** The characters a letter matches under Go's `(?i)`: its simple case-folding orbit (ASCII letters only). */
function caseVariants(char: string): string[] {
  if (!/^[a-zA-Z]$/.test(char)) return [char];
  const lower = char.toLowerCase();
  const extra: Record<string, string> = { k: '\\u212A', s: '\\u017F' };
  return [char, char === lower ? char.toUpperCase() : lower, ...(extra[lower] ? [extra[lower]] : [])];
}

/** Index of the `]` closing the class that opens at `start` (a `]` first in the class is literal). */
function classEnd(pattern: string, start: number): number | undefined {
  let i = start + 1;
  if (pattern[i] === '^') i += 1;
  if (pattern[i] === ']') i += 1;
  for (; i < pattern.length; i += 1) {
    if (pattern[i] === '\\') i += 1;
    else if (pattern[i] === ']') return i;
  }
  return undefined;
}

/**
 * A character class for JavaScript: a `]` first in it escaped (Go reads it as a literal, JavaScript
 * as the end of an empty class) and, under `(?i)`, the case variants of its letters appended.
 */
function translateClass(cls: string, folding: boolean, fail: (why: string) => never): string {
  const body = cls.slice(1, -1);
  const negated = body.startsWith('^');
  const items = (negated ? body.slice(1) : body).replace(/^\]/, '\\]');
  if (!folding) return `[${negated ? '^' : ''}${items}]`;
  const letters = new Set<string>();
  for (let i = 0; i < items.length; i += 1) {
    if (items[i] === '\\') {
      if (/[a-zA-Z0-9]/.test(items[i + 1]) && !/[dDsSwW]/.test(items[i + 1])) fail(`escape \\${items[i + 1]} in a class under (?i) is not supported`);
      i += 1;
    } else if (items[i + 1] === '-' && i + 2 < items.length) {
      if (items[i + 2] === '\\') fail('a range ending in an escape under (?i) is not supported');
      const [low, high] = [items.charCodeAt(i), items.charCodeAt(i + 2)];
      if (high > 0x7f) fail('a non-ASCII range under (?i) is not supported');
      for (let code = low; code <= high; code += 1) letters.add(String.fromCharCode(code));
      i += 2;
    } else {
      if (items.charCodeAt(i) > 0x7f) fail('a non-ASCII character under (?i) is not supported');
      letters.add(items[i]);
    }
  }
  const added = [...letters].flatMap((letter) => caseVariants(letter).slice(1)).filter((variant) => !letters.has(variant));
  return `[${negated ? '^' : ''}${items}${[...new Set(added)].join('')}]`;
}
