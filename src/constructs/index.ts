export * from './barman-cloud-plugin';
export * from './barman-object-store';
export * from './cnpg-cluster';
export * from './external-secret-credentials';
export * from './scheduled-backup';
