import { ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  toJson_ExternalSecretProps,
} from '../../imports/eso-external-secrets.io';
import { FLUX_KEEP_WHEN_REMOVED } from '../names';
import { plainImportedKind } from './plain-api-object';

/** Rendered in one pass (src/constructs/plain-api-object.ts). */
const PlainExternalSecret = plainImportedKind(ExternalSecret, toJson_ExternalSecretProps);

/**
 * A secret that External Secrets Operator copies from a `ClusterSecretStore`.
 * Nothing secret is ever written to Git: only the store and the key to read.
 */
export interface ExternalSecretSource {
  /** Name of the `ClusterSecretStore` (external-secrets.io/v1) to read from. */
  readonly clusterSecretStore: string;
  /** Key of the secret inside the external store, e.g. `cnpg/production/r2`. */
  readonly remoteKey: string;
  /**
   * How often ESO re-reads the external secret (a Go duration).
   * @default '1h'
   */
  readonly refreshInterval?: string;
}

/**
 * A Secret the repository provides itself instead of External Secrets, typically a
 * SOPS-encrypted manifest that Flux decrypts.
 */
export interface ExistingSecretSource {
  /** Name of the Secret, in the same namespace, with the keys its consumer documents. */
  readonly existingSecret: string;
}

/** Where credentials come from: External Secrets (the default) or a Secret the repository provides. */
export type CredentialsSource = ExternalSecretSource | ExistingSecretSource;

export interface ExternalSecretCredentialsProps {
  /** Name of the Kubernetes Secret that External Secrets Operator creates. */
  readonly secretName: string;
  /** `ClusterSecretStore` to read from. */
  readonly clusterSecretStore: string;
  /** Key of the secret inside the external store. */
  readonly remoteKey: string;
  /** Keys of the created Secret, each mapped to the property of the remote secret it copies. */
  readonly properties: Readonly<Record<string, string>>;
  /**
   * Non-secret keys written literally into the Secret (for example the user name).
   * @default - none
   */
  readonly literals?: Readonly<Record<string, string>>;
  /**
   * Type of the created Secret.
   * @default 'Opaque'
   */
  readonly secretType?: string;
  /**
   * How often ESO re-reads the external secret.
   * @default '1h'
   */
  readonly refreshInterval?: string;
}

/**
 * Credentials that reach the cluster through External Secrets Operator, so no secret value
 * is ever rendered into Git. The Secret carries `cnpg.io/reload` so CNPG picks up rotations.
 * @see https://external-secrets.io/latest/api/externalsecret/
 */
export class ExternalSecretCredentials extends Construct {
  /** Name of the Kubernetes Secret consumers reference. */
  public readonly secretName: string;

  constructor(scope: Construct, id: string, props: ExternalSecretCredentialsProps) {
    super(scope, id);
    addInvariants(this);
    this.secretName = props.secretName;
    const templateData: Record<string, string> = { ...props.literals };
    for (const key of Object.keys(props.properties)) templateData[key] = `{{ .${key} }}`;

    new PlainExternalSecret(this, 'Resource', {
      // Removing it from Git must not take the credentials (ESO deletes the Secret it owns) from a cluster that keeps running.
      metadata: { name: props.secretName, annotations: { ...FLUX_KEEP_WHEN_REMOVED } } satisfies ApiObjectMetadata,
      spec: {
        refreshInterval: props.refreshInterval ?? '1h',
        secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: props.clusterSecretStore },
        target: {
          name: props.secretName,
          creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
          template: {
            type: props.secretType ?? 'Opaque',
            metadata: { labels: { 'cnpg.io/reload': 'true' } },
            data: templateData,
          },
        },
        data: Object.entries(props.properties).map(([secretKey, property]) => ({
          secretKey,
          remoteRef: { key: props.remoteKey, property },
        })),
      },
    });
  }
}

/**
 * The Secret credentials come from: the ExternalSecret rendered under `scope` for an external
 * store, or the Secret the repository provides itself (`existingSecret`).
 */
export function credentialsSecret(
  scope: Construct,
  id: string,
  source: CredentialsSource,
  options: Omit<ExternalSecretCredentialsProps, 'clusterSecretStore' | 'remoteKey' | 'refreshInterval'>,
): { readonly secretName: string; readonly externalSecret?: ExternalSecretCredentials } {
  if ('existingSecret' in source) return { secretName: source.existingSecret };
  const externalSecret = new ExternalSecretCredentials(scope, id, { ...options, ...source });
  return { secretName: externalSecret.secretName, externalSecret };
}
