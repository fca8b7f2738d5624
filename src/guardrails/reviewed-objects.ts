import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { renderedManifest } from '../constructs/plain-api-object';
import { RenderedObject } from './rule';

/** A reviewed object together with the construct it came from (suppressions cover subtrees). */
export interface ReviewedObject extends RenderedObject {
  readonly construct: IConstruct;
  /** The ApiObject it was rendered from; none for a synthetic object such as a migration's analysis. */
  readonly apiObject?: ApiObject;
  /**
   * Where the object's database is in its environment file, e.g. `databases[2].`.
   * @default '' (the environment's own database, or the environment as a whole)
   */
  readonly configPrefix?: string;
}

/** A construct that also submits synthetic objects for review, such as a migration's analysis. */
interface Reviewable extends IConstruct {
  reviewObjects(): readonly { kind: string; name: string; manifest: unknown }[];
}

function isReviewable(construct: IConstruct): construct is Reviewable {
  return typeof (construct as Partial<Reviewable>).reviewObjects === 'function';
}

/**
 * The synthetic objects below a scope that guardrails review but synthesis never writes.
 * @param configPrefix where the scope's database is in its environment file (`databases[2].`)
 */
export function reviewObjects(scope: IConstruct, configPrefix?: string): ReviewedObject[] {
  return scope.node.findAll().filter(isReviewable).flatMap((construct) => construct.reviewObjects().map((object) => ({ ...object, path: construct.node.path, construct, configPrefix })));
}

/**
 * Renders every ApiObject below a scope once, in construct order.
 * @param configPrefix where the scope's database is in its environment file (`databases[2].`)
 */
export function renderedObjects(scope: IConstruct, configPrefix?: string): ReviewedObject[] {
  return scope.node.findAll()
    .filter((construct): construct is ApiObject => construct instanceof ApiObject)
    .map((apiObject) => {
      const manifest = renderedManifest(apiObject);
      return { kind: manifest.kind, name: manifest.metadata?.name, manifest, path: apiObject.node.path, construct: apiObject, apiObject, configPrefix };
    });
}
