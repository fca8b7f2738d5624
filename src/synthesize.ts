import { App, Chart } from 'cdk8s';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CnpgClustersChart } from './charts/cnpg-clusters-chart';
import { CnpgMigrationsChart } from './charts/cnpg-migrations-chart';
import { CnpgPoliciesChart } from './charts/cnpg-policies-chart';
import { CnpgRestoresChart } from './charts/cnpg-restores-chart';
import { FluxSyncChart } from './charts/flux-sync-chart';
import { databasesOf, EnvironmentDatabase } from './config/databases';
import { ConfigError, formatConfigError, validateEnvironments } from './config/validate';
import { EnvironmentConfig, EnvironmentName, MigrationConfig, MigrationValidationRecord } from './config/types';
import { EnvironmentObjects, evaluateGuardrails, formatViolation, GuardrailReport } from './guardrails/engine';
import { annotateSuppressions, suppressGuardrail, suppressionsIn } from './guardrails/suppressions';
import { FluxChart } from './flux/flux-chart';
import { PlacedObject, ReviewedObject, renderObjects, reviewObjects } from './flux/render';
import { DirectoryContent, renderTree, TreeChanges, TreeFile, writeTree, yamlOf } from './flux/tree-writer';
import { renderMigrationTimeline } from './runbooks/migration-timeline';
import { FLUX_KEEP_WHEN_REMOVED } from './names';
import { renderRollbackRunbook, RetainedObject } from './runbooks/rollback-runbook';

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
   * cdk8s's own output directory.
   * @default - cdk8s output is not written
   */
  readonly outdir?: string;
  /**
   * Also write the guardrail report as JSON to this file, for CI annotations.
   * @default - no JSON report
   */
  readonly reportFile?: string;
}

/** The rendered objects of one chart: its Flux directory, and its name in cdk8s's dist/. */
export type ChartContent = DirectoryContent & { readonly chart: string };

/** Why nothing was written, or what would be written. */
export type RenderOutcome =
  | { readonly status: 'invalid-config'; readonly configErrors: readonly ConfigError[] }
  | { readonly status: 'guardrails-failed'; readonly report: GuardrailReport }
  | { readonly status: 'rendered'; readonly report: GuardrailReport; readonly files: readonly TreeFile[]; readonly runbooks: readonly TreeFile[]; readonly charts: readonly ChartContent[] };

export type SynthesisOutcome =
  | Exclude<RenderOutcome, { status: 'rendered' }>
  | { readonly status: 'written'; readonly report: GuardrailReport; readonly files: readonly TreeFile[]; readonly changes: TreeChanges; readonly runbookChanges?: TreeChanges };

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
export function evaluateApp(app: App, charts: readonly FluxChart[]): { report: GuardrailReport; directories: ChartContent[] } {
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
  return { report: evaluateGuardrails(byEnvironment(rendered)), directories };
}

/**
 * Validates the configs, builds every environment and runs the guardrails over the rendered
 * objects; returns the files of the Flux tree only when nothing fails. Writes nothing.
 */
export function renderEnvironments(input: EstateInput): RenderOutcome {
  const repoRoot = input.repoRoot ?? '.';
  const configErrors = validateEnvironments(input.environments, input.migrations ?? [], repoRoot);
  if (configErrors.length > 0) return { status: 'invalid-config', configErrors };
  const estate = { environments: input.environments, migrations: input.migrations ?? [], repoRoot } as Estate;
  const { app, charts, migrationCharts, clusterCharts } = buildApp(estate);
  const { report, directories } = evaluateApp(app, charts);
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

/** Renders, and only when nothing fails writes the Flux tree (and cdk8s's `dist/`). */
export async function synthesize(options: SynthesizeOptions): Promise<SynthesisOutcome> {
  const outcome = renderEnvironments(options);
  if (options.reportFile && outcome.status !== 'invalid-config') {
    writeFileSync(options.reportFile, `${JSON.stringify(outcome.report, null, 2)}\n`);
  }
  if (outcome.status !== 'rendered') return outcome;
  const changes = await writeTree(options.fluxRoot, outcome.files);
  const runbookChanges = options.runbookRoot === undefined ? undefined : await writeTree(options.runbookRoot, outcome.runbooks);
  if (options.outdir) await writeDist(options.outdir, outcome.charts);
  return { status: 'written', report: outcome.report, files: outcome.files, changes, runbookChanges };
}

/**
 * cdk8s's output directory in its default layout, one `<chart>.k8s.yaml` per chart, written from
 * the same rendering as the Flux tree: App.synth() would render and stringify every object a
 * second time, the largest single cost of a synthesis (npm run bench).
 */
async function writeDist(outdir: string, charts: readonly ChartContent[]): Promise<void> {
  mkdirSync(outdir, { recursive: true });
  for (const stale of readdirSync(outdir).filter((name) => name.endsWith('.k8s.yaml'))) rmSync(`${outdir}/${stale}`);
  await Promise.all(charts.map((chart) => writeFile(`${outdir}/${chart.chart}.k8s.yaml`, chart.objects.map((object) => yamlOf(object.manifest)).join('---\n'))));
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

function byEnvironment(rendered: readonly { chart: FluxChart; objects: PlacedObject[]; reviewed: ReviewedObject[] }[]): EnvironmentObjects[] {
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
  }));
}

/** The message a person reads: every config error or violation on its own line, then a summary. */
export function formatOutcome(outcome: SynthesisOutcome, fluxRoot: string): string {
  if (outcome.status === 'invalid-config') {
    return [
      ...outcome.configErrors.map(formatConfigError),
      `\n${outcome.configErrors.length} config error(s). Nothing was written: ${fluxRoot}/ is unchanged.`,
    ].join('\n');
  }
  const lines = outcome.report.violations.map(formatViolation);
  const errors = outcome.report.violations.filter((violation) => violation.severity === 'error').length;
  const warnings = outcome.report.violations.length - errors;
  const suppressed = outcome.report.suppressed.map((violation) => `[${violation.ruleId}] suppressed ${violation.path}: ${violation.reason}`);
  if (outcome.status === 'guardrails-failed') {
    return [...lines, `\nGuardrails failed: ${errors} error(s), ${warnings} warning(s). Nothing was written: ${fluxRoot}/ is unchanged.`].join('\n');
  }
  const { written, removed, unchanged } = outcome.changes;
  const runbooks = outcome.runbookChanges;
  return [
    ...lines,
    ...suppressed,
    `${fluxRoot}/: ${written.length} written, ${removed.length} removed, ${unchanged.length} unchanged; ${warnings} warning(s), ${suppressed.length} suppressed.`,
    ...written.map((path) => `  written ${fluxRoot}/${path}`),
    ...removed.map((path) => `  removed ${fluxRoot}/${path}`),
    ...(runbooks ? [`runbooks: ${runbooks.written.length} written, ${runbooks.removed.length} removed, ${runbooks.unchanged.length} unchanged.`] : []),
  ].join('\n');
}
