import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { EnvironmentName } from '../config/types';
import { addInvariants, installInvariantCheck, invariantOwner } from '../invariants';
import { ConfigPrefixOf, evaluateGuardrails, formatViolation, GuardrailReport, Violation } from './engine';
import { renderedObjects, reviewObjects, ReviewedObject } from './reviewed-objects';
import { annotateSuppressions, suppressionsIn } from './suppressions';

/** A scope whose objects the guardrails of a binding see, and where its config fields are. */
export interface GuardrailScope {
  readonly scope: IConstruct;
  /**
   * Prefix of the config fields of its objects, e.g. `databases[2].`.
   * @default ''
   */
  readonly configPrefix?: string;
}

export interface GuardrailOptions {
  /**
   * Whose pack applies: the severities and thresholds of `src/guardrails/packs.ts`.
   * @default 'production'
   */
  readonly environment?: EnvironmentName;
  /**
   * Prefix of the config fields of the scope's own objects, e.g. `databases[2].`.
   * @default ''
   */
  readonly configPrefix?: string;
  /**
   * Further scopes of the same environment whose objects the rules see and check with the
   * scope's, so a rule over two objects (a migration Job and its Cluster) finds both.
   * @default - none
   */
  readonly with?: readonly GuardrailScope[];
  /**
   * Whether findings name the config file and field (`src/config/<environment>.ts: backup.schedule`);
   * an app that builds constructs in code has none.
   * @default false
   */
  readonly configFields?: boolean;
  /**
   * Where a database's fields begin in another environment's config file, for findings about it.
   * @default - nowhere
   */
  readonly configPrefixOf?: ConfigPrefixOf;
  /**
   * The form of an object that runs now (the committed tree), for rules that compare with it
   * (CLU002: volumes never shrink).
   * @default - nothing runs yet: such rules find nothing
   */
  readonly deployed?: (object: ReviewedObject) => unknown;
}

interface Binding {
  readonly scopes: readonly GuardrailScope[];
  readonly environment: EnvironmentName;
  readonly configFields: boolean;
  readonly configPrefixOf?: ConfigPrefixOf;
  readonly deployed?: (object: ReviewedObject) => unknown;
}

/** The objects a binding reviewed and what the guardrails found in them. */
export interface GuardrailEvaluation {
  readonly environment: EnvironmentName;
  readonly report: GuardrailReport;
  /** The rendered and synthetic objects of each scope, rendered once for the guardrails and reusable for writing. */
  readonly objects: ReadonlyMap<IConstruct, readonly ReviewedObject[]>;
}

const bindings = new WeakMap<IConstruct, Binding>();
/** Production's pack over a chart nothing was applied to. */
const defaults = new WeakMap<IConstruct, Binding>();

/** Evaluations of the current validation pass: all of a tree's constructs validate in one pass of `App.synth()`. */
let recent = new WeakMap<Binding, Evaluated>();

interface Evaluated {
  readonly evaluation: GuardrailEvaluation;
  /** Each violation with the construct that reports it: the nearest construct with invariants above its object. */
  readonly violationsOf: Map<Violation, IConstruct>;
}

function evaluate(binding: Binding): Evaluated {
  const suppressions = binding.scopes.flatMap(({ scope }) => suppressionsIn(scope));
  annotateSuppressions(suppressions);
  const objects = new Map(binding.scopes.map(({ scope, configPrefix }) => [scope, [...renderedObjects(scope, configPrefix), ...reviewObjects(scope, configPrefix)]] as const));
  const all = [...objects.values()].flat();
  const report = evaluateGuardrails([{ environment: binding.environment, objects: all, suppressions, configPrefixOf: binding.configPrefixOf, deployed: binding.deployed }]);
  const byPath = new Map(all.map((object) => [object.path, object.construct]));
  const violationsOf = new Map(report.violations.map((violation) => [violation, byPath.get(violation.path) ?? binding.scopes[0].scope]));
  const result = { evaluation: { environment: binding.environment, report, objects }, violationsOf };
  recent.set(binding, result);
  return result;
}

/** The binding over a construct: the nearest scope the guardrails were applied to, else its chart with production's pack. */
function bindingOf(construct: IConstruct): { binding: Binding; explicit: boolean } {
  for (const scope of [...construct.node.scopes].reverse()) {
    const binding = bindings.get(scope);
    if (binding) return { binding, explicit: true };
  }
  const chart = construct.node.scopes.find((scope) => Chart.isChart(scope)) ?? construct.node.root;
  let fallback = defaults.get(chart);
  if (!fallback) {
    fallback = { scopes: [{ scope: chart }], environment: 'production', configFields: false };
    defaults.set(chart, fallback);
  }
  return { binding: fallback, explicit: false };
}

/** The error lines of a binding's objects, or of those `within` reports (it is their nearest construct with invariants). */
function errorsWithin(binding: Binding, within?: IConstruct): string[] {
  const { violationsOf } = recent.get(binding) ?? evaluate(binding);
  return [...violationsOf]
    .filter(([violation, construct]) => violation.severity === 'error' && (within === undefined || invariantOwner(construct) === within))
    .map(([violation]) => formatViolation(violation, { configFields: binding.configFields }));
}

/**
 * The guardrails as construct invariants. Every construct of this library registers them
 * (`addInvariants`), so a plain cdk8s `App.synth()` fails on an error of production's pack with
 * the same rule ids, messages and documentation links as the project's own pipeline, which runs
 * the same evaluation (`Guardrails.evaluate`). `apply` chooses another environment's pack for a
 * scope and lets rules see further scopes; suppressions (`suppressGuardrail`) keep their reasons
 * as annotations on the objects they cover.
 */
export class Guardrails {
  /** Applies an environment's pack to a scope: its constructs are validated against it, and the scope reports what lies outside them. */
  public static apply(scope: IConstruct, options: GuardrailOptions = {}): void {
    const binding: Binding = {
      scopes: [{ scope, configPrefix: options.configPrefix }, ...(options.with ?? [])],
      environment: options.environment ?? 'production',
      configFields: options.configFields ?? false,
      configPrefixOf: options.configPrefixOf,
      deployed: options.deployed,
    };
    bindings.set(scope, binding);
    for (const { scope: extra } of options.with ?? []) bindings.set(extra, binding);
    addInvariants(scope);
  }

  /** Evaluates, afresh, every binding below a root: the guardrails' report and the objects each scope rendered. */
  public static evaluate(root: IConstruct): GuardrailEvaluation[] {
    const found = new Set<Binding>();
    for (const construct of root.node.findAll()) {
      const binding = bindings.get(construct);
      if (binding) found.add(binding);
    }
    return [...found].map((binding) => evaluate(binding).evaluation);
  }

  /** The error lines a construct reports as its invariants: those of its own objects, or, for a scope the guardrails were applied to, all of its binding's. */
  public static errorsOf(construct: IConstruct): string[] {
    const explicit = bindings.get(construct);
    if (explicit && explicit.scopes[0].scope === construct) return errorsWithin(explicit);
    const { binding, explicit: applied } = bindingOf(construct);
    // Under an applied scope, the scope reports; a construct alone reports its own objects.
    return applied ? [] : errorsWithin(binding, construct);
  }
}

installInvariantCheck({
  begin: () => { recent = new WeakMap(); },
  errorsOf: (construct) => Guardrails.errorsOf(construct),
});
