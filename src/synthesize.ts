import { App, Chart } from 'cdk8s';
import { loadAll } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CnpgClustersChart } from './charts/cnpg-clusters-chart';
import { CnpgMigrationsChart } from './charts/cnpg-migrations-chart';
import { CnpgPoliciesChart } from './charts/cnpg-policies-chart';
import { CnpgRestoresChart } from './charts/cnpg-restores-chart';
import { FluxSyncChart } from './charts/flux-sync-chart';
import { databasesOf, EnvironmentDatabase } from './config/databases';
import { fieldWithin, NotChecked, renderablePart } from './config/renderable';
import { ConfigError, formatConfigError, validateEnvironments } from './config/validate';
import { EnvironmentConfig, EnvironmentName, MigrationConfig, MigrationValidationRecord } from './config/types';
import { EnvironmentObjects, evaluateGuardrails, formatViolation, GuardrailReport, Violation } from './guardrails/engine';
import { annotateSuppressions, suppressGuardrail, suppressionsIn } from './guardrails/suppressions';
import { FluxChart } from './flux/flux-chart';
import { PlacedObject, ReviewedObject, renderObjects, reviewObjects } from './flux/render';
import { FileSystem } from './flux/file-system';
import { display, listTrees, OutputTree, WriteRefused } from './flux/output-plan';
import { Recovery, recoverInterruptedWrite, TreeState, WriteFailed, writeOutputs } from './flux/output-transaction';
import { acquireSynthesisLock, LockHeld, LockOwner, SynthesisLock } from './flux/synthesis-lock';
import { DirectoryContent, renderTree, TreeChanges, TreeFile, yamlOf } from './flux/tree-writer';
import { renderMigrationTimeline } from './runbooks/migration-timeline';
import { FLUX_KEEP_WHEN_REMOVED } from './names';
import { renderRollbackRunbook, RetainedObject } from './runbooks/rollback-runbook';
import { writeReport } from './report';

/** Everything synthesis reads: the environment configs and the migration catalog. */
export interface EstateInput {
  /** The environment configs (validated here, so they may come from anywhere). */
  readonly environments: readonly unknown[];
  /**
   * The migration catalog.
   * @default - no migrations
   */
  readonly migrations?: readonly unknown[];
  /**
   * Directory the SQL paths of the catalog are relative to.
   * @default - the current directory
   */
  readonly repoRoot?: string;
  /**
   * Reads a file of the committed Flux tree (path relative to its root; undefined when absent):
   * what Flux applied, which guardrails compare the rendering with (CLU002: volumes never shrink).
   * @default - nothing is compared; synthesize() reads the files below fluxRoot
   */
  readonly deployedFile?: (path: string) => string | undefined;
}

/** The validated form of EstateInput. */
export interface Estate {
  readonly environments: readonly EnvironmentConfig[];
  readonly migrations: readonly MigrationConfig[];
  readonly repoRoot: string;
}

export interface SynthesizeOptions extends EstateInput {
  /** Root of the committed Flux tree, e.g. `flux`. */
  readonly fluxRoot: string;
  /**
   * Where the rollback runbooks go, e.g. `docs/runbooks`.
   * @default - runbooks are not written
   */
  readonly runbookRoot?: string;
  /**
   * cdk8s's per-chart manifests (`<chart>.k8s.yaml`), e.g. `dist`.
   * @default - cdk8s output is not written
   */
  readonly outdir?: string;
  /**
   * Also write the guardrail report as JSON to this file, for CI annotations.
   * @default - no JSON report
   */
  readonly reportFile?: string;
  /**
   * Where the lock, the staged files and the journal of a write go: outside the written
   * directories, on their file system.
   * @default - `.<name>-synthesis` beside fluxRoot, e.g. `.flux-synthesis`
   */
  readonly workDir?: string;
  /**
   * Stops the synthesis (a signal): before its commit point nothing is written; after it, the
   * commit is finished first.
   * @default - runs to the end
   */
  readonly signal?: AbortSignal;
  /**
   * The file operations of the write and of recovery (tests inject faults and delays).
   * @default - the real file system
   */
  readonly fileSystem?: FileSystem;
}

/** The rendered objects of one chart: its Flux directory, and its name in cdk8s's dist/. */
export type ChartContent = DirectoryContent & { readonly chart: string };

/** Why nothing was written, or what would be written. */
export type RenderOutcome =
  | {
    readonly status: 'invalid-config';
    readonly configErrors: readonly ConfigError[];
    /** The guardrails of what still renders without the fields that have errors (src/config/renderable.ts). */
    readonly report: GuardrailReport;
    /** The environments that did not render, so their guardrails did not run. */
    readonly notChecked: readonly NotChecked[];
  }
  | { readonly status: 'guardrails-failed'; readonly report: GuardrailReport }
  | { readonly status: 'rendered'; readonly report: GuardrailReport; readonly files: readonly TreeFile[]; readonly runbooks: readonly TreeFile[]; readonly charts: readonly ChartContent[] };

/** What every synthesis reports besides its result. */
export interface SynthesisStart {
  /** The directories it writes, as messages name them (`flux`, `docs/runbooks`, `dist`). */
  readonly trees: readonly string[];
  /** What it did first about a synthesis that was interrupted. */
  readonly recovery?: Recovery;
  /** The synthesis that was killed holding the lock, which this one took over. */
  readonly staleLock?: LockOwner;
}

export type SynthesisOutcome = SynthesisStart & (
  | Exclude<RenderOutcome, { status: 'rendered' }>
  | { readonly status: 'written'; readonly report: GuardrailReport; readonly files: readonly TreeFile[]; readonly changes: TreeChanges; readonly runbookChanges?: TreeChanges; readonly distChanges?: TreeChanges }
  | { readonly status: 'not-written'; readonly reason: string; readonly treeState: TreeState }
);

/** The database that clones `database` (staging's of the same cluster for production's): where its migrations are validated. */
function cloneOf(estate: Estate, database: EnvironmentDatabase): { readonly environment: string; readonly configPrefix?: string; readonly records: MigrationValidationRecord[] } | undefined {
  const clone = estate.environments
    .filter((candidate) => candidate.cloneFrom?.environment === database.name)
    .flatMap(databasesOf)
    .find((candidate) => candidate.qualifier === database.qualifier);
  return clone && { environment: clone.name, configPrefix: clone.configPrefix, records: [...(clone.migrationValidations ?? [])] };
}

/**
 * The cdk8s app of every environment: its admission policies; each database's cluster,
 * migrations and restores charts; and the Flux Kustomizations that sync them in order.
 */
export function buildApp(estate: Estate): { app: App; charts: FluxChart[]; migrationCharts: CnpgMigrationsChart[]; clusterCharts: CnpgClustersChart[] } {
  const app = new App();
  const charts: FluxChart[] = [];
  // cdk8s answers `instanceof` for any Chart subclass with Chart.isChart: keep the typed list here.
  const migrationCharts: CnpgMigrationsChart[] = [];
  // By `<environment>/<qualifier>`: a clone recovers from the database of the same name.
  const clusters = new Map<string, CnpgClustersChart>();
  const readFile = (path: string) => readFileSync(join(estate.repoRoot, path), 'utf8');
  // Sources first, so a clone can reference the cluster it recovers from.
  for (const env of [...estate.environments].sort((a, b) => Number(Boolean(a.cloneFrom)) - Number(Boolean(b.cloneFrom)))) {
    const environmentCharts: FluxChart[] = [new CnpgPoliciesChart(app, `${env.name}-policies`, { environment: env })];
    const databases = databasesOf(env);
    for (const database of databases) {
      // Cluster names never contain dots: the ids of further databases cannot collide.
      const id = database.qualifier ? `${env.name}.${database.qualifier}` : env.name;
      const cluster = new CnpgClustersChart(app, id, {
        environment: database,
        cloneSource: env.cloneFrom && clusters.get(`${env.cloneFrom.environment}/${database.qualifier ?? ''}`)?.cluster,
      });
      clusters.set(`${env.name}/${database.qualifier ?? ''}`, cluster);
      environmentCharts.push(cluster);
      if ((database.migrations?.applied ?? []).length > 0) {
        const migrations = new CnpgMigrationsChart(app, `${id}-migrations`, {
          environment: database,
          cluster: cluster.cluster,
          scripts: cluster.migrationScripts,
          migrations: estate.migrations,
          readFile,
          cloneValidation: cloneOf(estate, database),
        });
        migrationCharts.push(migrations);
        environmentCharts.push(migrations);
      }
      if ((database.restores ?? []).length > 0) {
        environmentCharts.push(new CnpgRestoresChart(app, `${id}-restores`, { environment: database, source: cluster.cluster }));
      }
    }
    environmentCharts.push(new FluxSyncChart(app, `${env.name}-flux`, { environment: env, databases, migrations: estate.migrations }));
    for (const chart of environmentCharts) {
      for (const suppression of chart.environment.suppressions ?? []) suppressGuardrail(chart, suppression);
    }
    charts.push(...environmentCharts);
  }
  return { app, charts, migrationCharts, clusterCharts: [...clusters.values()] };
}

/** Renders every chart once and runs the guardrails over the result (suppressions annotated first). */
export function evaluateApp(app: App, charts: readonly FluxChart[], deployedFile?: EstateInput['deployedFile']): { report: GuardrailReport; directories: ChartContent[] } {
  annotateSuppressions(suppressionsIn(app));
  const rendered = charts.map((chart) => ({
    chart,
    objects: renderObjects(chart, chart.environment.configPrefix),
    reviewed: reviewObjects(chart, chart.environment.configPrefix),
  }));
  const directories = rendered.map(({ chart, objects }) => ({
    chart: chart.node.id,
    directory: chart.directory,
    environment: chart.environment.name,
    kustomization: chart.kustomization,
    additionalResources: chart.additionalResources,
    emptyKustomization: chart.emptyKustomization,
    objects,
  }));
  return { report: evaluateGuardrails(byEnvironment(rendered, deployedFile)), directories };
}

/** The committed form of each rendered object: the same kind and name in the file it is written to. */
function deployedObjects(rendered: readonly { chart: FluxChart; objects: PlacedObject[] }[], deployedFile: NonNullable<EstateInput['deployedFile']>): (object: ReviewedObject) => unknown {
  const paths = new Map<ReviewedObject, string>(rendered.flatMap(({ chart, objects }) => objects.map((object) => [object, `${chart.directory}/${object.file}`] as const)));
  const documents = new Map<string, unknown[]>();
  const parsed = (path: string): unknown[] => {
    if (!documents.has(path)) {
      const content = deployedFile(path);
      let manifests: unknown[] = [];
      // A committed file that does not parse holds nothing to compare with.
      try { manifests = content === undefined ? [] : loadAll(content); } catch { /* nothing deployed to compare */ }
      documents.set(path, manifests);
    }
    return documents.get(path)!;
  };
  return (object) => {
    const path = paths.get(object);
    return path === undefined ? undefined : parsed(path).find((manifest: any) => manifest?.kind === object.kind && manifest?.metadata?.name === object.name);
  };
}

/** Reads the committed Flux tree below its root, as the deployed state. */
export function committedTree(fluxRoot: string): (path: string) => string | undefined {
  return (path) => {
    try {
      return readFileSync(join(fluxRoot, path), 'utf8');
    } catch {
      return undefined;
    }
  };
}

/** Violations about a field that was left out follow from leaving it out: the config error says it. */
function withoutOmitted(report: GuardrailReport, omitted: readonly { file: string; field: string }[]): GuardrailReport {
  const follows = (violation: Violation) => omitted.some(({ file, field }) => file === violation.configFile && fieldWithin(violation.configField, field));
  return { violations: report.violations.filter((violation) => !follows(violation)), suppressed: report.suppressed.filter((violation) => !follows(violation)) };
}

/**
 * Validates the configs, builds every environment and runs the guardrails over the rendered
 * objects; returns the files of the Flux tree only when nothing fails. Writes nothing.
 */
export function renderEnvironments(input: EstateInput): RenderOutcome {
  const repoRoot = input.repoRoot ?? '.';
  const configErrors = validateEnvironments(input.environments, input.migrations ?? [], repoRoot);
  if (configErrors.length > 0) {
    const part = renderablePart(input.environments, input.migrations ?? [], configErrors, repoRoot);
    const { app, charts } = buildApp({ environments: part.environments, migrations: part.migrations, repoRoot } as Estate);
    const report = withoutOmitted(evaluateApp(app, charts, input.deployedFile).report, part.omitted);
    return { status: 'invalid-config', configErrors: part.configErrors, report, notChecked: part.notChecked };
  }
  const estate = { environments: input.environments, migrations: input.migrations ?? [], repoRoot } as Estate;
  const { app, charts, migrationCharts, clusterCharts } = buildApp(estate);
  const { report, directories } = evaluateApp(app, charts, input.deployedFile);
  if (report.violations.some((violation) => violation.severity === 'error')) return { status: 'guardrails-failed', report };
  const retainedOf = (chart: CnpgMigrationsChart) => retainedObjects(directories.find((directory) => directory.chart === clusterCharts.find((candidate) => candidate.cluster.name === chart.jobs[0]?.cluster.name && candidate.environment.name === chart.environment.name)?.node.id));
  const runbooks = migrationCharts
    .flatMap((chart) => [
      renderMigrationTimeline(chart.environment, estate.migrations, cloneOf(estate, chart.environment)),
      ...chart.jobs.map((job) => renderRollbackRunbook({ environment: chart.environment, job, retained: retainedOf(chart) })),
    ])
    .sort((a, b) => a.path.localeCompare(b.path));
  return { status: 'rendered', report, files: renderTree(directories), runbooks, charts: directories };
}

/**
 * Renders, and only when nothing fails writes the Flux tree, the runbooks and cdk8s's `dist/`,
 * all three as one transaction (src/flux/output-transaction.ts), one synthesis at a time. A
 * synthesis interrupted before is completed or undone first. Never throws: whatever stops it
 * is an outcome whose message says what the directories hold.
 */
export async function synthesize(options: SynthesizeOptions): Promise<SynthesisOutcome> {
  const trees = [options.fluxRoot, options.runbookRoot, options.outdir].filter((root): root is string => root !== undefined);
  const workDir = options.workDir ?? join(dirname(options.fluxRoot), `.${basename(options.fluxRoot)}-synthesis`);
  let lock: SynthesisLock;
  try {
    lock = acquireSynthesisLock(workDir);
  } catch (error) {
    return notWritten({ trees }, error);
  }
  const start: { -readonly [K in keyof SynthesisStart]: SynthesisStart[K] } = { trees, staleLock: lock.staleOwner };
  try {
    start.recovery = recoverInterruptedWrite(workDir, options.fileSystem);
    const outcome = renderEnvironments({ ...options, deployedFile: options.deployedFile ?? committedTree(options.fluxRoot) });
    if (options.reportFile) writeReport(options.reportFile, outcome, options.repoRoot ?? '.');
    if (outcome.status !== 'rendered') return { ...start, ...outcome };
    const [changes, ...others] = await writeOutputs(outputTrees(outcome, options), { workDir, signal: options.signal, fileSystem: options.fileSystem });
    const runbookChanges = options.runbookRoot === undefined ? undefined : others.shift();
    return { ...start, status: 'written', report: outcome.report, files: outcome.files, changes, runbookChanges, distChanges: others.shift() };
  } catch (error) {
    return notWritten(start, error);
  } finally {
    lock.release();
  }
}

/** A write failure's message says what the directories hold; any other failure happened before writing. */
function notWritten(start: SynthesisStart, error: unknown): SynthesisOutcome {
  if (error instanceof WriteFailed) return { ...start, status: 'not-written', reason: error.message, treeState: error.state };
  const cause = error instanceof WriteRefused || error instanceof LockHeld ? error.message : `synthesis failed: ${error instanceof Error ? error.message : String(error)}`;
  return { ...start, status: 'not-written', reason: `${cause}\n${nothingWritten(start)}`, treeState: 'unchanged' };
}

/**
 * The directories a rendering is written to: the Flux tree, the runbooks and cdk8s's output in
 * its default layout, one `<chart>.k8s.yaml` per chart, from the same rendering as the Flux tree
 * (App.synth() would render and stringify every object a second time, the largest single cost
 * of a synthesis: npm run bench).
 */
export function outputTrees(rendered: Extract<RenderOutcome, { status: 'rendered' }>, roots: Pick<SynthesizeOptions, 'fluxRoot' | 'runbookRoot' | 'outdir'>): OutputTree[] {
  const trees: OutputTree[] = [{ root: roots.fluxRoot, files: rendered.files, ownership: 'generated-marker' }];
  if (roots.runbookRoot !== undefined) trees.push({ root: roots.runbookRoot, files: rendered.runbooks, ownership: 'generated-marker' });
  if (roots.outdir !== undefined) {
    const dist = rendered.charts.map((chart) => ({ path: `${chart.chart}.k8s.yaml`, content: chart.objects.map((object) => yamlOf(object.manifest)).join('---\n') }));
    trees.push({ root: roots.outdir, files: dist, ownership: 'cdk8s-manifests' });
  }
  return trees;
}

/** The order retiring a cluster deletes what Flux kept of it: the cluster and its backups first, its archive and credentials last. */
const RETIRE_ORDER = ['Cluster', 'ScheduledBackup', 'Backup', 'PodMonitor', 'PrometheusRule', 'ObjectStore', 'ExternalSecret'];

/** What Flux keeps of a database's cluster directory when it leaves Git. */
function retainedObjects(directory: ChartContent | undefined): RetainedObject[] {
  return (directory?.objects ?? [])
    .map((object) => object.manifest as { kind: string; metadata: { name: string; annotations?: Record<string, string> } })
    .filter((manifest) => Object.entries(FLUX_KEEP_WHEN_REMOVED).every(([key, value]) => manifest.metadata.annotations?.[key] === value))
    .map((manifest) => ({ kind: manifest.kind, name: manifest.metadata.name }))
    .sort((a, b) => RETIRE_ORDER.indexOf(a.kind) - RETIRE_ORDER.indexOf(b.kind));
}

function byEnvironment(rendered: readonly { chart: FluxChart; objects: PlacedObject[]; reviewed: ReviewedObject[] }[], deployedFile: EstateInput['deployedFile']): EnvironmentObjects[] {
  const deployed = deployedFile && deployedObjects(rendered, deployedFile);
  const environments = new Map<EnvironmentName, { objects: ReviewedObject[]; charts: Chart[] }>();
  for (const { chart, objects, reviewed } of rendered) {
    const entry = environments.get(chart.environment.name) ?? { objects: [], charts: [] };
    entry.objects.push(...objects, ...reviewed);
    entry.charts.push(chart);
    environments.set(chart.environment.name, entry);
  }
  return [...environments].map(([environment, { objects, charts }]) => ({
    environment,
    objects,
    suppressions: charts.flatMap((chart) => suppressionsIn(chart)),
    ...(deployed && { deployed }),
  }));
}

/** What a synthesis did before its own work, one line each. */
function describeStart(outcome: SynthesisStart): string[] {
  const lines: string[] = [];
  if (outcome.staleLock) {
    lines.push(`Recovered: the synthesis of pid ${outcome.staleLock.pid} (started ${outcome.staleLock.startedAt}) was killed holding the lock; took the lock over.`);
  }
  const recovery = outcome.recovery;
  if (recovery?.action === 'discarded') {
    lines.push('Recovered: a synthesis was interrupted before it began writing; discarded the files it had staged (it had written nothing).');
  } else if (recovery?.action === 'completed') {
    const counts = recovery.trees.map((tree) => `${display(tree.label)} ${tree.written} written, ${tree.removed} removed`).join('; ');
    lines.push(`Recovered: the synthesis of pid ${recovery.pid} (started ${recovery.startedAt}) was interrupted while writing; completed its write first: ${counts}.`);
  } else if (recovery?.action === 'undone') {
    const why = recovery.reason ? `completing it failed (${recovery.reason}), so ` : '';
    lines.push(`Recovered: the synthesis of pid ${recovery.pid} (started ${recovery.startedAt}) was interrupted while writing; ${why}put back the files it had replaced: ${listTrees(recovery.trees.map((tree) => tree.label))} are as before it.`);
  }
  return lines;
}

/** "flux/ is unchanged", true only when nothing (not even a recovery) changed the directories. */
function nothingWritten(outcome: SynthesisStart): string {
  const recovered = outcome.recovery !== undefined && outcome.recovery.action !== 'discarded';
  const trees = listTrees(outcome.trees);
  if (recovered) return `Nothing else was written: ${trees} ${outcome.trees.length > 1 ? 'are' : 'is'} as the recovery above left ${outcome.trees.length > 1 ? 'them' : 'it'}.`;
  return `Nothing was written: ${trees} ${outcome.trees.length > 1 ? 'are' : 'is'} unchanged.`;
}

function changeLine(root: string, changes: TreeChanges): string {
  return `${display(root)}: ${changes.written.length} written, ${changes.removed.length} removed, ${changes.unchanged.length} unchanged`;
}

/** The message a person reads: what was recovered, every config error or violation on its own line, then a summary. */
export function formatOutcome(outcome: SynthesisOutcome): string {
  const start = describeStart(outcome);
  if (outcome.status === 'not-written') return [...start, outcome.reason].join('\n');
  const lines = outcome.report.violations.map(formatViolation);
  const errors = outcome.report.violations.filter((violation) => violation.severity === 'error').length;
  const warnings = outcome.report.violations.length - errors;
  const suppressed = outcome.report.suppressed.map((violation) => `[${violation.ruleId}] suppressed ${violation.path}: ${violation.reason}`);
  if (outcome.status === 'invalid-config') {
    const notChecked = outcome.notChecked.map(({ environment, reason }) => `${environment}: guardrails not checked: ${reason}`);
    const unchecked = outcome.notChecked.length === 0 ? '' : `, not checked in ${outcome.notChecked.map((entry) => entry.environment).join(', ')}`;
    return [
      ...start,
      ...outcome.configErrors.map(formatConfigError),
      ...lines,
      ...notChecked,
      `\n${outcome.configErrors.length} config error(s); guardrails: ${errors} error(s), ${warnings} warning(s)${unchecked}. ${nothingWritten(outcome)}`,
    ].join('\n');
  }
  if (outcome.status === 'guardrails-failed') {
    return [...start, ...lines, `\nGuardrails failed: ${errors} error(s), ${warnings} warning(s). ${nothingWritten(outcome)}`].join('\n');
  }
  const [fluxRoot, ...others] = outcome.trees;
  const { written, removed } = outcome.changes;
  return [
    ...start,
    ...lines,
    ...suppressed,
    `${changeLine(fluxRoot, outcome.changes)}; ${warnings} warning(s), ${suppressed.length} suppressed.`,
    ...written.map((path) => `  written ${display(fluxRoot, path)}`),
    ...removed.map((path) => `  removed ${display(fluxRoot, path)}`),
    ...[outcome.runbookChanges, outcome.distChanges].filter((changes) => changes !== undefined).map((changes, index) => `${changeLine(others[index], changes)}.`),
  ].join('\n');
}
