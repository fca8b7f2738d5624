import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';

const FILE_METADATA = 'cnpg-gitops:file';

/**
 * Places every object below `scope` that has no file yet in a named file of its chart's Flux
 * directory: place the parts that go elsewhere first. Objects never placed go to
 * `<kind in kebab case>.yaml`. Nothing to place when `scope` is undefined.
 */
export function placeInFile(scope: IConstruct | undefined, fileName: string): void {
  for (const construct of scope?.node.findAll() ?? []) {
    if (construct instanceof ApiObject && !isPlaced(construct)) construct.node.addMetadata(FILE_METADATA, fileName);
  }
}

function isPlaced(apiObject: ApiObject): boolean {
  return apiObject.node.metadata.some((entry) => entry.type === FILE_METADATA);
}

/** The file an object is rendered into. */
export function fileOf(apiObject: ApiObject): string {
  const placed = apiObject.node.metadata.find((entry) => entry.type === FILE_METADATA);
  if (placed) return placed.data as string;
  return `${apiObject.kind.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}.yaml`;
}
