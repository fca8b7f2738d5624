import { SourcePosition } from '../config/locate';
import { EnvironmentName } from '../config/types';
import { ReviewedObject } from '../flux/render';
import { parametersOf, severityOf, UNSUPPRESSIBLE_IN_PRODUCTION } from './packs';
import { docsPage, Guardrail, RuleContext } from './rule';
import { GUARDRAILS } from './rules';
import { covers, MINIMUM_REASON_LENGTH, ScopedSuppression } from './suppressions';

/** Id under which invalid suppressions are reported. */
export const SUPPRESSION_RULE_ID = 'GRD001';

export interface Violation {
  readonly ruleId: string;
  readonly severity: 'error' | 'warning';
  readonly environment: EnvironmentName;
  /** Construct path of the offending object. */
  readonly path: string;
  /** Config file that holds the field, e.g. `src/config/production.ts`. */
  readonly configFile: string;
  /** Config field to change, e.g. `backup.schedule`. */
  readonly configField: string;
  readonly message: string;
  readonly value: unknown;
  readonly fix: string;
  readonly docs: string;
  /**
   * Where the problem is written when that is not the config field (a statement of a migration's SQL).
   * @default - the config field
   */
  readonly source?: SourcePosition;
}

export interface SuppressedViolation extends Violation {
  readonly reason: string;
}

export interface GuardrailReport {
  /** Violations that count, sorted by rule id and path. */
  readonly violations: readonly Violation[];
  /** Violations a valid suppression silenced. */
  readonly suppressed: readonly SuppressedViolation[];
}

/** The objects of one environment and the suppressions declared over them. */
export interface EnvironmentObjects {
  readonly environment: EnvironmentName;
  readonly objects: readonly ReviewedObject[];
  readonly suppressions: readonly ScopedSuppression[];
  /**
   * The committed form of a rendered object (RuleContext.deployed).
   * @default - nothing is deployed
   */
  readonly deployed?: (object: ReviewedObject) => unknown;
}

const KNOWN_IDS = new Set(GUARDRAILS.map((rule) => rule.id));

/**
 * Runs every guardrail over every rendered object and collects all violations, so the user
 * sees every problem at once. A rule that throws is reported as a violation of that rule.
 */
export function evaluateGuardrails(environments: readonly EnvironmentObjects[], rules: readonly Guardrail[] = GUARDRAILS): GuardrailReport {
  const violations: Violation[] = [];
  const suppressed: SuppressedViolation[] = [];
  for (const { environment, objects, suppressions, deployed } of environments) {
    const valid = suppressions.filter((suppression) => {
      const problem = suppressionProblem(suppression, environment);
      if (problem !== undefined) violations.push(suppressionViolation(suppression, environment, problem));
      return problem === undefined;
    });
    const context = contextFor(environment, objects, deployed);
    for (const object of objects) {
      for (const rule of rules) {
        if (!rule.kinds.includes(object.kind) && !rule.kinds.includes('*')) continue;
        const severity = severityOf(rule.id, environment);
        if (severity === 'off') continue;
        for (const violation of findingsOf(rule, object, context, severity)) {
          const suppression = valid.find((candidate) => candidate.id === rule.id && covers(candidate, object.construct));
          if (suppression) suppressed.push({ ...violation, reason: suppression.reason });
          else violations.push(violation);
        }
      }
    }
  }
  return { violations: sortViolations(violations), suppressed: sortViolations(suppressed) };
}

function findingsOf(rule: Guardrail, object: ReviewedObject, context: RuleContext, severity: 'error' | 'warning'): Violation[] {
  const base = { ruleId: rule.id, severity, environment: context.environment, path: object.path, fix: rule.fix, docs: docsPage(rule.id) };
  try {
    return rule.check(object, context).map((finding) => ({
      ...base,
      configFile: finding.configFile ?? configFile(context.environment),
      configField: finding.configFile === undefined ? `${object.configPrefix ?? ''}${finding.configField ?? rule.configField}` : finding.configField ?? rule.configField,
      message: finding.message,
      value: finding.value,
      ...(finding.source && { source: finding.source }),
    }));
  } catch (error) {
    return [{ ...base, severity: 'error', configFile: configFile(context.environment), configField: rule.configField, message: `rule threw an error while checking ${object.kind} ${object.name}: ${(error as Error).message}`, value: object.name }];
  }
}

function contextFor(environment: EnvironmentName, objects: readonly ReviewedObject[], deployed: EnvironmentObjects['deployed']): RuleContext {
  const byKey = new Map(objects.map((object) => [`${object.kind}/${object.name}`, object]));
  const byKind = new Map<string, ReviewedObject[]>();
  for (const object of objects) {
    if (!byKind.has(object.kind)) byKind.set(object.kind, []);
    byKind.get(object.kind)!.push(object);
  }
  return {
    environment,
    objects,
    parameters: parametersOf(environment),
    find: (kind, name) => byKey.get(`${kind}/${name}`),
    ofKind: (kind) => byKind.get(kind) ?? [],
    deployed: (object) => deployed?.(object as ReviewedObject),
  };
}

function suppressionProblem(suppression: ScopedSuppression, environment: EnvironmentName): string | undefined {
  if (!KNOWN_IDS.has(suppression.id)) return `suppression names unknown guardrail "${suppression.id}"`;
  if (typeof suppression.reason !== 'string' || suppression.reason.trim().length < MINIMUM_REASON_LENGTH) {
    return `suppression of ${suppression.id} needs a reason of at least ${MINIMUM_REASON_LENGTH} characters`;
  }
  if (environment === 'production' && UNSUPPRESSIBLE_IN_PRODUCTION.includes(suppression.id)) {
    return `${suppression.id} cannot be suppressed in production`;
  }
  return undefined;
}

function suppressionViolation(suppression: ScopedSuppression, environment: EnvironmentName, problem: string): Violation {
  return {
    ruleId: SUPPRESSION_RULE_ID,
    severity: 'error',
    environment,
    path: suppression.scope.node.path,
    configFile: configFile(environment),
    configField: 'suppressions',
    message: problem,
    value: { id: suppression.id, reason: suppression.reason },
    fix: `name an existing guardrail id and explain in at least ${MINIMUM_REASON_LENGTH} characters why it does not apply; production never accepts suppressions of ${UNSUPPRESSIBLE_IN_PRODUCTION.join(', ')}`,
    docs: docsPage(SUPPRESSION_RULE_ID),
  };
}

function sortViolations<T extends Violation>(violations: T[]): T[] {
  return violations.sort((a, b) => a.ruleId.localeCompare(b.ruleId) || a.path.localeCompare(b.path) || a.message.localeCompare(b.message));
}

/** Path of an environment's config file, for messages. */
export function configFile(environment: EnvironmentName): string {
  return `src/config/${environment}.ts`;
}

function formatValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** One line per violation: id, severity, where, which config field, what, the value and the fix. */
export function formatViolation(violation: Violation): string {
  return `[${violation.ruleId}] ${violation.severity} ${violation.path} (${violation.configFile}: ${violation.configField}): `
    + `${violation.message} (got ${formatValue(violation.value)}) → fix: ${violation.fix} (${violation.docs})`;
}
