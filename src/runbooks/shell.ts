/** A word the shell reads as itself: bare when it can be, in double quotes when it holds single quotes but nothing double quotes expand, in single quotes otherwise. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  if (value.includes("'") && !/["$`\\!]/.test(value)) return `"${value}"`;
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** A command line from its words, each quoted as needed. */
export function command(...words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
