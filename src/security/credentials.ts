import { cachedResult } from '../result-cache';
import { sqlStringConstants } from '../migrations/sql-parser';

/**
 * Finds credentials in text, and redacts them. Used by SEC001 on every rendered string, and by
 * the engine and the config layer on every message and value they report, so a secret never
 * reaches a terminal, a CI log or the JSON report.
 *
 * A credential is found by its form (a private key, an access key id, a token of a known
 * service, the password of a URL or a connection string, a 40-character secret access key, a
 * high-entropy blob) or by its name (the value of a setting, option, variable or SQL clause
 * named like a password, secret, token or key). SQL string constants are read by PostgreSQL's
 * own lexer, so every quoting form (`'...'`, `E'...'`, `U&'...'`, `$$...$$`, `$tag$...$tag$`) is
 * decoded before it is checked. Placeholders (`${VAR}`, `$(VAR)`, `{{ .x }}`, `<password>`),
 * SOPS ciphertext, checksums and other hexadecimal ids are not credentials.
 */

/** One credential in a text. */
export interface Credential {
  /** What it is, e.g. `a GitHub token`. */
  readonly kind: string;
  /** Where it is in the text (the span redaction replaces). */
  readonly start: number;
  readonly end: number;
  /** The credential itself (decoded, for a SQL constant). Never print it: describe it. */
  readonly secret: string;
}

/**
 * Whether a name (of a variable, setting, option, key) says its value is a credential: a
 * `password`, a `key` or token, or a `reference`-prone name (`...secret`, `...credentials`), whose
 * value is often the name of a Secret rather than a secret.
 */
function credentialName(name: string): 'password' | 'key' | 'reference' | undefined {
  const compact = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (/(password|passwd|passphrase|pgpass)$/.test(compact)) return 'password';
  if (/(secret|credentials?)$/.test(compact)) return 'reference';
  if (/(token|(private|secret|api|access|signing|encryption|master|ssh)key|accesskeyid)$/.test(compact)) return 'key';
  return undefined;
}

/** What the value of a setting named like a credential is called in messages: `a password (PGPASSWORD)`. */
export function namedCredential(name: string): string {
  return credentialName(name) === 'password' ? `a password (${name})` : `a credential (${name})`;
}

/** Stand-ins for a value, not values: `${VAR}`, `$(VAR)`, `$VAR`, `{{ .x }}`, `<password>`, `***`, SOPS ciphertext, a psql variable. */
const PLACEHOLDER = /^(\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*\}\}|<[^<>]*>|\*+|x{3,}|X{3,}|\.{3}|ENC\[.*\]|:'?[A-Za-z_][A-Za-z0-9_]*'?)$/s;
/** Values a setting named like a credential takes that are no secret: switches, file paths, methods, the word itself. */
const NOT_A_SECRET = /^(on|off|true|false|yes|no|none|null|required|optional|enabled|disabled|md5|scram-sha-256|password|\/[\w./-]*)$/i;
/** A Kubernetes object name with a separator, e.g. `migrator-secret`: what a `...secret` field names by reference. */
const OBJECT_NAME = /^[a-z0-9]+([-.][a-z0-9]+)+$/;

/** Whether `value`, given to a setting called `name`, is a credential rather than a placeholder, switch or reference. */
export function namedSecret(name: string, value: string): boolean {
  const kind = credentialName(name);
  const text = value.trim();
  if (kind === undefined || text.length < 3 || PLACEHOLDER.test(text) || NOT_A_SECRET.test(text)) return false;
  return kind !== 'reference' || !OBJECT_NAME.test(text);
}

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  return [...counts.values()].reduce((sum, count) => sum - (count / text.length) * Math.log2(count / text.length), 0);
}

/** Upper case, lower case and digits mixed, as in generated keys (names and words rarely are; hex never). */
function mixedClasses(text: string): boolean {
  return /[A-Z]/.test(text) && /[a-z]/.test(text) && /[0-9]/.test(text);
}

/**
 * Generated, not composed: a run of at least 16 characters without a separator. Names built from
 * words and ids (`production-migrations-0005-drop-email-Job-c8a828a5`) have only short runs.
 */
function unbrokenRun(text: string): boolean {
  return text.split(/[-_/+.=]/).some((segment) => segment.length >= 16);
}

/** A base64 certificate or public key (a CA bundle): public by design. */
function encodesPublicMaterial(text: string): boolean {
  return /-----BEGIN (CERTIFICATE|PUBLIC KEY|[A-Z ]*PUBLIC KEY)-----/.test(Buffer.from(text, 'base64').toString('latin1'));
}

interface Form {
  readonly kind: string | ((match: RegExpExecArray) => string);
  readonly pattern: RegExp;
  /** The group holding the secret (the whole match by default). */
  readonly group?: number;
  readonly accept?: (secret: string, match: RegExpExecArray) => boolean;
}

const unquote = (value: string) => value.replace(/^(['"])(.*)\1$/s, '$2');

/** Credentials recognised by their form, wherever they are. */
const FORMS: readonly Form[] = [
  { kind: 'a private key', pattern: /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g },
  { kind: 'an AWS access key id', pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  { kind: 'a GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { kind: 'a GitLab token', pattern: /\bgl(?:pat|dt|rt|ptt|ft|imt|oas|cbt|soat|agent)-[A-Za-z0-9_-]{20,}/g },
  { kind: 'a Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: 'a Slack webhook URL', pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{16,}/g },
  { kind: 'a JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g },
  { kind: 'a Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: 'a Stripe secret key', pattern: /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}\b/g },
  { kind: 'an npm token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: 'an API secret key', pattern: /\bsk-(?:proj-|ant-[a-z0-9]+-)?[A-Za-z0-9_-]{32,}/g },
  { kind: 'a bearer token', pattern: /\b(?:Bearer|Basic)\s+([A-Za-z0-9._~+/-]{16,}=*)/g, group: 1 },
  {
    kind: (match) => `the password of a ${match[1].toLowerCase()}:// URL`,
    pattern: /\b([a-zA-Z][a-zA-Z0-9+.-]*):\/\/[^\s:/?#@'"]*:([^\s/?#@'"]+)@/g,
    group: 2,
    accept: (secret) => !PLACEHOLDER.test(secret),
  },
  {
    kind: 'a password in a connection string',
    pattern: /(?<![A-Za-z0-9_])(?:ssl)?password\s*=\s*('(?:[^'\\]|\\.)*'|[^\s'&;,)]+)/gi,
    group: 1,
    accept: (secret) => unquote(secret).length > 0 && !PLACEHOLDER.test(unquote(secret)),
  },
  {
    kind: (match) => namedCredential(match[1]),
    pattern: /(?<![A-Za-z0-9_.$-])-{0,2}["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?[ \t]*[:=][ \t]*("[^"\n]*"|'[^'\n]*'|[^\s"',;&)]+)/g,
    group: 2,
    accept: (secret, match) => namedSecret(match[1], unquote(secret)),
  },
  {
    kind: 'an S3 or R2 secret access key',
    pattern: /(?<![A-Za-z0-9/+=_-])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=_-])/g,
    accept: (secret) => mixedClasses(secret) && entropy(secret) >= 4.3,
  },
  {
    kind: 'a high-entropy string (a key or token)',
    pattern: /(?<![A-Za-z0-9/+=_-])[A-Za-z0-9/+_-]{32,}={0,2}(?![A-Za-z0-9/+=_-])/g,
    accept: (secret) => mixedClasses(secret) && unbrokenRun(secret) && entropy(secret) >= 4.3 && !encodesPublicMaterial(secret),
  },
];

/**
 * `PASSWORD '...'` in any quoting form where PostgreSQL's lexer finds no string constant: in a
 * comment (`-- was: ALTER ROLE app PASSWORD '...'`), in text the lexer refuses (prose with an
 * apostrophe), or left unterminated (to the end of the text, which a parser's error then quotes).
 */
const SQL_PASSWORD = /\bPASSWORD\s+((?:E|U&)?'(?:[^']|'')*(?:'|$)|(\$[A-Za-z_]*\$)(?:[\s\S]*?\2|[\s\S]*$))/gi;
/** Text worth reading as SQL: it may name a credential, or hide one in an escaped string. */
const MAY_NAME_CREDENTIALS = /pass|secret|token|key|credential|e'|u&'/i;

function byForm(text: string): Credential[] {
  const found: Credential[] = [];
  for (const form of FORMS) {
    for (const match of text.matchAll(form.pattern)) {
      const secret = match[form.group ?? 0];
      if (secret === undefined || (form.accept && !form.accept(secret, match as RegExpExecArray))) continue;
      const start = match.index! + match[0].lastIndexOf(secret);
      const kind = typeof form.kind === 'string' ? form.kind : form.kind(match as RegExpExecArray);
      found.push({ kind, start, end: start + secret.length, secret: unquote(secret) });
    }
  }
  return found;
}

function passwordClauses(text: string): Credential[] {
  return [...text.matchAll(SQL_PASSWORD)].flatMap((match) => {
    const literal = match[1];
    const start = match.index! + match[0].length - literal.length;
    const secret = literal.replace(/^(E|U&)?'|'$/gi, '').replace(/^\$[A-Za-z_]*\$|\$[A-Za-z_]*\$$/g, '');
    return secret === '' ? [] : [{ kind: 'a password in SQL', start, end: start + literal.length, secret }];
  });
}

/** Credentials in the string constants of SQL (or SQL-like text), by their name or their decoded form. */
function inSqlConstants(text: string): Credential[] {
  return (sqlStringConstants(text) ?? []).flatMap((constant) => {
    const at = { start: constant.start, end: constant.end, secret: constant.value };
    if (constant.name === 'password' && constant.value !== '') return [{ ...at, kind: 'a password in SQL' }];
    if (constant.name !== undefined && namedSecret(constant.name, constant.value)) return [{ ...at, kind: `${namedCredential(constant.name)} in SQL` }];
    // An escaped constant hides its form from the raw text: check the decoded value.
    return byForm(constant.value).map((credential) => ({ ...at, kind: credential.kind, secret: credential.secret }));
  });
}

/** Keeps one of overlapping findings: the earliest, then the longest, then the first found. */
function withoutOverlaps(found: Credential[]): Credential[] {
  const kept: Credential[] = [];
  for (const credential of [...found].sort((a, b) => a.start - b.start || b.end - a.end)) {
    if (kept.every((other) => other.end <= credential.start || other.start >= credential.end)) kept.push(credential);
  }
  return kept;
}

/** A PEM certificate or public key, whose base64 lines look random but are public by design. */
const PUBLIC_PEM = /-----BEGIN (CERTIFICATE|[A-Z0-9 ]*PUBLIC KEY|X509 CRL)-----[\s\S]*?-----END \1-----/g;

/** Texts searched for credentials in this run, kept apart from the result cache: short ones without a credential's name cost less to search than to look up. */
const searchedShort = new Map<string, Credential[]>();

/**
 * Every credential in a text, by form and (through PostgreSQL's lexer) in SQL, without overlaps.
 * That a long text, or one that may name a credential (the lexer reads those), holds none is kept
 * (src/result-cache.ts): the same scripts, names and SQL recur in every database, every
 * environment and every run. What was found is never kept, so no credential reaches the cache file.
 */
export function credentialsIn(text: string): Credential[] {
  if (text.length < 64 && !MAY_NAME_CREDENTIALS.test(text)) {
    let found = searchedShort.get(text);
    if (found === undefined) searchedShort.set(text, found = search(text));
    return found;
  }
  return cachedResult('credential-free', text, (candidate) => search(candidate).length === 0) ? [] : search(text);
}

function search(text: string): Credential[] {
  // The lexer's findings first: where the same literal is found twice, its decoded reading wins.
  const found = [...(MAY_NAME_CREDENTIALS.test(text) ? inSqlConstants(text) : []), ...byForm(text), ...passwordClauses(text)];
  const publicBlocks = [...text.matchAll(PUBLIC_PEM)].map((match) => [match.index!, match.index! + match[0].length]);
  return withoutOverlaps(found).filter((credential) => !publicBlocks.some(([start, end]) => credential.start >= start && credential.end <= end));
}

/** A credential in words, never the credential: its kind, its length, and for a long one two characters at each end. */
export function describeCredential(credential: Pick<Credential, 'kind' | 'secret'>): string {
  const length = [...credential.secret].length;
  const ends = length >= 16 ? `, "${credential.secret.slice(0, 2)}…${credential.secret.slice(-2)}"` : '';
  return `${credential.kind}, ${length} characters${ends}`;
}

/** The text with every credential replaced by `<redacted: what it is>`. */
export function redactCredentials(text: string): string {
  let result = text;
  for (const credential of [...credentialsIn(text)].sort((a, b) => b.start - a.start)) {
    result = `${result.slice(0, credential.start)}<redacted: ${describeCredential(credential)}>${result.slice(credential.end)}`;
  }
  return result;
}

/**
 * A message that quotes `source` (a parser's error quoting a token of the SQL, a message quoting
 * a config value, the strings of a list or object), with every credential found in the source
 * redacted wherever the message has it, then every credential of its own: a quoted fragment has
 * lost the words around it that told it was a credential (`'Pw12''` out of `PASSWORD 'Pw12''`).
 */
export function redactQuoted(message: string, source: unknown): string {
  let result = message;
  for (const credential of textsOf(source).flatMap(credentialsIn)) result = result.replaceAll(credential.secret, `<redacted: ${describeCredential(credential)}>`);
  return redactCredentials(result);
}

/** The strings of a value, however deep. */
function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(textsOf);
  return [];
}

/** A reported value (string, list or object) with every credential in its strings redacted. */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redactCredentials(value) as T;
  if (Array.isArray(value)) return value.map(redactValue) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, typeof child === 'string' && namedSecret(key, child) ? `<redacted: ${describeCredential({ kind: namedCredential(key), secret: child })}>` : redactValue(child)])) as T;
  }
  return value;
}
