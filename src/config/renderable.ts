import { FieldReference, fieldSegments } from './locate';
import { ConfigError, configFileOf, MIGRATIONS_FILE, validateEnvironments } from './validate';

/** An environment whose guardrails were not run, and why. */
export interface NotChecked {
  /** The environment's name, or `environments[<index>]` when it has none. */
  readonly environment: string;
  readonly reason: string;
}

/** What of an estate with config errors can still be rendered, and its guardrails checked. */
export interface RenderablePart {
  /** The errors given, and those they hid: the references checked once the fields with errors are left out. */
  readonly configErrors: readonly ConfigError[];
  /** The environments that render, each without the fields that had errors. */
  readonly environments: readonly unknown[];
  /** The catalog without the migrations whose declaration still has errors. */
  readonly migrations: readonly unknown[];
  readonly notChecked: readonly NotChecked[];
  /**
   * The fields left out (catalog fields as guardrails name them, `<migration id>.<field>`):
   * what guardrails find there follows from leaving them out, so it is not reported.
   */
  readonly omitted: readonly FieldReference[];
}

type Segment = string | number;

/** Passes that look for errors the earlier ones hid; then whatever is still invalid is not rendered. */
const MAXIMUM_PASSES = 5;

/** A copy of the plain objects and arrays of a config; other values are shared. */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, copy(entry)]));
  }
  return value;
}

/** Removes the field; list elements are cut out. Fields that are not there are left alone. */
function remove(target: unknown, segments: readonly Segment[]): void {
  let node: any = target;
  for (const segment of segments.slice(0, -1)) {
    node = node !== null && typeof node === 'object' ? node[segment] : undefined;
  }
  const last = segments.at(-1);
  if (node === null || typeof node !== 'object' || last === undefined) return;
  if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
  else if (!Array.isArray(node) && typeof last === 'string') delete node[last];
}

/** Later list elements first, so that cutting one out leaves the indexes of the others right. */
function laterFirst(a: readonly Segment[], b: readonly Segment[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    if (a[index] === b[index]) continue;
    return typeof a[index] === 'number' && typeof b[index] === 'number' ? (b[index] as number) - (a[index] as number) : String(b[index]).localeCompare(String(a[index]));
  }
  return b.length - a.length;
}

const nameOf = (config: unknown, index: number): string => {
  const name = (config as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : `environments[${index}]`;
};

/**
 * Config errors need not hide the guardrails of what is still sound. Each field with an error is
 * left out, as if it were not written (an optional field takes its default), and the rest is
 * validated again: the references between environments and to the catalog are only checked once
 * every shape is valid, so this finds the errors those hid, which are reported and left out too.
 * An environment still invalid without them is not rendered, nor are the environments tied to it
 * by a clone (the clone recovers from its source; the source's migrations are validated on its
 * clone), nor those that apply a migration whose declaration is invalid.
 */
export function renderablePart(environments: readonly unknown[], migrations: readonly unknown[], errors: readonly ConfigError[], repoRoot: string): RenderablePart {
  const configs = environments.map(copy);
  const catalog = migrations.map(copy);
  const configErrors = [...errors];
  const omitted: FieldReference[] = [];
  const excluded = new Map<number, string>();
  const invalidMigrations = new Set<number>();
  const leaveOut = (found: readonly ConfigError[], catalogIndexes: readonly number[]) => {
    const removals: { target: unknown; segments: Segment[] }[] = [];
    for (const error of found) {
      const segments = fieldSegments(error.field);
      if (error.file === MIGRATIONS_FILE) {
        const [, position, ...field] = segments;
        if (typeof position !== 'number' || field.length === 0) continue;
        const index = catalogIndexes[position];
        removals.push({ target: catalog[index], segments: field });
        const id = (migrations[index] as { id?: unknown } | null)?.id;
        if (typeof id === 'string') omitted.push({ file: error.file, field: `${id}.${error.field.slice(error.field.indexOf('.') + 1)}` });
      } else {
        configs.forEach((config, index) => { if (!excluded.has(index) && configFileOf(nameOf(config, index)) === error.file) removals.push({ target: config, segments }); });
        omitted.push({ file: error.file, field: error.field });
      }
    }
    removals.sort((a, b) => laterFirst(a.segments, b.segments)).forEach(({ target, segments }) => remove(target, segments));
  };
  // A problem about a field that was left out follows from leaving it out; any other is the config's own.
  const followsFromOmitted = (problem: ConfigError) => omitted.some(({ file, field }) => file === problem.file && (fieldWithin(field, problem.field) || fieldWithin(problem.field, field)));
  const known = (problem: ConfigError) => configErrors.some((error) => error.file === problem.file && error.field === problem.field && error.message === problem.message);

  leaveOut(errors, catalog.map((_, index) => index));
  for (let pass = 1; ; pass += 1) {
    const candidates = configs.map((config, index) => ({ config, index })).filter(({ index }) => !excluded.has(index));
    const catalogIndexes = catalog.map((_, index) => index).filter((index) => !invalidMigrations.has(index));
    const problems = validateEnvironments(candidates.map(({ config }) => config), catalogIndexes.map((index) => catalog[index]), repoRoot);
    if (problems.length === 0) {
      return {
        configErrors,
        environments: candidates.map(({ config }) => config),
        migrations: catalogIndexes.map((index) => catalog[index]),
        notChecked: [...excluded].sort(([a], [b]) => a - b).map(([index, reason]) => ({ environment: nameOf(configs[index], index), reason })),
        omitted,
      };
    }
    const hidden = problems.filter((problem) => problem.file !== MIGRATIONS_FILE && !followsFromOmitted(problem) && !known(problem));
    if (hidden.length > 0 && pass < MAXIMUM_PASSES) {
      configErrors.push(...hidden);
      leaveOut(hidden, catalogIndexes);
      continue;
    }
    const before = excluded.size + invalidMigrations.size;
    for (const problem of problems.filter((candidate) => candidate.file === MIGRATIONS_FILE)) {
      const position = fieldSegments(problem.field)[1];
      if (typeof position === 'number') invalidMigrations.add(catalogIndexes[position]);
    }
    const invalidIds = [...invalidMigrations].map((index) => (catalog[index] as { id?: unknown } | null)?.id).filter((id) => typeof id === 'string');
    for (const { config, index } of candidates) {
      const problem = problems.find((candidate) => candidate.file === configFileOf(nameOf(config, index)));
      const applies = invalidIds.find((id) => appliedIds(config).includes(id));
      if (problem) excluded.set(index, followsFromOmitted(problem) ? `it does not render without ${problem.field}` : `${problem.field}: ${problem.message}`);
      else if (applies !== undefined) excluded.set(index, `it applies ${applies}, whose declaration in ${MIGRATIONS_FILE} has errors`);
    }
    excludeCloneGroups(configs, excluded);
    if (excluded.size + invalidMigrations.size === before) {
      for (const { index } of candidates) excluded.set(index, 'the environments\' configs do not fit together');
    }
  }
}

/** `inner` is the field `outer` or one of its parts (`cluster.instances` within `cluster`). */
export function fieldWithin(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
}

/** Every migration id a config's databases apply. */
function appliedIds(config: unknown): unknown[] {
  const env = config as { migrations?: { applied?: unknown[] }; databases?: { migrations?: { applied?: unknown[] } }[] };
  return [env.migrations, ...(env.databases ?? []).map((database) => database?.migrations)].flatMap((migrations) => migrations?.applied ?? []);
}

/** A clone recovers from its source, and the source takes only SQL validated on its clone: neither renders without the other. */
function excludeCloneGroups(configs: readonly unknown[], excluded: Map<number, string>): void {
  const sourceOf = (config: unknown) => (config as { cloneFrom?: { environment?: unknown } }).cloneFrom?.environment;
  for (let changed = true; changed;) {
    changed = false;
    configs.forEach((config, index) => {
      if (excluded.has(index)) return;
      const name = nameOf(config, index);
      const source = configs.findIndex((candidate, at) => excluded.has(at) && nameOf(candidate, at) === sourceOf(config));
      const clone = configs.findIndex((candidate, at) => excluded.has(at) && sourceOf(candidate) === name);
      if (source !== -1) excluded.set(index, `it clones ${nameOf(configs[source], source)}, which is not rendered`);
      else if (clone !== -1) excluded.set(index, `its clone ${nameOf(configs[clone], clone)}, where its migrations are validated, is not rendered`);
      changed ||= source !== -1 || clone !== -1;
    });
  }
}
