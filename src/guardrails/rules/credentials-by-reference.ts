import { MIGRATION_ANNOTATIONS, MIGRATION_LABEL, PROVIDED_BY_REPOSITORY } from '../../names';
import { cachedResult } from '../../result-cache';
import { credentialsIn, describeCredential, namedCredential, namedSecret } from '../../security/credentials';
import { manifestDigest } from '../../values/manifest-json';
import { catalogField, Finding, Guardrail, RenderedObject, RuleContext } from '../rule';
import { SUPPRESSIONS_ANNOTATION } from '../suppressions';

/** Maps whose keys name the values they hold: a key named like a credential makes its value one. */
const SETTINGS = new Set(['data', 'stringData', 'annotations', 'labels', 'parameters', 'substitute']);
const VERIFIES_LABEL = 'cnpg-gitops.io/verifies';

function externallyManaged(secretName: string | undefined, context: RuleContext): boolean {
  return context.ofKind('ExternalSecret').some((object) => (object.manifest.spec?.target?.name ?? object.name) === secretName);
}

/** Whether a Secret is SOPS-encrypted: Flux decrypts it at apply time, Git only holds ciphertext. */
function sopsEncrypted(secret: any): boolean {
  const values = Object.values({ ...secret.data, ...secret.stringData });
  return secret.sops !== undefined && values.every((value) => typeof value === 'string' && value.startsWith('ENC['));
}

/** `data["up.sql"]`, `spec.containers[0].env[PGPASSWORD]`: a readable path to a string. */
const step = (path: string, key: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}["${key}"]`);

/** The config field that put a string into an object, for the fields users write. */
function fieldOf(object: RenderedObject, path: string): Pick<Finding, 'configField' | 'configFile'> {
  const migration = object.manifest.metadata?.labels?.[MIGRATION_LABEL];
  if (path.includes(SUPPRESSIONS_ANNOTATION)) return { configField: 'suppressions' };
  if (migration !== undefined && path.includes(MIGRATION_ANNOTATIONS.rollbackSteps)) return catalogField(migration, 'rollback.steps');
  if (migration !== undefined && /\.(command|args)\[/.test(path)) return catalogField(migration, 'command');
  if (migration !== undefined && path.startsWith('data')) return catalogField(migration, 'sql');
  if (object.manifest.metadata?.labels?.[VERIFIES_LABEL] !== undefined && path.startsWith('data')) return { configField: 'restores' };
  if (path.startsWith('spec.postgresql.parameters')) return { configField: 'cluster.postgresqlParameters' };
  if (path.startsWith('spec.configuration.endpointURL')) return { configField: 'objectStore.endpointURL' };
  return {};
}

/** 1-based line of an offset, for multi-line values (SQL, scripts). */
function lineOf(text: string, offset: number): string {
  return text.includes('\n') ? ` line ${text.slice(0, offset).split('\n').length}` : '';
}

/** `data["up.sql"]`, `spec.containers[0].env[0]`: the readable path of keys and indexes, built only for a finding. */
function pathOf(trail: readonly (string | number)[]): string {
  return trail.reduce<string>((path, segment) => (typeof segment === 'number' ? `${path}[${segment}]` : path === '' ? segment : step(path, segment)), '');
}

/** Every credential in every string of a rendered object: by its form anywhere, by its name in settings and env. */
function inlineCredentials(object: RenderedObject): Finding[] {
  const findings: Finding[] = [];
  const report = (path: string, kind: string, secret: string, where = '') => {
    const what = describeCredential({ kind, secret });
    findings.push({ message: `${object.kind} ${object.name} ${path}${where} holds ${what}`, value: `<redacted: ${what}>`, ...fieldOf(object, path) });
  };
  // The keys and indexes down to the value being visited.
  const trail: (string | number)[] = [];
  /** `name`: the setting's key, or the env var's name (whose path then ends in its name instead of its index). */
  const visitString = (text: string, name?: string, envVar = false) => {
    const found = credentialsIn(text);
    const path = () => (envVar ? `${pathOf(trail.slice(0, -1))}[${name}]` : pathOf(trail));
    for (const credential of found) report(path(), credential.kind, credential.secret, lineOf(text, credential.start));
    if (found.length === 0 && name !== undefined && namedSecret(name, text)) report(path(), namedCredential(name), text);
  };
  const visit = (value: unknown, settings: boolean): void => {
    if (typeof value === 'string') return visitString(value);
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        trail.push(index);
        visit(item, false);
        trail.pop();
      });
      return;
    }
    if (value === null || typeof value !== 'object') return;
    // An env var: { name, value }.
    const { name, value: text } = value as { name?: unknown; value?: unknown };
    const envVar = typeof name === 'string' && typeof text === 'string';
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'string' && settings) {
        trail.push(key);
        visitString(child, key);
        trail.pop();
      } else if (typeof child === 'string' && key === 'value' && envVar) {
        visitString(child, String(name), true);
      } else {
        trail.push(key);
        visit(child, SETTINGS.has(key));
        trail.pop();
      }
    }
  };
  visit(object.manifest, false);
  return findings;
}

export const credentialsByReference: Guardrail = {
  id: 'SEC001',
  title: 'Credentials only by reference to externally managed secrets, never inline',
  explanation: 'Everything in the Flux tree is in Git forever, in every clone and CI log. A Secret with plain data, or a password, key, token or credential URL anywhere in a rendered object (an env var, a parameter, an annotation such as the rollback steps or a suppression reason, a script, SQL in any quoting form), is a leaked credential the moment it is committed.',
  fix: 'take credentials from a ClusterSecretStore (objectStore.credentials, appCredentials and migrations.migratorCredentials name the store and remote key, and the constructs render ExternalSecrets), or commit the Secret SOPS-encrypted for Flux to decrypt; in SQL, set passwords outside the migration (ALTER ROLE ... PASSWORD from the secret store, by your platform), never in it',
  configField: 'objectStore.credentials',
  kinds: ['*'],
  check(object, context) {
    // Only what is written to the tree: a review object (a migration's analysis) is not.
    if (object.manifest.apiVersion === undefined) return [];
    if (object.kind === 'Secret') {
      const keys = Object.keys({ ...object.manifest.data, ...object.manifest.stringData });
      return keys.length === 0 || sopsEncrypted(object.manifest) ? [] : [{ message: `Secret ${object.name} carries values (${keys.join(', ')}) in Git`, value: '<redacted>' }];
    }
    // An object rendered the same as in an earlier run, when it held no credential, holds none now.
    const clean = cachedResult('no-inline-credentials', manifestDigest(object.manifest), () => inlineCredentials(object).length === 0);
    const findings = clean ? [] : inlineCredentials(object);
    if (object.kind === 'ObjectStore') {
      const credentials = object.manifest.spec?.configuration?.s3Credentials ?? {};
      // The config layer checked that a file of flux.additionalResources provides the Secret it names.
      const provided = object.manifest.metadata?.annotations?.[PROVIDED_BY_REPOSITORY];
      if (credentials.inheritFromIAMRole !== true) {
        for (const field of ['accessKeyId', 'secretAccessKey']) {
          const secretName = credentials[field]?.name;
          if (!externallyManaged(secretName, context) && secretName !== provided) {
            findings.push({ message: `s3Credentials.${field} references Secret "${secretName}", which no ExternalSecret of this environment provides`, value: secretName });
          }
        }
      }
    }
    return findings;
  },
};
