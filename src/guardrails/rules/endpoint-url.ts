import { Finding, Guardrail } from '../rule';

/** R2's S3 endpoint: a 32-hex-digit account id, optionally a jurisdiction, and nothing else. */
const R2_HOST = /^[0-9a-f]{32}(\.(eu|fedramp))?\.r2\.cloudflarestorage\.com$/;
const CHECKSUM_VARIABLES = ['AWS_REQUEST_CHECKSUM_CALCULATION', 'AWS_RESPONSE_CHECKSUM_VALIDATION'];

function bucketOf(destinationPath: unknown): string | undefined {
  return /^s3:\/\/([^/]+)/.exec(String(destinationPath ?? ''))?.[1];
}

export const endpointURL: Guardrail = {
  id: 'OBJ001',
  title: 'S3-compatible endpoints (Cloudflare R2 first) are usable',
  explanation: 'A bucket inside endpointURL doubles the bucket in every request path and backups fail with "NoSuchBucket" or "no target backup found"; plain http sends the access keys unencrypted; R2 and other S3-compatible stores reject the checksums boto3 ≥ 1.36 sends unless the two AWS_*_CHECKSUM_* variables are set on the plugin sidecar.',
  fix: 'set objectStore.endpointURL to the bare https endpoint (R2: "https://<32-hex account id>.r2.cloudflarestorage.com") and keep the bucket in objectStore.destinationPath',
  configField: 'objectStore.endpointURL',
  kinds: ['ObjectStore'],
  check(store) {
    const configuration = store.manifest.spec?.configuration ?? {};
    const endpoint = configuration.endpointURL;
    if (endpoint === undefined) return [];
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return [{ message: 'endpointURL is not a URL', value: endpoint }];
    }
    const findings: Finding[] = [];
    const bucket = bucketOf(configuration.destinationPath);
    if (url.protocol !== 'https:') findings.push({ message: 'endpointURL does not use https', value: endpoint });
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
      findings.push({ message: 'endpointURL has a path or query; the bucket and prefix belong in destinationPath', value: endpoint });
    }
    if (bucket !== undefined && url.hostname.split('.')[0] === bucket) {
      findings.push({ message: `endpointURL starts with the bucket "${bucket}" (virtual-host style)`, value: endpoint });
    }
    if (url.hostname.endsWith('r2.cloudflarestorage.com') && !R2_HOST.test(url.hostname)) {
      findings.push({ message: 'R2 endpoint host is not <32-hex account id>[.eu|.fedramp].r2.cloudflarestorage.com', value: url.hostname });
    }
    const sidecarEnv = new Map<string, string>(
      (store.manifest.spec?.instanceSidecarConfiguration?.env ?? []).map((variable: any) => [variable.name, variable.value]),
    );
    const missing = CHECKSUM_VARIABLES.filter((name) => sidecarEnv.get(name) !== 'when_required');
    if (missing.length > 0) {
      findings.push({ message: `S3-compatible store without ${missing.join(' and ')}=when_required on the plugin sidecar`, value: endpoint, configField: 'objectStore.provider' });
    }
    return findings;
  },
};
