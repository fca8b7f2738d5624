import { spawnSync } from 'node:child_process';
import { loadAll } from 'js-yaml';
import { databasesOf } from '../../src/config/databases';
import { EnvironmentConfig } from '../../src/config/types';
import { API_RESOURCES } from '../../src/names';
import { restoredName } from '../../src/runbooks/rollback-runbook';
import { renderEnvironments } from '../../src/synthesize';
import { admission, policiesIn } from '../helpers/admission';
import { estate, shippedEnvironments, withBillingDb } from '../helpers/fixtures';
import { RECENT_BACKUP_ID } from '../helpers/output-change';

/**
 * Every command of every generated runbook runs as written: it parses as POSIX shell, and each
 * object, Flux stage, label, folder and namespace it names exists in the tree the runbook's step
 * works with (the tree before the rollback, with the restore its step 2 adds, after the
 * switch-over its step 7 describes; before and after the re-clone); a protected object is
 * annotated with a reason before it is deleted, and the environment's own admission policies
 * admit that delete. There is no cluster here: existence is checked against the rendered tree.
 */
type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };
type Environments = Mutable<EnvironmentConfig>[];

interface Tree {
  readonly objects: readonly any[];
  /** Names of every Flux Kustomization: the environment's stages and the per-migration ones. */
  readonly stages: ReadonlySet<string>;
}

function render(environments: readonly unknown[]) {
  const outcome = renderEnvironments(estate(environments));
  if (outcome.status !== 'rendered') throw new Error(JSON.stringify(outcome.status === 'invalid-config' ? outcome.configErrors : outcome.report.violations.filter((violation) => violation.severity === 'error')).slice(0, 3000));
  return outcome;
}

/**
 * Trees already rendered, by estate (undefined fields kept apart from missing ones) and
 * environment: the tree before a rollback is the same for every runbook of an environment, and
 * rendering it again for each was most of this file's time.
 */
const trees = new Map<string, Tree>();

function treeOf(environments: readonly unknown[], environment: string): Tree {
  const key = `${environment} ${JSON.stringify(environments, (_field, value) => (value === undefined ? '<undefined>' : value))}`;
  const known = trees.get(key);
  if (known) return known;
  const objects = render(environments).files.filter((file) => !file.path.endsWith('kustomization.yaml') && (file.path.includes(`/${environment}/`) || file.path.startsWith(`clusters/${environment}/`)))
    .flatMap((file) => loadAll(file.content) as any[]);
  const tree = { objects, stages: new Set(objects.filter((object) => object.kind === 'Kustomization').map((object) => object.metadata.name)) };
  trees.set(key, tree);
  return tree;
}

/** The words of a command line, as a POSIX shell splits them (quotes removed); throws on an unbalanced quote. */
function words(line: string): string[] {
  const result: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (quote === "'") {
      if (char === "'") quote = undefined; else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && '$`"\\'.includes(line[index + 1])) word += line[++index];
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      word ??= '';
    } else if (char === ' ') {
      if (word !== undefined) result.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (quote !== undefined) throw new Error(`unbalanced ${quote} in: ${line}`);
  if (word !== undefined) result.push(word);
  return result;
}

/** The shell blocks of each numbered step of a runbook. */
function steps(markdown: string): Map<number, string[]> {
  const result = new Map<number, string[]>();
  let step = 0;
  let block: string[] | undefined;
  for (const line of markdown.split('\n')) {
    const heading = /^## (\d+)\./.exec(line);
    if (heading) step = Number(heading[1]);
    else if (line === '```sh') block = [];
    else if (line === '```' && block) {
      result.set(step, [...(result.get(step) ?? []), ...block]);
      block = undefined;
    } else if (block) block.push(line);
  }
  return result;
}

const RESOURCE_KINDS = new Map(Object.entries(API_RESOURCES).map(([kind, resource]) => [resource, kind]));

/** What is wrong with one command in this tree, or nothing. */
function problem(argv: string[], tree: Tree, namespace: string, sourceName: string, annotated: Map<string, string>, policies: ReturnType<typeof policiesIn>): string | undefined {
  const find = (kind: string, name: string) => tree.objects.find((object) => object.kind === kind && object.metadata.name === name);
  const [tool, ...rest] = argv;
  if (tool === 'npm') return rest.join(' ') === 'run synth' ? undefined : `unexpected npm command ${rest.join(' ')}`;
  if (tool === 'git') return ['add', 'commit', 'push'].includes(rest[0]) ? undefined : `unexpected git command ${rest[0]}`;
  if (tool === 'flux') {
    if (rest[0] === 'reconcile' && rest[1] === 'source') return rest[2] === 'git' && rest[3] === sourceName ? undefined : `no GitRepository ${rest[3]}`;
    if (!['suspend', 'resume', 'reconcile'].includes(rest[0]) || rest[1] !== 'kustomization') return `unexpected flux command ${rest.slice(0, 2).join(' ')}`;
    const names = rest.slice(2).filter((word) => !word.startsWith('--'));
    const missing = names.filter((name) => !tree.stages.has(name) && name !== sourceName);
    return missing.length > 0 ? `no Flux stage ${missing.join(', ')}` : undefined;
  }
  if (tool === 'aws') {
    const url = rest.find((word) => word.startsWith('s3://'))!;
    const folders = tree.objects.filter((object) => object.kind === 'Cluster').map((cluster) => {
      const archiver = cluster.spec.plugins.find((plugin: any) => plugin.isWALArchiver);
      const store = find('ObjectStore', archiver.parameters.barmanObjectName);
      return `${store.spec.configuration.destinationPath.replace(/\/*$/, '/')}${archiver.parameters.serverName}/`;
    });
    return folders.includes(url) ? undefined : `${url} is no cluster's archive folder (${folders.join(', ')})`;
  }
  if (tool !== 'kubectl') return `unknown command ${tool}`;
  const ns = rest[0] === '-n' ? rest[1] : rest[rest.indexOf('-n') + 1];
  const args = rest[0] === '-n' ? rest.slice(2) : rest;
  if (args[0] === 'cnpg' && args[1] === 'psql') {
    if (ns !== namespace) return `namespace ${ns}, expected ${namespace}`;
    return find('Cluster', args[2]) ? undefined : `no Cluster ${args[2]}`;
  }
  const [verb, target, name] = args;
  if (verb === 'wait') {
    if (ns !== 'flux-system') return `waits in ${ns}, Kustomizations live in flux-system`;
    return tree.stages.has(target.replace(/^kustomization\//, '')) ? undefined : `no Flux stage ${target}`;
  }
  if (ns !== namespace) return `namespace ${ns}, expected ${namespace}`;
  if (verb === 'logs') return find('Job', target.replace(/^job\//, '')) ? undefined : `no Job ${target}`;
  if (verb === 'get' && target === 'pods') {
    const job = args[args.indexOf('-l') + 1].replace(/^job-name=/, '');
    return find('Job', job) ? undefined : `no Job ${job}`;
  }
  const kind = RESOURCE_KINDS.get(target);
  if (kind === undefined) return `unknown resource ${target}`;
  if (verb === 'get' && name === '-l') {
    const labels = Object.fromEntries(args[args.indexOf('-l') + 1].split(',').map((pair) => pair.split('=')));
    // The gate labels the Backup it takes with its migration and cluster: such a Job must exist.
    const job = tree.objects.find((object) => object.kind === 'Job' && object.metadata.labels?.['cnpg-gitops.io/migration'] === labels['cnpg-gitops.io/migration'] && object.metadata.annotations?.['cnpg-gitops.io/cluster'] === labels['cnpg-gitops.io/cluster']);
    return job ? undefined : `no migration Job for ${JSON.stringify(labels)}`;
  }
  const object = find(kind, name);
  if (!object) return `no ${kind} ${name}`;
  if (verb === 'annotate') annotated.set(`${kind}/${name}`, args.find((word) => word.startsWith('cnpg-gitops.io/deletion-reason='))!.split('=')[1]);
  if (verb === 'delete') {
    const live = JSON.parse(JSON.stringify(object));
    const reason = annotated.get(`${kind}/${name}`);
    if (reason !== undefined) live.metadata.annotations = { ...live.metadata.annotations, 'cnpg-gitops.io/deletion-reason': reason };
    const denials = admission(policies, 'DELETE', null, live);
    if (denials.length > 0) return `the admission policies deny it: ${denials.join('; ')}`;
  }
  return ['get', 'annotate', 'delete'].includes(verb) ? undefined : `unexpected kubectl verb ${verb}`;
}

/** What `sh -n` said of each step text checked so far: '' when it parses as POSIX shell. */
const shellSyntax = new Map<string, string>();

/**
 * `sh -n` of each step text not checked yet, each on its own (an `if` of one step is not closed
 * by the next step's `fi`), all in one shell: a shell started per runbook cost seconds, and the
 * same text (e.g. the commit step) gets the same verdict wherever it appears.
 */
function checkShellSyntax(texts: Iterable<string>): void {
  const pending = [...new Set(texts)].filter((text) => !shellSyntax.has(text));
  if (pending.length === 0) return;
  const script = 'index=0; for step do if ! message=$(sh -n -c "$step" 2>&1); then printf "%s\\t%s\\0" "$index" "$message"; fi; index=$((index + 1)); done';
  const result = spawnSync('/bin/sh', ['-c', script, 'sh', ...pending], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the syntax check failed: ${result.stderr}`);
  for (const text of pending) shellSyntax.set(text, '');
  for (const entry of result.stdout.split('\0').filter(Boolean)) {
    const [index, ...message] = entry.split('\t');
    shellSyntax.set(pending[Number(index)], message.join('\t').trim());
  }
}

const stepText = (lines: readonly string[]) => lines.join('\n');

/** Checks every command of one runbook, each step against its tree; returns the problems. */
function check(markdown: string, treeOfStep: (step: number) => Tree, namespace: string, sourceName: string, policies: ReturnType<typeof policiesIn>): string[] {
  const problems: string[] = [];
  const stepLines = steps(markdown);
  checkShellSyntax([...stepLines.values()].map(stepText));
  for (const [step, lines] of stepLines) {
    const syntaxError = shellSyntax.get(stepText(lines));
    if (syntaxError) problems.push(`step ${step}: ${syntaxError}`);
    const annotated = new Map<string, string>();
    for (const line of lines) {
      try {
        const found = problem(words(line), treeOfStep(step), namespace, sourceName, annotated, policies);
        if (found) problems.push(`step ${step}: ${found}: ${line}`);
      } catch (error) {
        problems.push(`step ${step}: ${(error as Error).message}`);
      }
    }
  }
  return problems;
}

/** A copy of the estate with one database changed. */
function changed(base: () => Environments, environment: string, qualifier: string | undefined, change: (database: any) => void): Environments {
  const environments = base();
  const env = environments.find((candidate) => candidate.name === environment)!;
  change(qualifier ? env.databases!.find((database) => database.cluster.name === qualifier) : env);
  return environments;
}

/** The migrations a restore to before `migration` undoes on a database: it and every one applied after it. */
function undoneOf(database: any, migration: string): string[] {
  return database.migrations.applied.slice(database.migrations.applied.indexOf(migration));
}

/** The problems of one rollback runbook, each step checked against the tree it works with. */
function rollbackProblems(base: () => Environments, path: string, content: string): string[] {
  const [environment, ...rest] = path.replace(/\.md$/, '').split('/');
  const qualifier = rest.length === 2 ? rest[0] : undefined;
  const migration = rest[rest.length - 1];
  const env = base().find((candidate) => candidate.name === environment)!;
  const database: any = qualifier ? env.databases!.find((candidate) => candidate.cluster.name === qualifier) : env;
  const restored = restoredName(database.cluster.name, migration);
  const withRestore = changed(base, environment, qualifier, (target) => {
    target.restores = [{ name: restored, target: { restorePoint: migration, backupId: RECENT_BACKUP_ID }, verify: [] }];
  });
  const switched = changed(base, environment, qualifier, (target) => {
    if (qualifier && env.cloneFrom) {
      expect(content).toContain(`\`databases[0].cloneOf\` to \`'${qualifier}'\``);
      target.cloneOf = qualifier;
    }
    target.cluster.name = restored;
    if (target.objectStore?.serverName) target.objectStore.serverName = restored;
    target.migrations.applied = target.migrations.applied.slice(0, target.migrations.applied.indexOf(migration));
    const undone = undoneOf(database, migration);
    if (target.migrationValidations?.some((record: { migration: string }) => undone.includes(record.migration))) {
      expect(content).toContain(`from \`${qualifier ? `databases[${env.databases!.findIndex((candidate) => candidate.cluster.name === qualifier)}].` : ''}migrationValidations\``);
      target.migrationValidations = target.migrationValidations.filter((record: { migration: string }) => !undone.includes(record.migration));
    }
  });
  // As the runbook says: the migrations the restore undid are validated no longer where this database's runs vouched for them.
  const promoted = env.cloneFrom && switched.find((candidate) => candidate.name === env.cloneFrom!.environment);
  const promotedDatabase: any = promoted && (qualifier ? promoted.databases?.find((candidate) => candidate.cluster.name === (database.cloneOf ?? qualifier)) : promoted);
  const unvouched: string[] = (promotedDatabase?.migrations?.applied ?? []).filter((id: string) => undoneOf(database, migration).includes(id));
  if (unvouched.length > 0) {
    expect(content).toContain(`In \`src/config/${promoted!.name}.ts\`, remove ${unvouched.map((id) => `\`${id}\``).join(', ')} from`);
    promotedDatabase.migrations.applied = promotedDatabase.migrations.applied.filter((id: string) => !unvouched.includes(id));
  }
  // As the runbook says: the environment that clones this database recovers it from the restored cluster.
  const cloning = switched.find((candidate) => candidate.cloneFrom?.environment === environment);
  if (qualifier && cloning) {
    expect(content).toContain(`In \`src/config/${cloning.name}.ts\`, which clones this database, set \`databases[0].cloneOf\` to \`'${restored}'\``);
    cloning.databases!.find((candidate) => candidate.cluster.name === qualifier)!.cloneOf = restored;
  }
  const trees = { before: treeOf(base(), environment), withRestore: treeOf(withRestore, environment), switched: treeOf(switched, environment) };
  // Step 8 retires what the old cluster left: it is in the tree before, and Flux no longer manages it afterwards.
  const treeOfStep = (step: number) => (step <= 1 ? trees.before : step <= 6 ? trees.withRestore : step === 7 ? trees.switched : trees.before);
  const problems = check(content, treeOfStep, env.namespace, env.flux?.sourceName ?? 'flux-system', policiesIn(trees.before.objects));
  const retired = (steps(content).get(8) ?? []).filter((line) => line.includes(' delete ')).map(words).map((argv) => `${RESOURCE_KINDS.get(argv[4])}/${argv[5]}`);
  if (retired.length < 6) problems.push(`step 8 retires only ${retired.join(', ')}`);
  for (const object of retired.filter((candidate) => trees.switched.objects.some((managed) => `${managed.kind}/${managed.metadata.name}` === candidate))) {
    problems.push(`step 8 deletes ${object}, which Flux still manages after the switch-over`);
  }
  return problems.map((found) => `${path}: ${found}`);
}

/** The problems of one re-clone runbook: steps 1-3 and 5 work with the tree before, step 4 with the tree after the new date. */
function recloneProblems(base: () => Environments, path: string, content: string): string[] {
  const [environment] = path.split('/');
  const env = base().find((candidate) => candidate.name === environment)!;
  const recloned = changed(base, environment, undefined, (target) => { target.cloneFrom.clonedOn = '2026-11-23'; });
  const trees = { before: treeOf(base(), environment), after: treeOf(recloned, environment) };
  const problems = check(content, (step) => (step === 4 ? trees.after : trees.before), env.namespace, env.flux?.sourceName ?? 'flux-system', policiesIn(trees.before.objects));
  return problems.map((found) => `${path}: ${found}`);
}

describe.each([
  ['the shipped estate', shippedEnvironments, 3],
  ['several databases', withBillingDb, 6],
])('%s', (_estate, base, databaseCount) => {
  test('a rollback runbook per pending migration of every database, a re-clone runbook per cloning database; every command runs as written', () => {
    const outcome = render(base());
    const rollbacks = outcome.runbooks.filter((runbook) => !runbook.path.endsWith('timeline.md') && !runbook.path.endsWith('reclone.md'));
    const reclones = outcome.runbooks.filter((runbook) => runbook.path.endsWith('reclone.md'));
    const databases = base().flatMap((env) => databasesOf(env as EnvironmentConfig));
    expect(databases).toHaveLength(databaseCount);
    expect(rollbacks).toHaveLength(databases.reduce((sum, database) => sum + (database.migrations?.applied.length ?? 0), 0));
    expect(reclones).toHaveLength(databases.filter((database) => database.cloneFrom).length);
    checkShellSyntax(outcome.runbooks.flatMap((runbook) => [...steps(runbook.content).values()].map(stepText)));
    const problems = [
      ...rollbacks.flatMap((runbook) => rollbackProblems(base, runbook.path, runbook.content)),
      ...reclones.flatMap((runbook) => recloneProblems(base, runbook.path, runbook.content)),
    ];
    expect(problems).toEqual([]);
  });
});

test('the checks can fail: a wrong stage, a missing object, an unquoted reason, a protected delete without a reason', () => {
  const outcome = render(shippedEnvironments());
  const runbook = outcome.runbooks.find((candidate) => candidate.path === 'production/0005-drop-email.md')!.content;
  const tree = treeOf(shippedEnvironments(), 'production');
  const policies = policiesIn(tree.objects);
  const broken = (from: string, to: string) => check(runbook.replace(from, to), () => tree, 'databases', 'flux-system', policies);
  expect(broken('kustomization/cnpg-restore-verification', 'kustomization/cnpg-restores-verification')).toEqual(expect.arrayContaining([expect.stringMatching(/no Flux stage kustomization\/cnpg-restores-verification/)]));
  expect(broken('delete scheduledbackups.postgresql.cnpg.io app-db-scheduled', 'delete scheduledbackups.postgresql.cnpg.io app-db-nightly')).toEqual(expect.arrayContaining([expect.stringMatching(/no ScheduledBackup app-db-nightly/)]));
  // Unquoted, the reason is one word of the shell: "replaced", too short for DEL001.
  const unquoted = runbook.replace(/'(cnpg-gitops\.io\/deletion-reason=replaced by [^']*)'/g, '$1');
  expect(check(unquoted, () => tree, 'databases', 'flux-system', policies)).toEqual(expect.arrayContaining([expect.stringMatching(/^step 8: the admission policies deny it: DEL001.*: kubectl -n databases delete clusters.postgresql.cnpg.io app-db$/)]));
  const withoutReason = runbook.split('\n').filter((line) => !line.includes('annotate clusters.postgresql.cnpg.io app-db ')).join('\n');
  expect(check(withoutReason, () => tree, 'databases', 'flux-system', policies)).toEqual(expect.arrayContaining([expect.stringMatching(/the admission policies deny it: DEL001/)]));
  expect(check('## 1. x\n```sh\nkubectl -n databases get clusters.postgresql.cnpg.io app-db -o \'jsonpath={.x}\n```\n', () => tree, 'databases', 'flux-system', policies)).toEqual(expect.arrayContaining([expect.stringMatching(/unbalanced '/), expect.stringMatching(/^step 1: sh: \d+: Syntax error: Unterminated quoted string$/)]));
  // Each step is parsed on its own: an "if" in one step is not closed by a "fi" in the next.
  expect(check('## 1. x\n```sh\nif true; then\n```\n## 2. y\n```sh\nfi\n```\n## 3. z\n```sh\ngit add flux\n```\n', () => tree, 'databases', 'flux-system', policies).filter((found) => found.includes('Syntax error')))
    .toEqual([expect.stringMatching(/^step 1: sh: \d+: Syntax error: end of file unexpected/), expect.stringMatching(/^step 2: sh: \d+: Syntax error: "fi" unexpected/)]);
});
