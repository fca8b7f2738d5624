import { IConstruct } from 'constructs';

/** What checks constructs' invariants: the guardrails, once they are loaded (src/guardrails/guardrails.ts). */
export interface InvariantCheck {
  /** Called once at the start of each validation pass of a tree (cdk8s validates from its root down). */
  begin(root: IConstruct): void;
  /** The errors a construct reports. */
  errorsOf(construct: IConstruct): string[];
}

let check: InvariantCheck | undefined;
const registered = new WeakSet<IConstruct>();
const roots = new WeakSet<IConstruct>();

/** Installs the check every construct's validation runs; the guardrails do, when they are imported. */
export function installInvariantCheck(invariants: InvariantCheck): void {
  check = invariants;
}

/**
 * The check, loading the guardrails on first use: an app that imports a construct's module alone
 * still validates against them, never silently against nothing. (The one import that goes up
 * the layers, and only at validation time, when every module is loaded.)
 */
function invariantCheck(): InvariantCheck {
  if (check === undefined) require('./guardrails/guardrails');
  return check!;
}

/**
 * Registers the guardrails as invariants of a construct: cdk8s's `App.synth()` validates every
 * construct and fails with what they report. Constructs depend on this small module only, never
 * on the rules, which depend on the constructs' facts.
 */
export function addInvariants(construct: IConstruct): void {
  if (registered.has(construct)) return;
  const root = construct.node.root;
  if (!roots.has(root)) {
    roots.add(root);
    // The root validates first, so each pass starts afresh: a suppression added between two synths counts.
    root.node.addValidation({ validate: () => { invariantCheck().begin(root); return []; } });
  }
  registered.add(construct);
  construct.node.addValidation({ validate: () => invariantCheck().errorsOf(construct) });
}

/** The nearest construct at or above this one with invariants: the one that reports what is wrong in it. */
export function invariantOwner(construct: IConstruct): IConstruct | undefined {
  return [...construct.node.scopes].reverse().find((scope) => registered.has(scope));
}
