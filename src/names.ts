/**
 * Annotations that controllers read, shared by the constructs, the guardrails, the plan and the
 * runbooks, so each is spelt in one place.
 * @see https://fluxcd.io/flux/components/kustomize/kustomizations/#controlling-the-apply-behavior-of-resources
 */

/**
 * Flux never deletes the object when it leaves Git (or its Kustomization is deleted): what a
 * running database needs (its Cluster, archive, credentials, backups, alerts) is removed only by
 * a deliberate `kubectl delete`.
 */
export const FLUX_KEEP_WHEN_REMOVED = { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } as const;

/**
 * Flux applies the object only while it is absent: a migration Job is never patched or
 * re-created by a change elsewhere in Git (an image bump, a re-clone), so it runs once.
 */
export const FLUX_APPLY_ONCE = { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' } as const;
