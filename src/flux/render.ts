import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { RenderedObject } from '../guardrails/rule';
import { fileOf } from './placement';

/** A rendered object together with the construct it came from and its file. */
export interface PlacedObject extends RenderedObject {
  readonly apiObject: ApiObject;
  readonly file: string;
}

/** Renders every ApiObject below a scope once, in construct order. */
export function renderObjects(scope: IConstruct): PlacedObject[] {
  return scope.node.findAll()
    .filter((construct): construct is ApiObject => construct instanceof ApiObject)
    .map((apiObject) => {
      const manifest = apiObject.toJson();
      return {
        kind: manifest.kind,
        name: manifest.metadata?.name,
        manifest,
        path: apiObject.node.path,
        apiObject,
        file: fileOf(apiObject),
      };
    });
}
