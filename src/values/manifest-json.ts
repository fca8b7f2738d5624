/** Manifests are stringified by several readers (a guardrail, the tree writer): once each. */
const json = new WeakMap<object, string>();

/** `JSON.stringify(manifest)`, computed once per rendered manifest (which is never changed after rendering). */
export function manifestJson(manifest: object): string {
  let text = json.get(manifest);
  if (text === undefined) {
    text = JSON.stringify(manifest);
    json.set(manifest, text);
  }
  return text;
}
