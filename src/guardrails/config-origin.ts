import { IConstruct } from 'constructs';
import { EnvironmentName } from '../config/types';

/** Where one field of a construct's objects is configured, when not in its own database's fields. */
export type FieldOrigin =
  /** The same field of a database of another environment, named by its cluster. */
  | { readonly environment: EnvironmentName; readonly cluster: string }
  /** A field of the object's own environment that its databases share (e.g. `cloneFrom.credentials`). */
  | { readonly environmentField: string };

/** Config fields (as rules name them, e.g. `objectStore.endpointURL`) and where each is configured. */
export type ConfigOrigin = Readonly<Record<string, FieldOrigin>>;

const origins = new WeakMap<IConstruct, ConfigOrigin>();

/**
 * Says where the fields of everything below `construct` are configured: a clone's recovery-source
 * store copies the endpoint, bucket and provider of the source's database in another environment,
 * so a finding about them names that environment's config file, not the clone's.
 */
export function configureIn(construct: IConstruct, origin: ConfigOrigin): void {
  origins.set(construct, origin);
}

/** Where `field` of an object below `construct` is configured, when configureIn() said so. */
export function fieldOrigin(construct: IConstruct, field: string): FieldOrigin | undefined {
  for (const scope of [...construct.node.scopes].reverse()) {
    const origin = origins.get(scope)?.[field];
    if (origin) return origin;
  }
  return undefined;
}
