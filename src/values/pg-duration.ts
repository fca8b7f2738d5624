/**
 * A PostgreSQL time setting (`lock_timeout`, `statement_timeout`) read as the server reads it
 * (parse_int with units in guc.c): a number (decimal, hexadecimal `0x..`, octal `0..`, or with a
 * fraction or exponent), optional white space, an optional unit (`us`, `ms`, `s`, `min`, `h`, `d`,
 * case-sensitive), converted to the setting's unit and rounded half to even. So `0`, `'0s'`,
 * `'0ms'`, `' 0 min '`, `'0.4ms'` and `'499us'` all mean 0: no timeout at all.
 */
const SETTING = /^\s*([+-]?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))\s*(us|ms|s|min|h|d)?\s*$/;
const MILLISECONDS = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function number(text: string): number {
  const unsigned = text.replace(/^[+-]/, '');
  const sign = text.startsWith('-') ? -1 : 1;
  if (/^0[xX]/.test(unsigned)) return sign * parseInt(unsigned.slice(2), 16);
  if (/^0[0-7]+$/.test(unsigned)) return sign * parseInt(unsigned, 8);
  return sign * Number(unsigned);
}

/** What rint() does: to the nearest integer, halves to the even one. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The milliseconds a time setting holds, as the server rounds them (`lock_timeout` and
 * `statement_timeout` count in milliseconds; a number without unit is milliseconds), or
 * undefined when the server would refuse the text.
 */
export function pgDurationMilliseconds(value: string | number): number | undefined {
  const match = SETTING.exec(String(value));
  if (!match) return undefined;
  const parsed = number(match[1]) * MILLISECONDS[(match[2] ?? 'ms') as keyof typeof MILLISECONDS];
  // `|| 0`: -0 is 0.
  return Number.isFinite(parsed) ? roundHalfEven(parsed) || 0 : undefined;
}

/** Whether a timeout setting switches the timeout off: it rounds to 0 milliseconds. */
export function disablesTimeout(value: string | number): boolean {
  return pgDurationMilliseconds(value) === 0;
}
