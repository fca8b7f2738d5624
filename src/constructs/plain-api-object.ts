import { ApiObject, ApiObjectProps, App, GroupVersionKind, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import { Construct } from 'constructs';

/** The fields ApiObjectMetadataDefinition.toJson() renders (cdk8s keeps them private). */
interface MetadataFields {
  readonly _additionalAttributes: Record<string, unknown>;
  readonly name?: string;
  readonly namespace?: string;
  readonly annotations: Record<string, string>;
  readonly finalizers: string[];
  readonly ownerReferences: object[];
  readonly labels: Record<string, string>;
}

/** All of them, or a cdk8s that keeps metadata otherwise: ApiObject.toJson() renders it. */
const METADATA_FIELDS: readonly (keyof MetadataFields)[] = ['_additionalAttributes', 'name', 'namespace', 'annotations', 'finalizers', 'ownerReferences', 'labels'];

/** A value cdk8s's resolve-then-sanitize treats otherwise than plain data. */
class NotPlain extends Error {}

/**
 * cdk8s's `resolve` followed by its `sanitizeValue`, in one pass, for an app with only the
 * built-in resolvers: a Lazy is produced, an implicit token resolved, a number-or-string union
 * becomes `{ value }`, keys are sorted, null and undefined dropped, and with `dropEmpty` empty
 * arrays and objects too (as metadata is rendered). With `share`, an array or plain object that
 * comes out the same is returned itself, and one that does not is copied from where it changes.
 */
function plain(value: any, dropEmpty: boolean, share: boolean): any {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return value;
  if (value instanceof Lazy) return plain(value.produce(), dropEmpty, share);
  if (typeof value.resolve === 'function') return plain(value.resolve(), dropEmpty, share);
  // What JSON.stringify and the YAML writers read that a copy leaves behind: a toJSON or a
  // string tag (own or inherited), an array's own iterator, a `__proto__` key (the copy's prototype).
  const shareable = share && value.toJSON === undefined && value[Symbol.toStringTag] === undefined;
  if (Array.isArray(value)) {
    if (dropEmpty && value.length === 0) return undefined;
    if (!shareable || value[Symbol.iterator] !== ARRAY_ITERATOR) return value.map((item) => plain(item, dropEmpty, share));
    let result: unknown[] | undefined;
    for (let index = 0; index < value.length; index += 1) {
      const item = plain(value[index], dropEmpty, share);
      if (result === undefined && item !== value[index]) result = value.slice(0, index);
      result?.push(item);
    }
    return result ?? value;
  }
  if (value.constructor !== Object) {
    if (typeof value.value === 'number' || typeof value.value === 'string') return { value: value.value };
    throw new NotPlain();
  }
  const keys = Object.keys(value);
  let inOrder = true;
  for (let index = 1; index < keys.length && inOrder; index += 1) inOrder = keys[index - 1] < keys[index];
  // Sorting copies the array: most objects have their keys in order already.
  if (!inOrder) keys.sort();
  let result: Record<string, unknown> | undefined = shareable && inOrder && !keys.includes('__proto__') ? undefined : {};
  let empty = true;
  for (let index = 0; index < keys.length; index += 1) {
    const original = value[keys[index]];
    const item = plain(original, dropEmpty, share);
    if (result === undefined && (item !== original || item === undefined)) {
      result = {};
      for (const key of keys.slice(0, index)) result[key] = value[key];
    }
    if (item !== null && item !== undefined) {
      if (result !== undefined) result[keys[index]] = item;
      empty = false;
    }
  }
  return dropEmpty && empty ? undefined : result ?? value;
}

const ARRAY_ITERATOR = Array.prototype[Symbol.iterator];

function hasBuiltInResolversOnly(app: App): boolean {
  const [lazy, implicit, union, ...more] = app.resolvers;
  return more.length === 0 && lazy instanceof LazyResolver && implicit instanceof ImplicitTokenResolver && union instanceof NumberStringUnionResolver;
}

/**
 * What ApiObject.toJson() renders for `apiObject` from the props its constructor was given, in
 * one pass (with `share`, holding parts of the props other than metadata themselves: see
 * plain()); undefined when only cdk8s can render it: JSON patches, custom resolvers,
 * CDK8S_DISABLE_SORT, anything but plain data, or a Lazy that throws (cdk8s then fails with its
 * own message).
 */
function plainJson(apiObject: ApiObject, props: ApiObjectProps, patched: boolean, share: boolean): Record<string, unknown> | undefined {
  const metadata = apiObject.metadata as unknown as MetadataFields;
  if (patched || process.env.CDK8S_DISABLE_SORT || !hasBuiltInResolversOnly(App.of(apiObject)) || !METADATA_FIELDS.every((field) => field in metadata)) return undefined;
  try {
    const { _additionalAttributes, name, namespace, annotations, finalizers, ownerReferences, labels } = metadata;
    // Metadata is copied: cdk8s's addLabel(), addAnnotation(), addFinalizers() and
    // addOwnerReference() change its maps and lists in place, also after rendering.
    const rendered = plain({ ...props, metadata: plain({ ..._additionalAttributes, name, namespace, annotations, finalizers, ownerReferences, labels }, true, false) }, false, share);
    const result: Record<string, unknown> = {};
    for (const key of ['apiVersion', 'kind', 'metadata', ...Object.keys(rendered)]) {
      if (key in rendered) result[key] = rendered[key];
    }
    return result;
  } catch {
    return undefined;
  }
}

/** How synthesis renders an object of a class made by renderedInOnePass(). */
const RENDER_SHARED = Symbol('renderShared');

/**
 * What synthesis renders for `apiObject`, which is its toJson(), except that for an object
 * rendered in one pass it holds the parts of the props given to the constructor (metadata
 * excepted) that come out the same, instead of copies: for thousands of objects, fewer live
 * objects for the garbage collector (npm run bench). So neither the result nor the props may be
 * changed afterwards: synthesis only reads, stringifies and hashes it.
 */
export function renderedManifest(apiObject: ApiObject): any {
  const shared = (apiObject as { [RENDER_SHARED]?: () => unknown })[RENDER_SHARED];
  return shared === undefined ? apiObject.toJson() : shared.call(apiObject);
}

/**
 * `Base` rendered in one pass: `toApiObjectProps` gives what its constructor passes to
 * ApiObject, `toManifest` what its toJson() makes of ApiObject.toJson()'s result. What only cdk8s
 * can render (see plainJson) is rendered by Base's toJson() itself.
 */
function renderedInOnePass<P>(Base: new (scope: Construct, id: string, props: P) => ApiObject, toApiObjectProps: (props: P) => ApiObjectProps, toManifest: (resolved: Record<string, unknown>) => unknown): new (scope: Construct, id: string, props: P) => ApiObject {
  return class RenderedInOnePass extends Base {
    readonly #props: ApiObjectProps;
    #patched = false;

    constructor(scope: Construct, id: string, props: P) {
      super(scope, id, props);
      this.#props = toApiObjectProps(props);
    }

    override addJsonPatch(...ops: JsonPatch[]): void {
      this.#patched = true;
      super.addJsonPatch(...ops);
    }

    override toJson(): any {
      return this.#render(false);
    }

    [RENDER_SHARED](): any {
      return this.#render(true);
    }

    #render(share: boolean): any {
      const resolved = plainJson(this, this.#props, this.#patched, share);
      return resolved === undefined ? super.toJson() : toManifest(resolved);
    }
  };
}

/**
 * An ApiObject whose props are plain data (Lazy values and tokens allowed). It renders the JSON
 * ApiObject.toJson() renders, byte for byte, in a fraction of the time: cdk8s resolves every value
 * with a new resolution context, a copy of its path and a walk up the construct tree to the App,
 * which for thousands of Jobs was the largest cost of a synthesis (npm run bench).
 * test/constructs/plain-api-object.test.ts compares both renderings of every object of the
 * shipped estate.
 */
export class PlainApiObject extends renderedInOnePass(ApiObject, (props: ApiObjectProps) => props, (resolved) => resolved) {}

/** A class that imports/ generated for a custom resource: its kind, and an object of it from its props. */
export interface ImportedKind<P, T extends ApiObject> {
  readonly GVK: GroupVersionKind;
  new (scope: Construct, id: string, props: P): T;
}

/**
 * `Kind` rendered as PlainApiObject renders: the generated class passes `{ ...GVK, ...props }` to
 * ApiObject and renders what ApiObject.toJson() resolved through its `toJson_<Kind>Props` (which
 * maps it to the wire names, in the schema's order); this one resolves it in one pass first. The
 * same JSON, byte for byte (test/constructs/plain-api-object.test.ts).
 */
export function plainImportedKind<P extends object, T extends ApiObject>(Kind: ImportedKind<P, T>, toJsonProps: (props: any) => Record<string, any> | undefined): ImportedKind<P, T> {
  return renderedInOnePass(Kind, (props) => ({ ...Kind.GVK, ...props }), (resolved) => ({ ...Kind.GVK, ...toJsonProps(resolved) })) as unknown as ImportedKind<P, T>;
}
