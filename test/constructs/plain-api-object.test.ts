import { ApiObject, App, Chart, IResolver, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import { PlainApiObject, renderedManifest } from '../../src/constructs/plain-api-object';
import { blockYaml } from '../../src/flux/block-yaml';
import { renderedObjects } from '../../src/guardrails/reviewed-objects';
import { buildApp } from '../../src/synthesize';
import { estate, withBillingDb } from '../helpers/fixtures';

/** What cdk8s itself renders for the object: the reference PlainApiObject must match byte for byte. */
const cdk8sRendering = (object: ApiObject) => JSON.stringify(ApiObject.prototype.toJson.call(object));

class Quantity {
  constructor(readonly value: string) {}
}

function everyKindOfValue(chart: Chart): PlainApiObject {
  const object = new PlainApiObject(chart, 'Everything', {
    apiVersion: 'example.com/v1',
    kind: 'Example',
    metadata: { name: 'everything', annotations: {}, finalizers: [], labels: { b: '2', a: '1' }, ownerReferences: [] },
    zeta: 1,
    spec: {
      lazy: Lazy.any({ produce: () => ({ produced: [Lazy.any({ produce: () => 'inner' })], dropped: undefined }) }),
      token: { resolve: () => ({ resolved: true }) },
      quantity: new Quantity('5Gi'),
      emptyArray: [],
      emptyObject: {},
      holes: [null, undefined, 0, false, ''],
      nothing: null,
      nested: { z: { y: [{ b: 1, a: 2 }] }, a: 'first' },
    },
    apiVersionLast: 'after',
  });
  object.metadata.addLabel('added', 'later');
  return object;
}

test('renders every object of the shipped estate (with a second database) as cdk8s does, byte for byte', () => {
  const { app } = buildApp(estate(withBillingDb()));
  const objects = app.node.findAll().filter((construct): construct is ApiObject => construct instanceof ApiObject);
  // The class the one pass is layered on (RenderedInOnePass in src/constructs/plain-api-object.ts),
  // or undefined: its toJson() is what the object would render without the one pass, ApiObject's
  // for a PlainApiObject and the generated class's (over ApiObject's) for an imported kind.
  const layeredOn = (object: ApiObject): { toJson(): unknown } | undefined => {
    for (let prototype = Object.getPrototypeOf(object); prototype !== null; prototype = Object.getPrototypeOf(prototype)) {
      if (Object.prototype.hasOwnProperty.call(prototype, 'constructor') && prototype.constructor.name === 'RenderedInOnePass') return Object.getPrototypeOf(prototype);
    }
    return undefined;
  };
  const reference = (object: ApiObject) => layeredOn(object)!.toJson;
  // Every object of the estate renders in one pass.
  expect(objects.filter((object) => layeredOn(object) === undefined).map((object) => object.node.path)).toEqual([]);
  expect(new Set(objects.map((object) => object.kind))).toEqual(new Set(['Backup', 'Cluster', 'ConfigMap', 'ExternalSecret', 'Job', 'Kustomization', 'ObjectStore', 'PodMonitor', 'PrometheusRule', 'Role', 'RoleBinding', 'ScheduledBackup', 'ServiceAccount', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']));
  // ... without falling back to cdk8s's own rendering for any of them.
  const cdk8sRendering = jest.spyOn(ApiObject.prototype, 'toJson');
  const rendered = objects.map((object) => JSON.stringify(object.toJson()));
  expect(cdk8sRendering).not.toHaveBeenCalled();
  cdk8sRendering.mockRestore();
  const differing = objects.filter((object, index) => rendered[index] !== JSON.stringify(reference(object).call(object))).map((object) => object.node.path);
  expect(differing).toEqual([]);
});

test('every kind of value: Lazy (nested), implicit tokens, number-or-string unions, empties, nulls, key order, metadata added later', () => {
  const object = everyKindOfValue(new Chart(new App(), 'chart', { labels: { chart: 'label' } }));
  const rendered = JSON.stringify(object.toJson());
  expect(rendered).toBe(cdk8sRendering(object));
  // The comparison is not vacuous: each rule of cdk8s's rendering is visible in it.
  expect(object.toJson()).toMatchObject({
    metadata: { labels: { a: '1', added: 'later', b: '2', chart: 'label' } },
    spec: { lazy: { produced: ['inner'] }, token: { resolved: true }, quantity: { value: '5Gi' }, emptyArray: [], emptyObject: {}, holes: [undefined, undefined, 0, false, ''] },
  });
  expect(Object.keys(object.toJson())).toEqual(['apiVersion', 'kind', 'metadata', 'apiVersionLast', 'spec', 'zeta']);
  // Metadata drops what is empty; the rest of the object keeps it.
  expect(Object.keys(object.toJson().metadata)).toEqual(['labels', 'name']);
});

test('JSON patches, custom resolvers and CDK8S_DISABLE_SORT are rendered by ApiObject.toJson() itself', () => {
  const patched = everyKindOfValue(new Chart(new App(), 'chart'));
  patched.addJsonPatch(JsonPatch.add('/spec/patched', true));
  expect(patched.toJson().spec.patched).toBe(true);
  expect(JSON.stringify(patched.toJson())).toBe(cdk8sRendering(patched));

  class Upper implements IResolver {
    resolve(context: ResolutionContext): void {
      if (typeof context.value === 'string' && context.value === 'first') context.replaceValue('FIRST');
    }
  }
  const resolved = everyKindOfValue(new Chart(new App({ resolvers: [new Upper()] }), 'chart'));
  expect(resolved.toJson().spec.nested.a).toBe('FIRST');

  const unsorted = everyKindOfValue(new Chart(new App(), 'chart'));
  process.env.CDK8S_DISABLE_SORT = '1';
  try {
    expect(JSON.stringify(unsorted.toJson())).toBe(cdk8sRendering(unsorted));
    expect(Object.keys(unsorted.toJson().spec.nested)).toEqual(['z', 'a']);
  } finally {
    delete process.env.CDK8S_DISABLE_SORT;
  }
});

test('a value that is not plain data fails with cdk8s\'s own message', () => {
  const chart = new Chart(new App(), 'chart');
  new PlainApiObject(chart, 'Odd', { apiVersion: 'v1', kind: 'ConfigMap', data: { when: new Date(0) } });
  expect(() => chart.toJson()).toThrow(/Failed serializing construct at path 'chart\/Odd'.*can't render non-simple object of type 'Date'/);
});

describe('what synthesis renders (renderedManifest): toJson()\'s JSON, holding the props\' parts that need no rendering', () => {
  test('every object of the shipped estate renders to the same JSON as its toJson(), and the guardrails review that rendering', () => {
    const { app } = buildApp(estate(withBillingDb()));
    const objects = app.node.findAll().filter((construct): construct is ApiObject => construct instanceof ApiObject);
    const differing = objects.filter((object) => JSON.stringify(renderedManifest(object)) !== JSON.stringify(object.toJson())).map((object) => object.node.path);
    expect(differing).toEqual([]);
    const reviewed = renderedObjects(app);
    expect(reviewed.length).toBe(objects.length);
    expect(reviewed.map((object) => JSON.stringify(object.manifest))).toEqual(objects.map((object) => JSON.stringify(renderedManifest(object))));
  });

  test('every kind of value renders as cdk8s renders it', () => {
    const object = everyKindOfValue(new Chart(new App(), 'chart', { labels: { chart: 'label' } }));
    expect(JSON.stringify(renderedManifest(object))).toBe(cdk8sRendering(object));
  });

  test('a part already in rendered form is the props\' own object; what rendering changes is a new one; toJson() copies everything', () => {
    const containers = [{ image: 'postgres:18', name: 'migrate' }];
    const selector = { matchLabels: { app: 'db' } };
    const unsorted = { b: '2', a: '1' };
    // Keys in order: only the null or undefined makes these rendered anew.
    const withNull = { dropped: null, kept: 'yes' };
    const withUndefined = { dropped: undefined, kept: 'yes' };
    const props = { apiVersion: 'v1', kind: 'Example', spec: { containers, selector, unsorted, withNull, withUndefined } };
    const object = new PlainApiObject(new Chart(new App(), 'chart'), 'Example', props);
    const shared = renderedManifest(object);
    expect(shared.spec.containers).toBe(containers);
    expect(shared.spec.selector).toBe(selector);
    expect(shared.spec.unsorted).not.toBe(unsorted);
    expect(Object.keys(shared.spec.unsorted)).toEqual(['a', 'b']);
    expect(shared.spec.withNull).toEqual({ kept: 'yes' });
    expect(withNull).toEqual({ dropped: null, kept: 'yes' });
    expect(Object.keys(shared.spec.withUndefined)).toEqual(['kept']);
    // cdk8s's toJson() returns a fresh object: a caller may change it without changing the construct.
    const copy = object.toJson();
    expect(copy.spec.containers).not.toBe(containers);
    expect(copy.spec.containers[0]).not.toBe(containers[0]);
    copy.spec.containers[0].image = 'changed';
    expect(object.toJson().spec.containers[0].image).toBe('postgres:18');
  });

  test('a token, a Lazy or an empty part inside a part makes it rendered anew, as cdk8s renders it', () => {
    const withToken = { a: 'plain', b: { resolve: () => 'resolved' } };
    const withLazy = [{ name: Lazy.any({ produce: () => 'produced' }) }];
    // Metadata drops what is empty at any depth.
    const withEmpty = { empty: [], kept: 'yes' };
    const props = { apiVersion: 'v1', kind: 'Example', metadata: { annotations: {}, labels: { app: 'db' }, withEmpty }, spec: { withToken, withLazy } };
    const object = new PlainApiObject(new Chart(new App(), 'chart'), 'Example', props);
    const shared = renderedManifest(object);
    expect(shared.metadata.withEmpty).toEqual({ kept: 'yes' });
    expect(shared.spec.withToken).toEqual({ a: 'plain', b: 'resolved' });
    expect(shared.spec.withLazy).toEqual([{ name: 'produced' }]);
    expect(shared.spec.withLazy).not.toBe(withLazy);
    expect(JSON.stringify(shared)).toBe(cdk8sRendering(object));
  });

  test('what JSON.stringify or the YAML writer would read besides the keys (toJSON, a string tag, an own iterator, a __proto__ key) makes a part rendered anew', () => {
    const inheritedToJson = Object.assign(Object.create({ toJSON: () => 'inherited' }), { a: '1' });
    const hiddenToJson = Object.defineProperty({ a: '1' }, 'toJSON', { value: () => 'hidden' });
    const tagged = { a: '1', [Symbol.toStringTag]: 'Tagged' };
    const iterated = Object.assign(['a'], { [Symbol.iterator]: function* () { yield 'other'; } });
    // As JSON.parse and js-yaml's load make it: an own key, which cdk8s's copy turns into the prototype.
    const protoKey = JSON.parse('{"__proto__": {"a": "1"}, "b": "2"}');
    const chart = new Chart(new App(), 'chart');
    // One object each: a copy with another prototype (protoKey's) sends its whole object to
    // js-yaml, which would not see an own iterator.
    for (const [id, part] of Object.entries({ hiddenToJson, inheritedToJson, iterated, protoKey, tagged })) {
      const object = new PlainApiObject(chart, id, { apiVersion: 'v1', kind: 'Example', spec: { part } });
      const shared = renderedManifest(object);
      expect([id, JSON.stringify(shared), blockYaml(shared)]).toEqual([id, cdk8sRendering(object), blockYaml(ApiObject.prototype.toJson.call(object))]);
    }
    // Not vacuous: each of them renders otherwise when it is itself in the manifest.
    expect(JSON.stringify(hiddenToJson) + JSON.stringify(inheritedToJson) + JSON.stringify(protoKey)).toBe('"hidden""inherited"{"__proto__":{"a":"1"},"b":"2"}');
    expect(blockYaml({ iterated })).toBe('iterated:\n  - other\n');
    expect(() => blockYaml({ tagged })).toThrow(/unacceptable kind of an object to dump \[object Tagged\]/);
  });

  test('metadata a construct adds after rendering (labels, annotations, finalizers, owners) leaves what was rendered as it was', () => {
    const object = new PlainApiObject(new Chart(new App(), 'chart'), 'Example', {
      apiVersion: 'v1',
      kind: 'Example',
      metadata: { annotations: { a: '1' }, finalizers: ['first'], labels: { app: 'db' }, ownerReferences: [{ apiVersion: 'v1', kind: 'Owner', name: 'one', uid: '1' }] },
    });
    const rendered = renderedManifest(object);
    const before = JSON.stringify(rendered);
    object.metadata.addLabel('added', 'later');
    object.metadata.addAnnotation('b', '2');
    object.metadata.addFinalizers('second');
    object.metadata.addOwnerReference({ apiVersion: 'v1', kind: 'Owner', name: 'two', uid: '2' });
    expect(JSON.stringify(rendered)).toBe(before);
    // The additions are rendered the next time.
    expect(renderedManifest(object).metadata).toMatchObject({ annotations: { a: '1', b: '2' }, finalizers: ['first', 'second'], labels: { added: 'later', app: 'db' } });
    expect(renderedManifest(object).metadata.ownerReferences).toHaveLength(2);
  });
});
