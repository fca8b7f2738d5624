#!/usr/bin/env node
// Regenerates imports/ from a local directory of upstream CRD files, without network access.
//
// `cdk8s import` writes one TypeScript module per API group, and when the CRDs of one group
// come from separate files the last file wins. So every group's CRDs are first joined into
// ONE multi-document YAML file, then imported under the same module prefix that cdk8s.yaml
// uses for the upstream release URLs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CRD_GROUPS = [
  {
    prefix: 'cnpg',
    files: [
      'cnpg-1.30.0/postgresql.cnpg.io_clusters.yaml',
      'cnpg-1.30.0/postgresql.cnpg.io_backups.yaml',
      'cnpg-1.30.0/postgresql.cnpg.io_scheduledbackups.yaml',
      'cnpg-1.30.0/postgresql.cnpg.io_poolers.yaml',
      'cnpg-1.30.0/postgresql.cnpg.io_databases.yaml',
    ],
  },
  { prefix: 'barmancloud', files: ['plugin-barman-cloud-0.14.0/barmancloud.cnpg.io_objectstores.yaml'] },
  { prefix: 'flux', files: ['flux-kustomize-controller-1.9.4/kustomize.toolkit.fluxcd.io_kustomizations.yaml'] },
  { prefix: 'eso', files: ['external-secrets-2.9.0/external-secrets.io_externalsecrets.yaml'] },
];

const projectRoot = resolve(import.meta.dirname, '../..');
const crdsDir = resolve(projectRoot, process.env.CNPG_CRDS_DIR ?? '../shared/crds');
if (!existsSync(crdsDir)) {
  console.error(`import-crds: CRD directory ${crdsDir} does not exist; set CNPG_CRDS_DIR to the folder holding the upstream CRD files`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'cnpg-crds-'));
try {
  for (const group of CRD_GROUPS) {
    const joined = group.files.map((file) => `---\n${readFileSync(join(crdsDir, file), 'utf8')}\n`).join('');
    const groupFile = join(work, `${group.prefix}.yaml`);
    writeFileSync(groupFile, joined);
    execFileSync(
      join(projectRoot, 'node_modules/.bin/cdk8s'),
      ['import', `${group.prefix}:=${groupFile}`, '--language', 'typescript', '--output', join(projectRoot, 'imports')],
      { stdio: 'inherit', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } },
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
