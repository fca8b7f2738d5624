import { Finding, Guardrail, RenderedObject, RuleContext } from '../rule';

/** Names of variables, parameters and annotations whose values are credentials. */
const CREDENTIAL_NAME = /pass(word)?|secret|token|credential|private[-_]?key|access[-_]?key|api[-_]?key/i;

function externallyManaged(secretName: string | undefined, context: RuleContext): boolean {
  return context.objects.some((object) => object.kind === 'ExternalSecret' && (object.manifest.spec?.target?.name ?? object.name) === secretName);
}

function inlineCredentials(object: RenderedObject): Finding[] {
  const findings: Finding[] = [];
  const visit = (value: any, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, `${path}[${index}]`));
    } else if (value !== null && typeof value === 'object') {
      if (typeof value.name === 'string' && typeof value.value === 'string' && CREDENTIAL_NAME.test(value.name) && value.value !== '') {
        findings.push({ message: `${path} sets ${value.name} inline`, value: `${value.name}=<redacted>` });
      }
      for (const [key, child] of Object.entries(value)) visit(child, `${path}.${key}`);
    }
  };
  visit(object.manifest.spec, 'spec');
  for (const [key, value] of Object.entries({ ...object.manifest.metadata?.annotations, ...object.manifest.spec?.postgresql?.parameters })) {
    if (CREDENTIAL_NAME.test(key) && typeof value === 'string' && value !== '') {
      findings.push({ message: `${key} is set inline`, value: `${key}=<redacted>` });
    }
  }
  return findings;
}

export const credentialsByReference: Guardrail = {
  id: 'SEC001',
  title: 'Credentials only by reference to externally managed secrets, never inline',
  explanation: 'Everything in the Flux tree is in Git forever, in every clone and CI log. A Secret with data, or a password in an env var, parameter or annotation, is a leaked credential the moment it is committed.',
  fix: 'take credentials from a ClusterSecretStore: objectStore.credentials and appCredentials name the store and remote key, and the constructs render ExternalSecrets',
  configField: 'objectStore.credentials',
  kinds: ['Secret', 'ObjectStore', 'Cluster', 'ScheduledBackup', 'Backup'],
  check(object, context) {
    if (object.kind === 'Secret') {
      const keys = Object.keys({ ...object.manifest.data, ...object.manifest.stringData });
      return keys.length === 0 ? [] : [{ message: `Secret ${object.name} carries values (${keys.join(', ')}) in Git`, value: '<redacted>' }];
    }
    const findings = inlineCredentials(object);
    if (object.kind === 'ObjectStore') {
      const credentials = object.manifest.spec?.configuration?.s3Credentials ?? {};
      if (credentials.inheritFromIAMRole !== true) {
        for (const field of ['accessKeyId', 'secretAccessKey']) {
          const secretName = credentials[field]?.name;
          if (!externallyManaged(secretName, context)) {
            findings.push({ message: `s3Credentials.${field} references Secret "${secretName}", which no ExternalSecret of this environment provides`, value: secretName });
          }
        }
      }
    }
    return findings;
  },
};
