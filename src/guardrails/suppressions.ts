import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';

const SUPPRESSION_METADATA = 'cnpg-gitops:suppression';

/** Annotation listing the guardrails suppressed for a rendered object, with their reasons. */
export const SUPPRESSIONS_ANNOTATION = 'guardrails.cnpg-gitops.io/suppressed';

export interface GuardrailSuppression {
  /** The guardrail id, e.g. `BKP004`. */
  readonly id: string;
  /** Why the rule does not apply here (at least 10 characters). */
  readonly reason: string;
}

/** A suppression together with the construct subtree it covers. */
export interface ScopedSuppression extends GuardrailSuppression {
  readonly scope: IConstruct;
}

/**
 * Silences a guardrail for a construct and everything below it. The suppression is checked
 * (known id, real reason, allowed in this environment) and written as an annotation on every
 * object of the subtree, so the decision stays visible in Git.
 */
export function suppressGuardrail(scope: IConstruct, suppression: GuardrailSuppression): void {
  scope.node.addMetadata(SUPPRESSION_METADATA, { id: suppression.id, reason: suppression.reason });
}

/** Every suppression declared in a tree. */
export function suppressionsIn(root: IConstruct): ScopedSuppression[] {
  return root.node.findAll().flatMap((scope) => scope.node.metadata
    .filter((entry) => entry.type === SUPPRESSION_METADATA)
    .map((entry) => ({ ...(entry.data as GuardrailSuppression), scope })));
}

/** Whether a suppression's subtree contains a construct. */
export function covers(suppression: ScopedSuppression, construct: IConstruct): boolean {
  return construct.node.scopes.includes(suppression.scope);
}

/** Writes the audit annotation on every object a suppression covers. */
export function annotateSuppressions(suppressions: readonly ScopedSuppression[]): void {
  const byObject = new Map<ApiObject, string[]>();
  for (const suppression of suppressions) {
    for (const construct of suppression.scope.node.findAll()) {
      if (!(construct instanceof ApiObject)) continue;
      byObject.set(construct, [...(byObject.get(construct) ?? []), `${suppression.id}: ${suppression.reason}`]);
    }
  }
  for (const [apiObject, entries] of byObject) {
    apiObject.metadata.addAnnotation(SUPPRESSIONS_ANNOTATION, [...entries].sort().join('; '));
  }
}
