import * as YAML from 'yaml';
import { FLUX_APPLY_ONCE, MIGRATION_ANNOTATIONS, MIGRATION_LABEL, RESTORE_ANNOTATIONS } from './names';
import { SUPPRESSIONS_ANNOTATION } from './guardrails/suppressions';
import { describeShrink, volumeShrinks } from './guardrails/rules/volume-shrink';
import { databaseFolderOfClusterFile, environmentOfFile } from './flux/layout';
import { RECLONE_RUNBOOK } from './runbooks/reclone-runbook';
import { RUNBOOKS_ROOT } from './runbooks/rollback-runbook';

type Manifest = { kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> }; spec?: any };

/** The environment a file of the Flux tree belongs to. */
function environmentOf(path: string): string {
  return environmentOfFile(path) ?? 'other';
}

function objectsOf(files: ReadonlyMap<string, string>): Map<string, { environment: string; path: string; manifest: Manifest }> {
  const objects = new Map<string, { environment: string; path: string; manifest: Manifest }>();
  for (const [path, content] of files) {
    if (path.endsWith('kustomization.yaml')) continue;
    for (const document of YAML.parseAllDocuments(content)) {
      const manifest = document.toJS() as Manifest | null;
      if (!manifest?.kind) continue;
      objects.set(`${environmentOf(path)}|${manifest.kind}|${manifest.metadata.namespace ?? ''}|${manifest.metadata.name}`, { environment: environmentOf(path), path, manifest });
    }
  }
  return objects;
}

/** Longest value shown whole; longer ones show where they differ. */
const SHOWN = 60;
/** Characters kept before the first difference. */
const CONTEXT = 12;

/**
 * `"a" → "b"`; long values are cut around where they differ, so the two sides never look equal:
 * `…:18.4@sha256:0f1e…` → `…:18.4@sha256:9a8b…`.
 */
function showChange(before: unknown, after: unknown): string {
  const [a, b] = [before, after].map((value) => JSON.stringify(value) ?? 'unset');
  if (a.length <= SHOWN && b.length <= SHOWN) return `${a} → ${b}`;
  const shorter = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < shorter && a[prefix] === b[prefix]) prefix += 1;
  let suffix = 0;
  while (suffix < shorter - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix += 1;
  const excerpt = (text: string) => {
    const start = Math.max(0, prefix - CONTEXT);
    const end = Math.min(text.length, Math.max(text.length - suffix, prefix + 1) + CONTEXT, start + SHOWN);
    return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
  };
  return `${excerpt(a)} → ${excerpt(b)}`;
}

/** Dotted paths whose values differ, two levels into `spec`, e.g. `spec.instances: 2 → 3`. */
function changes(before: any, after: any, path = 'spec', depth = 0): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const objects = before && after && typeof before === 'object' && typeof after === 'object' && !Array.isArray(before) && !Array.isArray(after);
  if (!objects || depth === 2) return [`${path}: ${showChange(before, after)}`];
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].sort().flatMap((key) => changes(before[key], after[key], `${path}.${key}`, depth + 1));
}

/** The folder below the object store a cluster archives into. */
function archiveFolder(cluster: Manifest): string | undefined {
  return cluster.spec?.plugins?.find((plugin: { isWALArchiver?: boolean }) => plugin.isWALArchiver)?.parameters?.serverName;
}

/** The entries of a suppression annotation (`ID: reason; ID: reason`); a reason may hold "; " itself. */
function suppressionEntries(annotation: string | undefined): string[] {
  return annotation === undefined ? [] : annotation.split(/; (?=[A-Z]{2,3}\d{3}: )/);
}

/** Flux applies this object only while it is absent: a change to it in Git never reaches the cluster. */
function appliedOnce(manifest: Manifest): boolean {
  return Object.entries(FLUX_APPLY_ONCE).every(([key, value]) => manifest.metadata.annotations?.[key] === value);
}

/**
 * What a change does to the Flux tree, per environment, in the words a reviewer reads in a pull
 * request: clusters added, removed or changed (and how), migrations added with their phase and
 * release, and for each one whether it runs on a cluster; backups and restores added, guardrail
 * suppressions added with their reasons.
 */
export function renderPlan(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string {
  const old = objectsOf(before);
  const next = objectsOf(after);
  const byEnvironment = new Map<string, string[]>();
  const say = (environment: string, line: string) => byEnvironment.set(environment, [...(byEnvironment.get(environment) ?? []), line]);
  const runs = new Map<string, string[]>();
  // Per environment, each suppression added to objects, with the objects it now covers.
  const suppressions = new Map<string, Map<string, string[]>>();
  let other = 0;
  for (const [key, { environment, path, manifest }] of next) {
    const previous = old.get(key)?.manifest;
    const { kind, metadata } = manifest;
    const annotations = metadata.annotations ?? {};
    const before = suppressionEntries(previous?.metadata.annotations?.[SUPPRESSIONS_ANNOTATION]);
    for (const entry of suppressionEntries(annotations[SUPPRESSIONS_ANNOTATION]).filter((candidate) => !before.includes(candidate))) {
      const covered = suppressions.get(environment) ?? new Map<string, string[]>();
      covered.set(entry, [...(covered.get(entry) ?? []), `${kind} ${metadata.name}`]);
      suppressions.set(environment, covered);
    }
    if (previous && JSON.stringify(previous) === JSON.stringify(manifest)) continue;
    const specChanges = previous ? changes(previous.spec, manifest.spec) : [];
    // Only its metadata or data changed (a suppression annotation is said above).
    if (previous && specChanges.length === 0) {
      other += 1;
      continue;
    }
    if (kind === 'Cluster' && annotations[RESTORE_ANNOTATIONS.source] !== undefined && !previous) {
      const target = manifest.spec?.bootstrap?.recovery?.recoveryTarget ?? {};
      const to = target.targetName ? `restore point ${target.targetName}` : target.targetTime ? `${target.targetTime}` : JSON.stringify(target);
      say(environment, `- **restore** of ${annotations[RESTORE_ANNOTATIONS.source]} into new cluster ${metadata.name}, to ${to}${target.backupID ? ` from base backup ${target.backupID}` : ''}`);
    } else if (kind === 'Cluster') {
      if (previous && manifest.spec?.bootstrap?.recovery && archiveFolder(previous) !== archiveFolder(manifest)) {
        say(environment, `- **re-clone** of cluster ${metadata.name}: a new cluster, archiving into ${archiveFolder(manifest)} (now ${archiveFolder(previous)}); Flux does not replace a running cluster: follow ${RUNBOOKS_ROOT}/${databaseFolderOfClusterFile(path)}/${RECLONE_RUNBOOK}`);
      }
      say(environment, previous ? `- cluster ${metadata.name} changes: ${specChanges.join('; ')}` : `- **new cluster** ${metadata.name} (${manifest.spec?.instances ?? 1} instance(s))`);
      for (const shrink of volumeShrinks(previous?.spec, manifest.spec)) {
        say(environment, `- **cluster ${metadata.name} cannot change:** ${describeShrink(shrink)}, which CNPG refuses on an existing cluster (CLU002): Flux's apply fails until the Cluster is re-created`);
      }
    } else if (kind === 'Job' && metadata.labels?.[MIGRATION_LABEL]) {
      const migration = metadata.labels[MIGRATION_LABEL];
      const cluster = annotations[MIGRATION_ANNOTATIONS.cluster];
      if (!previous) {
        const after = annotations[MIGRATION_ANNOTATIONS.after];
        say(environment, `- new **migration** ${migration} (release ${annotations[MIGRATION_ANNOTATIONS.release]}, ${annotations[MIGRATION_ANNOTATIONS.phase]}; rollback: ${annotations[MIGRATION_ANNOTATIONS.rollbackStrategies]}): **runs once** on ${cluster}${after ? `, after ${after}` : ''}, with a fresh base backup first, unless its ledger already holds it`);
        runs.set(environment, [...(runs.get(environment) ?? []), `${migration} on ${cluster}`]);
      } else if (appliedOnce(previous)) {
        say(environment, `- migration ${migration}: its Job changes in Git only (${specChanges.length} field(s)); Flux keeps the Job already in the cluster (ssa: IfNotPresent), nothing runs again`);
      } else {
        say(environment, `- migration ${migration}: its Job changes and Flux may re-create it (no ssa: IfNotPresent in the committed tree); the ledger makes a re-run of an applied migration a no-op`);
      }
    } else if (kind === 'Backup' && !previous) {
      say(environment, `- new base backup ${metadata.name} of ${manifest.spec?.cluster?.name}`);
    } else if (kind === 'ScheduledBackup') {
      say(environment, previous ? `- scheduled backup ${metadata.name} changes: ${specChanges.join('; ')}` : `- new scheduled backup ${metadata.name} (${manifest.spec?.schedule})`);
    } else {
      other += 1;
    }
  }
  for (const [environment, covered] of suppressions) {
    for (const [entry, objects] of covered) {
      const [id, reason] = [entry.slice(0, entry.indexOf(': ')), entry.slice(entry.indexOf(': ') + 2)];
      const named = objects.length <= 2 ? objects.join(', ') : `${objects.slice(0, 2).join(', ')} and ${objects.length - 2} more`;
      say(environment, `- suppression ${id} on ${objects.length} object(s) (${named}): ${reason}`);
    }
  }
  for (const [key, { environment, manifest }] of old) {
    if (next.has(key)) continue;
    const migration = manifest.metadata.labels?.[MIGRATION_LABEL];
    if (manifest.kind === 'Cluster' || (manifest.kind === 'Job' && migration)) {
      say(environment, `- **removed** ${manifest.kind === 'Job' ? `migration ${migration} (settled, or no longer applied)` : `cluster ${manifest.metadata.name} (Flux leaves the Cluster running: prune is disabled)`}`);
    } else {
      other += 1;
    }
  }
  const sections = ['develop', 'staging', 'production', 'other']
    .filter((environment) => byEnvironment.has(environment))
    .map((environment) => [
      `### ${environment}`,
      ...byEnvironment.get(environment)!,
      runs.has(environment) ? `- **runs on a cluster:** ${runs.get(environment)!.join(', ')}, one after the other` : '- no migration runs',
    ].join('\n'));
  const footer = other > 0 ? [`${other} other object(s) added, changed or removed (credentials, object stores, policies, Flux wiring, monitoring).`] : [];
  return ['## cnpg-gitops plan', '', ...(sections.length > 0 ? sections : ['No change to clusters, migrations, backups, restores or suppressions.']), '', ...footer].join('\n').trimEnd() + '\n';
}
