export * from './barman-cloud-plugin';
export * from './barman-object-store';
export * from './cnpg-cluster';
export * from './external-secret-credentials';
export * from './guarded-migration-job';
export * from './migration-scripts';
export * from './scheduled-backup';
