/** Name of the Barman Cloud CNPG-I plugin, as registered with the operator. */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

/** Operand image CNPG 1.30.0 uses when `imageName` is not set. */
export const DEFAULT_POSTGRES_IMAGE = 'ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie';
