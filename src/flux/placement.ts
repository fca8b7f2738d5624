import { ApiObject } from 'cdk8s';

const FILE_METADATA = 'cnpg-gitops:file';

/**
 * Places a rendered object in a named file of its chart's Flux directory.
 * Objects without a placement go to `<kind in kebab case>.yaml`.
 */
export function placeInFile(apiObject: ApiObject, fileName: string): void {
  apiObject.node.addMetadata(FILE_METADATA, fileName);
}

/** The file an object is rendered into. */
export function fileOf(apiObject: ApiObject): string {
  const placed = apiObject.node.metadata.find((entry) => entry.type === FILE_METADATA);
  if (placed) return placed.data as string;
  return `${apiObject.kind.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}.yaml`;
}
