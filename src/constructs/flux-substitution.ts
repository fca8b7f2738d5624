import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * Marks every object below `scope` so Flux post-build substitution never rewrites it, when the
 * user content it carries (SQL, assertions) contains `${`; FLX001 checks the rendered objects.
 */
export function protectFromSubstitution(scope: IConstruct, userContent: readonly string[]): void {
  if (!userContent.some((content) => content.includes('${'))) return;
  for (const construct of scope.node.findAll()) {
    if (construct instanceof ApiObject) construct.metadata.addAnnotation('kustomize.toolkit.fluxcd.io/substitute', 'disabled');
  }
}
