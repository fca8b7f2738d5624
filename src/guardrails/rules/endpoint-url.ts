import { OBJECT_STORE_PROVIDER } from '../../names';
import { Finding, Guardrail } from '../rule';

/**
 * R2's S3 API endpoint: a 32-hex-digit account id, optionally a jurisdiction, and nothing else.
 * `<ACCOUNT_ID>.<JURISDICTION>.r2.cloudflarestorage.com` with eu and fedramp:
 * https://developers.cloudflare.com/r2/reference/data-location/#using-jurisdictions-with-the-s3-api;
 * us: https://developers.cloudflare.com/changelog/post/2026-08-17-r2-us-jurisdiction/
 */
const R2_HOST = /^[0-9a-f]{32}(\.(eu|fedramp|us))?\.r2\.cloudflarestorage\.com$/;
const R2_HOST_FORM = '<32-hex account id>[.eu|.fedramp|.us].r2.cloudflarestorage.com';
const CHECKSUM_VARIABLES = ['AWS_REQUEST_CHECKSUM_CALCULATION', 'AWS_RESPONSE_CHECKSUM_VALIDATION'];

function bucketOf(destinationPath: unknown): string | undefined {
  return /^s3:\/\/([^/]+)/.exec(String(destinationPath ?? ''))?.[1];
}

export const endpointURL: Guardrail = {
  id: 'OBJ001',
  title: 'S3-compatible endpoints (Cloudflare R2 first) are usable',
  explanation: 'With provider cloudflare-r2, a host that is not an R2 S3 API endpoint (a typo, another store) means no backups and no WAL archive at all. A bucket inside endpointURL doubles the bucket in every request path and backups fail with "NoSuchBucket" or "no target backup found"; plain http sends the access keys unencrypted; R2 and other S3-compatible stores reject the checksums boto3 ≥ 1.36 sends unless the two AWS_*_CHECKSUM_* variables are set on the plugin sidecar.',
  fix: 'set objectStore.endpointURL to the bare https endpoint (R2: "https://<32-hex account id>.r2.cloudflarestorage.com", or with the bucket\'s jurisdiction: .eu., .fedramp., .us.) and keep the bucket in objectStore.destinationPath; a store that is not R2 needs objectStore.provider "aws-s3" or "s3-compatible"',
  configField: 'objectStore.endpointURL',
  kinds: ['ObjectStore'],
  check(store) {
    const configuration = store.manifest.spec?.configuration ?? {};
    const endpoint = configuration.endpointURL;
    const forR2 = store.manifest.metadata?.annotations?.[OBJECT_STORE_PROVIDER] === 'cloudflare-r2';
    if (endpoint === undefined) {
      return forR2 ? [{ message: `provider "cloudflare-r2" without an endpoint: the plugin would send the keys to AWS S3 instead of https://${R2_HOST_FORM}`, value: '(unset)' }] : [];
    }
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
    if ((forR2 || url.hostname.endsWith('cloudflarestorage.com')) && !R2_HOST.test(url.hostname)) {
      findings.push({ message: `R2 endpoint host is not ${R2_HOST_FORM}`, value: endpoint });
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
