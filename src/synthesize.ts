import { App, Chart } from 'cdk8s';
import { loadAll } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CnpgClustersChart } from './charts/cnpg-clusters-chart';
import { CnpgMigrationsChart } from './charts/cnpg-migrations-chart';
import { CnpgPoliciesChart } from './charts/cnpg-policies-chart';
import { CnpgRestoresChart } from './charts/cnpg-restores-chart';
import { MIGRATION_JOB_RULE_NAME } from './constructs/migration-job-monitoring';
import { FluxSyncChart } from './flux/flux-sync-chart';
import { cloneSourceKey, databasesOf, EnvironmentDatabase, isMonitored, pendingMigrations } from './config/databases';
import { fieldWithin, renderablePart } from './config/renderable';
import { validateEnvironments } from './config/validate';
import { EnvironmentConfig, EnvironmentName, MigrationConfig, MigrationValidationRecord } from './config/types';
import { GuardrailReport, Violation } from './guardrails/engine';
import { Guardrails } from './guardrails/guardrails';
import { ReviewedObject } from './guardrails/reviewed-objects';
import { suppressGuardrail } from './guardrails/suppressions';
import { FluxChart } from './flux/flux-chart';
import { fileOf } from './flux/placement';
import { placeObjects } from './flux/render';
import { FileSystem } from './flux/file-system';
import { OutputTree, WriteRefused } from './flux/output-plan';
import { recoverInterruptedWrite, WriteFailed, writeOutputs } from './flux/output-transaction';
import { acquireSynthesisLock, LockHeld, SynthesisLock } from './flux/synthesis-lock';
import { renderedFile, renderTree, yamlOf } from './flux/tree-writer';
import { manifestDigest } from './values/manifest-json';
import { renderMigrationTimeline } from './runbooks/migration-timeline';
import { FLUX_KEEP_WHEN_REMOVED } from './names';
import { renderRecloneRunbook } from './runbooks/reclone-runbook';
import { renderRollbackRunbook, RetainedObject } from './runbooks/rollback-runbook';
import { ChartContent, RenderOutcome, SynthesisOutcome, SynthesisStart } from './outcome';
import { nothingWritten, writeReport } from './report';

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

/** The database that clones `database` (staging's of the same cluster for production's): where its migrations are validated. */
function cloneOf(estate: Estate, database: EnvironmentDatabase): { readonly environment: EnvironmentName; readonly cluster: string; readonly configPrefix?: string; readonly records: MigrationValidationRecord[] } | undefined {
  const clone = estate.environments
    .filter((candidate) => candidate.cloneFrom?.environment === database.name)
    .flatMap(databasesOf)
    .find((candidate) => cloneSourceKey(candidate) === (database.qualifier ?? ''));
  return clone && { environment: clone.name, cluster: clone.cluster.name, configPrefix: clone.configPrefix, records: [...(clone.migrationValidations ?? [])] };
}

/** The database `database` clones, whose pending migrations its runs validate. */
function validatedBy(estate: Estate, database: EnvironmentDatabase): { readonly environment: string; readonly configPrefix?: string; readonly pending: readonly string[] } | undefined {
  const sourceEnvironment = database.cloneFrom && estate.environments.find((candidate) => candidate.name === database.cloneFrom!.environment);
  const source = sourceEnvironment && databasesOf(sourceEnvironment).find((candidate) => (candidate.qualifier ?? '') === cloneSourceKey(database));
  return source && { environment: source.name, configPrefix: source.configPrefix, pending: pendingMigrations(source) };
}

/**
 * The cdk8s app of every environment: its admission policies; each database's cluster,
 * migrations and restores charts; and the Flux Kustomizations that sync them in order.
 */
export function buildApp(estate: Estate, deployedFile?: EstateInput['deployedFile']): { app: App; charts: FluxChart[]; migrationCharts: CnpgMigrationsChart[]; clusterCharts: CnpgClustersChart[] } {
  const app = new App();
  const charts: FluxChart[] = [];
  // cdk8s answers `instanceof` for any Chart subclass with Chart.isChart: keep the typed list here.
  const migrationCharts: CnpgMigrationsChart[] = [];
  // By `<environment>/<qualifier>`: a clone recovers from the database of the same name.
  const clusters = new Map<string, CnpgClustersChart>();
  // Databases applying the same migration read its SQL once.
  const read = new Map<string, string>();
  const readFile = (path: string) => {
    if (!read.has(path)) read.set(path, readFileSync(join(estate.repoRoot, path), 'utf8'));
    return read.get(path)!;
  };
  const deployed = deployedFile && deployedObjects(deployedFile);
  // Sources first, so a clone can reference the cluster it recovers from.
  for (const env of [...estate.environments].sort((a, b) => Number(Boolean(a.cloneFrom)) - Number(Boolean(b.cloneFrom)))) {
    const environmentCharts: FluxChart[] = [new CnpgPoliciesChart(app, `${env.name}-policies`, { environment: env })];
    const databases = databasesOf(env);
    // Every database runs its migration Jobs in the environment's namespace: the first monitored one has their alerts.
    const migrationJobAlertsWith = databases.find(isMonitored);
    const databaseCharts: CnpgClustersChart[] = [];
    for (const database of databases) {
      // Cluster names never contain dots: the ids of further databases cannot collide.
      const id = database.qualifier ? `${env.name}.${database.qualifier}` : env.name;
      const cluster = new CnpgClustersChart(app, id, {
        environment: database,
        cloneSource: env.cloneFrom && clusters.get(`${env.cloneFrom.environment}/${cloneSourceKey(database)}`)?.cluster,
        migrationJobAlerts: database === migrationJobAlertsWith,
      });
      clusters.set(`${env.name}/${database.qualifier ?? ''}`, cluster);
      databaseCharts.push(cluster);
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
    environmentCharts.push(new FluxSyncChart(app, `${env.name}-flux`, { environment: env, databases: databaseCharts }));
    for (const chart of environmentCharts) {
      for (const suppression of chart.environment.suppressions ?? []) suppressGuardrail(chart, suppression);
    }
    // The environment's pack over all its charts: the same invariants a plain App.synth() validates.
    const [first, ...rest] = environmentCharts;
    Guardrails.apply(first, {
      environment: env.name,
      configPrefix: first.environment.configPrefix,
      with: rest.map((chart) => ({ scope: chart, configPrefix: chart.environment.configPrefix })),
      configFields: true,
      configPrefixOf: (environment, cluster) => estate.environments.filter((candidate) => candidate.name === environment).flatMap(databasesOf).find((candidate) => candidate.cluster.name === cluster)?.configPrefix,
      deployed,
    });
    charts.push(...environmentCharts);
  }
  return { app, charts, migrationCharts, clusterCharts: [...clusters.values()] };
}

/**
 * Runs the guardrails of every environment (Guardrails.evaluate, as App.synth() validates them)
 * and lays out the objects they rendered, once, into the Flux directories.
 */
export function evaluateApp(app: App, charts: readonly FluxChart[]): { report: GuardrailReport; directories: ChartContent[] } {
  const evaluations = Guardrails.evaluate(app);
  const rendered = new Map(evaluations.flatMap((evaluation) => [...evaluation.objects]));
  const directories = charts.map((chart) => ({
    chart: chart.node.id,
    directory: chart.directory,
    environment: chart.environment.name,
    kustomization: chart.kustomization,
    additionalResources: chart.additionalResources,
    emptyKustomization: chart.emptyKustomization,
    emptyFolders: chart.emptyFolders,
    objects: placeObjects(rendered.get(chart) ?? []),
  }));
  return { report: mergeReports(evaluations.map((evaluation) => evaluation.report)), directories };
}

/** One report of several environments, sorted as each is. */
function mergeReports(reports: readonly GuardrailReport[]): GuardrailReport {
  const order = (a: Violation, b: Violation) => a.ruleId.localeCompare(b.ruleId) || a.path.localeCompare(b.path) || a.message.localeCompare(b.message);
  return {
    violations: reports.flatMap((report) => report.violations).sort(order),
    suppressed: reports.flatMap((report) => report.suppressed).sort(order),
  };
}

/** The committed form of each rendered object: the same kind and name in the file its chart writes it to. */
function deployedObjects(deployedFile: NonNullable<EstateInput['deployedFile']>): (object: ReviewedObject) => unknown {
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
    if (object.apiObject === undefined) return undefined;
    const path = `${(Chart.of(object.apiObject) as FluxChart).directory}/${fileOf(object.apiObject)}`;
    return parsed(path).find((manifest: any) => manifest?.kind === object.kind && manifest?.metadata?.name === object.name);
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
    const { app, charts } = buildApp({ environments: part.environments, migrations: part.migrations, repoRoot } as Estate, input.deployedFile);
    const report = withoutOmitted(evaluateApp(app, charts).report, part.omitted);
    return { status: 'invalid-config', configErrors: part.configErrors, report, notChecked: part.notChecked };
  }
  const estate = { environments: input.environments, migrations: input.migrations ?? [], repoRoot } as Estate;
  const { app, charts, migrationCharts, clusterCharts } = buildApp(estate, input.deployedFile);
  const { report, directories } = evaluateApp(app, charts);
  if (report.violations.some((violation) => violation.severity === 'error')) return { status: 'guardrails-failed', report };
  // What the database's clusters directory keeps when removed from Git: its runbooks name them.
  const directoryOf = new Map(directories.map((directory) => [directory.chart, directory]));
  const clusterChartOf = new Map(clusterCharts.map((chart) => [`${chart.environment.name}/${chart.cluster.name}`, chart]));
  const retainedOf = (chart: CnpgMigrationsChart) => retainedObjects(directoryOf.get(clusterChartOf.get(`${chart.environment.name}/${chart.jobs[0]?.cluster.name}`)?.node.id ?? ''));
  const migrationChartOf = (chart: CnpgClustersChart) => migrationCharts.find((candidate) => candidate.environment.name === chart.environment.name && candidate.environment.qualifier === chart.environment.qualifier);
  const runbooks = [
    ...migrationCharts.flatMap((chart) => {
      const [retained, clonedBy, validates] = [retainedOf(chart), cloneOf(estate, chart.environment), validatedBy(estate, chart.environment)];
      return [
        renderMigrationTimeline(chart.environment, estate.migrations, clonedBy),
        ...chart.jobs.map((job) => renderRollbackRunbook({ environment: chart.environment, job, retained, clonedBy, validates })),
      ];
    }),
    ...clusterCharts.filter((chart) => chart.cloneBaseBackup !== undefined).map((chart) => renderRecloneRunbook({
      environment: chart.environment,
      cluster: chart.cluster,
      migrationStages: migrationChartOf(chart)?.stages ?? [],
      baseBackupName: chart.cloneBaseBackup!.name,
    })),
  ].sort((a, b) => a.path.localeCompare(b.path));
  return { status: 'rendered', report, files: renderTree(directories, input.deployedFile), runbooks, charts: directories };
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
    const committed = committedTree(roots.outdir);
    const dist = rendered.charts.map((chart) => {
      const path = `${chart.chart}.k8s.yaml`;
      const manifests = chart.objects.map((object) => object.manifest);
      return renderedFile(path, manifests.map(manifestDigest).join('\n'), () => manifests.map((manifest) => yamlOf(manifest)).join('---\n'), committed);
    });
    trees.push({ root: roots.outdir, files: dist, ownership: 'cdk8s-manifests' });
  }
  return trees;
}

/** The order retiring a cluster deletes what Flux kept of it: the cluster and its backups first, its archive and credentials last. */
const RETIRE_ORDER = ['Cluster', 'ScheduledBackup', 'Backup', 'PodMonitor', 'PrometheusRule', 'ObjectStore', 'ExternalSecret'];

/**
 * What Flux keeps of a database's cluster directory when it leaves Git: its cluster's objects,
 * not the namespace's migration Job alerts, which the database renders after a switch-over too.
 */
function retainedObjects(directory: ChartContent | undefined): RetainedObject[] {
  return (directory?.objects ?? [])
    .map((object) => object.manifest as { kind: string; metadata: { name: string; annotations?: Record<string, string> } })
    .filter((manifest) => Object.entries(FLUX_KEEP_WHEN_REMOVED).every(([key, value]) => manifest.metadata.annotations?.[key] === value))
    .filter((manifest) => !(manifest.kind === 'PrometheusRule' && manifest.metadata.name === MIGRATION_JOB_RULE_NAME))
    .map((manifest) => ({ kind: manifest.kind, name: manifest.metadata.name }))
    .sort((a, b) => RETIRE_ORDER.indexOf(a.kind) - RETIRE_ORDER.indexOf(b.kind));
}
