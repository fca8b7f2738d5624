import { PROVIDED_BY_REPOSITORY } from '../../names';
import { Finding, Guardrail, RenderedObject, RuleContext } from '../rule';

/** Names of variables, parameters and annotations whose values are credentials. */
const CREDENTIAL_NAME = /pass(word)?|secret|token|credential|private[-_]?key|access[-_]?key|api[-_]?key/i;

/** Values that are credentials whatever they are called. */
const CREDENTIAL_VALUES: readonly [string, RegExp][] = [
  ['an AWS access key id', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['a connection URI with a password', /\b(postgres(ql)?|mysql|mongodb(\+srv)?|redis|amqps?):\/\/[^:/\s@]+:[^@/\s]+@/i],
  ['a password in SQL', /\bPASSWORD\s+'[^']+'/i],
];

function externallyManaged(secretName: string | undefined, context: RuleContext): boolean {
  return context.ofKind('ExternalSecret').some((object) => (object.manifest.spec?.target?.name ?? object.name) === secretName);
}

/** Whether a Secret is SOPS-encrypted: Flux decrypts it at apply time, Git only holds ciphertext. */
function sopsEncrypted(secret: any): boolean {
  const values = Object.values({ ...secret.data, ...secret.stringData });
  return secret.sops !== undefined && values.every((value) => typeof value === 'string' && value.startsWith('ENC['));
}

function inlineCredentials(object: RenderedObject): Finding[] {
  const findings: Finding[] = [];
  const visit = (value: any, path: string): void => {
    if (typeof value === 'string') {
      for (const [what, pattern] of CREDENTIAL_VALUES) {
        if (pattern.test(value)) findings.push({ message: `${path} holds ${what}`, value: '<redacted>' });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, `${path}[${index}]`));
    } else if (value !== null && typeof value === 'object') {
      if (typeof value.name === 'string' && typeof value.value === 'string' && CREDENTIAL_NAME.test(value.name) && value.value !== '') {
        findings.push({ message: `${path} sets ${value.name} inline`, value: `${value.name}=<redacted>` });
      }
      for (const [key, child] of Object.entries(value)) visit(child, `${path}.${key}`);
    }
  };
  const { metadata, ...content } = object.manifest;
  visit({ ...content, annotations: metadata?.annotations }, object.kind);
  for (const [key, value] of Object.entries({ ...metadata?.annotations, ...object.manifest.spec?.postgresql?.parameters })) {
    if (CREDENTIAL_NAME.test(key) && typeof value === 'string' && value !== '') {
      findings.push({ message: `${key} is set inline`, value: `${key}=<redacted>` });
    }
  }
  return findings;
}

export const credentialsByReference: Guardrail = {
  id: 'SEC001',
  title: 'Credentials only by reference to externally managed secrets, never inline',
  explanation: 'Everything in the Flux tree is in Git forever, in every clone and CI log. A Secret with plain data, or a password, key or credential URI in an env var, parameter, annotation, script or SQL, is a leaked credential the moment it is committed.',
  fix: 'take credentials from a ClusterSecretStore (objectStore.credentials and appCredentials name the store and remote key, and the constructs render ExternalSecrets), or commit the Secret SOPS-encrypted for Flux to decrypt',
  configField: 'objectStore.credentials',
  kinds: ['*'],
  check(object, context) {
    if (object.kind === 'Secret') {
      const keys = Object.keys({ ...object.manifest.data, ...object.manifest.stringData });
      return keys.length === 0 || sopsEncrypted(object.manifest) ? [] : [{ message: `Secret ${object.name} carries values (${keys.join(', ')}) in Git`, value: '<redacted>' }];
    }
    const findings = inlineCredentials(object);
    if (object.kind === 'ObjectStore') {
      const credentials = object.manifest.spec?.configuration?.s3Credentials ?? {};
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
