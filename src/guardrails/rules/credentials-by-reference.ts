import { MIGRATION_ANNOTATIONS, MIGRATION_LABEL, PROVIDED_BY_REPOSITORY } from '../../names';
import { credentialsIn, describeCredential, namedCredential, namedSecret } from '../../security/credentials';
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

/** Every credential in every string of a rendered object: by its form anywhere, by its name in settings and env. */
function inlineCredentials(object: RenderedObject): Finding[] {
  const findings: Finding[] = [];
  const report = (path: string, kind: string, secret: string, where = '') => {
    const what = describeCredential({ kind, secret });
    findings.push({ message: `${object.kind} ${object.name} ${path}${where} holds ${what}`, value: `<redacted: ${what}>`, ...fieldOf(object, path) });
  };
  const visitString = (text: string, path: string, name?: string) => {
    const found = credentialsIn(text);
    for (const credential of found) report(path, credential.kind, credential.secret, lineOf(text, credential.start));
    if (found.length === 0 && name !== undefined && namedSecret(name, text)) report(path, namedCredential(name), text);
  };
  const visit = (value: unknown, path: string, settings: boolean): void => {
    if (typeof value === 'string') return visitString(value, path);
    if (Array.isArray(value)) return value.forEach((item, index) => visit(item, `${path}[${index}]`, false));
    if (value === null || typeof value !== 'object') return;
    const entries = Object.entries(value);
    // An env var: { name, value }.
    const { name, value: text } = value as { name?: unknown; value?: unknown };
    for (const [key, child] of entries) {
      const at = path === '' ? key : step(path, key);
      if (typeof child === 'string' && (settings || (key === 'value' && typeof name === 'string' && typeof text === 'string'))) {
        visitString(child, settings ? at : path.replace(/\[\d+\]$/, `[${String(name)}]`), settings ? key : String(name));
      } else {
        visit(child, at, SETTINGS.has(key));
      }
    }
  };
  visit(object.manifest, '', false);
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
    const findings = inlineCredentials(object);
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
