#!/usr/bin/env node
// Regenerates, from local copies of the upstream CRD files and without network access:
//
// - imports/: the typed bindings, by `cdk8s import` (`--no-save`: cdk8s.yaml keeps the upstream
//   release URLs it documents). `cdk8s import` writes one TypeScript module per API group, and
//   when the CRDs of one group come from separate files the last file wins, so every group's
//   CRDs are first joined into ONE multi-document YAML file, imported under the module prefix
//   that cdk8s.yaml uses. Each CRD goes in without its descriptions (the facts kept in
//   schemas/), so no upstream prose becomes a doc comment; the code and types are the same.
// - schemas/: each CRD's validation schema as facts, without upstream prose: types, patterns,
//   enums, required fields, formats, defaults and the CEL rules (x-kubernetes-validations) with
//   their messages; every `description` is dropped. Each file records where it came from. The
//   tests validate every rendered custom resource against these files, so they need nothing
//   outside the repository.
//
// Everything is read and generated first; files are written only once all of it succeeded.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as YAML from 'yaml';

const projectRoot = resolve(import.meta.dirname, '../..');
const SOURCE_DIRS = {
  crds: resolve(projectRoot, process.env.CNPG_CRDS_DIR ?? '../shared/crds'),
  monitoring: resolve(projectRoot, process.env.CNPG_MONITORING_CRDS_DIR ?? '../shared/crds-monitoring'),
};

/** The upstream CRD files, by release folder; `bindings` names the module prefix in imports/. */
const RELEASES = [
  {
    source: 'crds',
    release: 'cnpg-1.30.0',
    bindings: 'cnpg',
    files: [
      'postgresql.cnpg.io_clusters.yaml',
      'postgresql.cnpg.io_backups.yaml',
      'postgresql.cnpg.io_scheduledbackups.yaml',
      'postgresql.cnpg.io_poolers.yaml',
      'postgresql.cnpg.io_databases.yaml',
    ],
  },
  { source: 'crds', release: 'plugin-barman-cloud-0.14.0', bindings: 'barmancloud', files: ['barmancloud.cnpg.io_objectstores.yaml'] },
  { source: 'crds', release: 'flux-kustomize-controller-1.9.4', bindings: 'flux', files: ['kustomize.toolkit.fluxcd.io_kustomizations.yaml'] },
  { source: 'crds', release: 'external-secrets-2.9.0', bindings: 'eso', files: ['external-secrets.io_externalsecrets.yaml'] },
  // Schemas only: the constructs render PodMonitor and PrometheusRule as plain ApiObjects.
  {
    source: 'monitoring',
    release: 'prometheus-operator-0.93.0',
    files: ['monitoring.coreos.com_podmonitors.yaml', 'monitoring.coreos.com_prometheusrules.yaml'],
  },
];

const SCHEMAS_DIR = join(projectRoot, 'schemas');
const IMPORTS_DIR = join(projectRoot, 'imports');

// Keys of a JSON schema whose values are schemas (or maps or lists of them); every other key
// holds data (enum, default, x-kubernetes-validations) and is copied as it is.
const SCHEMA_MAPS = new Set(['properties', 'patternProperties']);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf']);
const SCHEMA_VALUES = new Set(['items', 'additionalProperties', 'not']);

/** The schema without prose: every `description` of a schema node goes, a property named "description" stays. */
function facts(schema) {
  if (schema === null || typeof schema !== 'object') return schema;
  const kept = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description') continue;
    if (SCHEMA_MAPS.has(key)) kept[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, facts(child)]));
    else if (SCHEMA_LISTS.has(key)) kept[key] = value.map(facts);
    else if (SCHEMA_VALUES.has(key)) kept[key] = facts(value);
    else kept[key] = value;
  }
  return kept;
}

/**
 * Upstream repository, path, tag and commit of each file, from the table in the source
 * folder's README.md (`| <release>/<file> | <repo> | <path> | <tag> (<commit>) | <license> |`).
 */
function upstreamTable(sourceDir) {
  const readme = join(sourceDir, 'README.md');
  if (!existsSync(readme)) return new Map();
  const rows = new Map();
  for (const line of readFileSync(readme, 'utf8').split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const tag = /^(\S+) \(([0-9a-f]{40})\)$/.exec(cells[4] ?? '');
    if (cells.length < 7 || !tag) continue;
    rows.set(cells[1], { repository: cells[2], path: cells[3], tag: tag[1], commit: tag[2], license: cells[5] });
  }
  return rows;
}

function readCrd(release, file) {
  const sourceDir = SOURCE_DIRS[release.source];
  const path = join(sourceDir, release.release, file);
  if (!existsSync(path)) {
    const variable = release.source === 'crds' ? 'CNPG_CRDS_DIR' : 'CNPG_MONITORING_CRDS_DIR';
    throw new Error(`${path} does not exist: set ${variable} to the folder holding ${release.release}/ (the upstream CRD files)`);
  }
  const text = readFileSync(path, 'utf8');
  const crds = YAML.parseAllDocuments(text).map((doc) => doc.toJS()).filter((doc) => doc?.kind === 'CustomResourceDefinition');
  if (crds.length !== 1) throw new Error(`${path}: expected one CustomResourceDefinition, found ${crds.length}`);
  const [crd] = crds;
  const upstream = upstreamTable(sourceDir).get(`${release.release}/${file}`);
  if (!upstream) console.warn(`import-crds: ${sourceDir}/README.md names no upstream commit for ${release.release}/${file}; recording the release only`);
  const schema = {
    provenance: {
      release: release.release,
      source: `${release.release}/${file}`,
      sha256: createHash('sha256').update(text).digest('hex'),
      ...upstream,
      annotations: crd.metadata.annotations ?? {},
    },
    group: crd.spec.group,
    kind: crd.spec.names.kind,
    scope: crd.spec.scope,
    versions: Object.fromEntries(crd.spec.versions.filter((version) => version.served).map((version) => [version.name, facts(version.schema.openAPIV3Schema)])),
  };
  return { crd, schema, output: join(release.release, file.replace(/\.yaml$/, '.json')) };
}

/**
 * The CRD as `cdk8s import` reads it, without prose: its schemas' facts (no description becomes
 * a doc comment of the bindings) and no printer columns (which it does not read).
 */
function withoutProse(crd) {
  const versions = crd.spec.versions.map(({ additionalPrinterColumns, ...version }) => ({ ...version, schema: { openAPIV3Schema: facts(version.schema.openAPIV3Schema) } }));
  return { ...crd, spec: { ...crd.spec, versions } };
}

/** Runs `cdk8s import` per API group into a scratch folder; returns the generated files by name. */
function generateBindings(work, crds) {
  const output = join(work, 'imports');
  for (const release of RELEASES.filter((candidate) => candidate.bindings)) {
    const joined = crds.filter((crd) => crd.release === release).map((crd) => `---\n${YAML.stringify(withoutProse(crd.crd))}`).join('');
    const groupFile = join(work, `${release.bindings}.yaml`);
    writeFileSync(groupFile, joined);
    execFileSync(
      join(projectRoot, 'node_modules/.bin/cdk8s'),
      ['import', `${release.bindings}:=${groupFile}`, '--no-save', '--language', 'typescript', '--output', output],
      { cwd: work, stdio: 'inherit', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } },
    );
  }
  return new Map(readdirSync(output).map((name) => [name, readFileSync(join(output, name))]));
}

function schemaIndex(crds) {
  const rows = crds.map(({ schema, output }) => {
    const p = schema.provenance;
    const upstream = p.commit ? `${p.repository} \`${p.path}\` at ${p.tag} (${p.commit})` : 'unknown';
    return `| \`${output}\` | ${schema.group}/${Object.keys(schema.versions).join(', ')} ${schema.kind} | ${upstream} | ${p.license ?? 'unknown'} |`;
  });
  return [
    '# Upstream CRD schemas (generated)',
    '',
    'Generated by `npm run import:local` (`src/tools/import-crds.mjs`) from the upstream CRD files; do not edit.',
    'Each file keeps the facts of a CRD\'s served versions (types, patterns, enums, required fields, formats,',
    'defaults, CEL rules with their messages) and drops every description. `provenance` in each file records',
    'the release, the source file and its SHA-256, the upstream repository, path, tag and commit.',
    '',
    '| File | Kind | Upstream | License |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

function main() {
  const crds = RELEASES.flatMap((release) => release.files.map((file) => ({ release, ...readCrd(release, file) })));
  const work = mkdtempSync(join(tmpdir(), 'cnpg-crds-'));
  try {
    const bindings = generateBindings(work, crds);
    rmSync(SCHEMAS_DIR, { recursive: true, force: true });
    for (const { schema, output } of crds) {
      mkdirSync(dirname(join(SCHEMAS_DIR, output)), { recursive: true });
      writeFileSync(join(SCHEMAS_DIR, output), `${JSON.stringify(schema, null, 2)}\n`);
    }
    writeFileSync(join(SCHEMAS_DIR, 'README.md'), schemaIndex(crds));
    for (const [name, content] of bindings) writeFileSync(join(IMPORTS_DIR, name), content);
    console.log(`import-crds: wrote ${crds.length} schemas to schemas/ and ${bindings.size} modules to imports/`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  console.error(`import-crds: ${error.message}`);
  process.exit(1);
}
