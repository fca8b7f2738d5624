import fc from 'fast-check';
import * as jsYaml from 'js-yaml';
import { renderEnvironments } from '../../src/synthesize';
import { estate, withBillingDb } from '../helpers/fixtures';

/**
 * src/flux/block-yaml.ts writes what js-yaml's dump() writes with the options the Flux tree is
 * written with, byte for byte: on every manifest the shipped estate renders (with and without the
 * billing database), and on generated values whose strings are made of what decides a scalar's
 * style (indicators, `: ` and ` #`, look-alikes of null, booleans, numbers, timestamps and YAML
 * 1.1 values, line breaks, leading and trailing spaces, tabs, unprintable and astral characters,
 * lone surrogates). What it leaves to js-yaml (other numbers, undefined, dates) is js-yaml's too.
 */
const SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 2_147_483_647);
// eslint-disable-next-line no-console
console.log(`block-yaml property seed ${SEED}; repeat with PROPERTY_SEED=${SEED}`);

const OPTIONS = { lineWidth: -1, noRefs: true, quotingType: '"' } as const;
const jsYamlOf = (value: unknown) => jsYaml.dump(value, OPTIONS);

// block-yaml's own calls of dump() are counted: what it writes itself must not come from js-yaml.
const leftToJsYaml = jest.fn(jsYaml.dump);
let blockYaml: typeof import('../../src/flux/block-yaml').blockYaml;
jest.isolateModules(() => {
  jest.doMock('js-yaml', () => ({ ...jest.requireActual('js-yaml'), dump: leftToJsYaml }));
  ({ blockYaml } = require('../../src/flux/block-yaml'));
});
beforeEach(() => leftToJsYaml.mockClear());

function shippedManifests(): object[] {
  return [estate(), estate(withBillingDb())].flatMap((input) => {
    const outcome = renderEnvironments(input);
    if (outcome.status !== 'rendered') throw new Error(`the shipped estate does not render: ${outcome.status}`);
    return outcome.charts.flatMap((chart) => chart.objects.map((object) => object.manifest as object));
  });
}

test('every manifest of the shipped estate, written without js-yaml, is what js-yaml writes', () => {
  const manifests = shippedManifests();
  expect(manifests.length).toBeGreaterThan(100);
  const written = manifests.map(blockYaml);
  expect(leftToJsYaml).not.toHaveBeenCalled();
  const differing = manifests.map((manifest, index) => ({ index, ours: written[index], jsYaml: jsYamlOf(manifest) })).filter((pair) => pair.ours !== pair.jsYaml);
  expect(differing.slice(0, 1)).toEqual([]);
});

/** Pieces that decide a scalar's style, joined at random. */
const FRAGMENTS = [
  'a', 'Z', '0', '9', '_', '.', '/', '-', ' ', '  ', ':', ': ', ' :', '#', ' #', '?', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '=', '%', '@', '`',
  "'", '"', '\\', '\n', '\n\n', '\r', '\t', '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u00a0', '\u00e9', '\u2028', '\u2029', '\ufeff', '\ufffe',
  '\ud83d\ude00', '\ud800', '\udc00', 'true', 'False', 'NULL', 'null', '~', 'yes', 'On', 'n', 'Y', '0x1F', '0o17', '0b101', '+12', '-3', '1_000', '1e3', '.5',
  '-.inf', '.NaN', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '<<', '1:20', '-1:30.5', 'SELECT 1;', '${VAR}', 'http://x.example/a?b=c#d',
];
const scalarText = fc.oneof(
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 6 }).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const dataLeaf = fc.oneof(
  { weight: 6, arbitrary: scalarText },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constant(null) },
);
/** What block-yaml leaves to js-yaml: other numbers, undefined, a date, keys js-yaml writes as explicit pairs. */
const otherLeaf = fc.constantFrom(-0, 0.5, 1e21, Number.NaN, Number.POSITIVE_INFINITY, undefined, 2 ** 53, new Date(0));
const longKey = fc.constantFrom('x'.repeat(1030), `${'y'.repeat(1020)}\n\t`);

function values(leaf: fc.Arbitrary<unknown>, key: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  return fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 4 }),
    object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  })).value;
}

function assertAsJsYaml(generated: fc.Arbitrary<unknown>, fixedRuns: number): void {
  const property = fc.property(generated, (value) => {
    expect(blockYaml(value as object)).toBe(jsYamlOf(value));
  });
  fc.assert(property, { numRuns: fixedRuns, seed: 20261124 });
  fc.assert(property, { numRuns: fixedRuns / 2, seed: SEED });
}

test('generated data: written as js-yaml writes it, whatever its strings hold, without js-yaml', () => {
  assertAsJsYaml(values(dataLeaf, scalarText), 2000);
  expect(leftToJsYaml).not.toHaveBeenCalled();
});

test('generated values with what block-yaml leaves to js-yaml: js-yaml\'s output still', () => {
  assertAsJsYaml(values(fc.oneof(dataLeaf, otherLeaf), fc.oneof({ weight: 4, arbitrary: scalarText }, { weight: 1, arbitrary: longKey })), 600);
  expect(leftToJsYaml).toHaveBeenCalled();
});

test('the string styles one by one', () => {
  const cases = ['', 'plain', 'true', 'yes', '1:20', '0x1F', 'a: b', 'a#b', 'a #b', '-a', ' a', 'a ', 'a\tb', 'é', '😀', 'line\nline', 'line\n', 'line\n\n', ' indented\nline', '\n', 'a\r\nb', '\u0085'];
  for (const text of cases) {
    expect({ text, ours: blockYaml({ key: text, list: [text], nested: { [text]: text } }) }).toEqual({ text, ours: jsYamlOf({ key: text, list: [text], nested: { [text]: text } }) });
  }
});

test('js-yaml still resolves plain strings by the six implicit types whose first characters block-yaml knows', () => {
  // block-yaml asks these types only of strings starting with one of - + . ~ < 0-9 n N t T f F.
  const implicit = (jsYaml.DEFAULT_SCHEMA as unknown as { compiledImplicit: { tag: string }[] }).compiledImplicit.map((type) => type.tag);
  expect(implicit).toEqual(['null', 'bool', 'int', 'float', 'timestamp', 'merge'].map((name) => `tag:yaml.org,2002:${name}`));
});

test('an object whose Object.prototype.toString tag is not [object Object] is written (or refused) as js-yaml does', () => {
  // js-yaml picks a value's kind by Object.prototype.toString, not by its prototype: an ES module
  // namespace (null prototype, tag "Module") is refused, a tag of "Boolean" reads as a boolean.
  const moduleLike = Object.assign(Object.create(null), { a: 1, [Symbol.toStringTag]: 'Module' });
  expect(() => jsYamlOf(moduleLike)).toThrow('unacceptable kind of an object to dump [object Module]');
  expect(() => blockYaml(moduleLike)).toThrow('unacceptable kind of an object to dump [object Module]');
  const booleanLike = { [Symbol.toStringTag]: 'Boolean' };
  expect(blockYaml(booleanLike)).toBe(jsYamlOf(booleanLike));
});
