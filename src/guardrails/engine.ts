import { SourcePosition } from '../config/locate';
import { EnvironmentName } from '../config/types';
import { credentialsIn, describeCredential, redactCredentials, redactValue } from '../security/credentials';
import { fieldOrigin } from './config-origin';
import { ReviewedObject } from './reviewed-objects';
import { parametersOf, severityOf, UNSUPPRESSIBLE_IN_PRODUCTION } from './packs';
import { docsPage, Finding, Guardrail, RuleContext } from './rule';
import { GUARDRAILS } from './rules';
import { MINIMUM_REASON_LENGTH } from '../values/reason';
import { covers, ScopedSuppression } from './suppressions';

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
   * Where the fields of a cluster's database begin in an environment's config file, e.g.
   * `databases[2].`, for findings about another environment's database.
   * @default - nowhere: such findings name the field alone
   */
  readonly configPrefixOf?: ConfigPrefixOf;
  /**
   * The committed form of a rendered object (RuleContext.deployed).
   * @default - nothing is deployed
   */
  readonly deployed?: (object: ReviewedObject) => unknown;
}

/** Where the fields of a cluster's database begin in an environment's config file. */
export type ConfigPrefixOf = (environment: EnvironmentName, cluster: string) => string | undefined;

const KNOWN_IDS = new Set(GUARDRAILS.map((rule) => rule.id));

/**
 * Runs every guardrail over every rendered object and collects all violations, so the user
 * sees every problem at once. A rule that throws is reported as a violation of that rule.
 */
export function evaluateGuardrails(environments: readonly EnvironmentObjects[], rules: readonly Guardrail[] = GUARDRAILS): GuardrailReport {
  const violations: Violation[] = [];
  const suppressed: SuppressedViolation[] = [];
  for (const { environment, objects, suppressions, configPrefixOf, deployed } of environments) {
    const valid = suppressions.filter((suppression) => {
      const problem = suppressionProblem(suppression, environment);
      if (problem !== undefined) violations.push(suppressionViolation(suppression, environment, problem));
      return problem === undefined;
    });
    const context = contextFor(environment, objects, deployed);
    // The rules that check each kind in this environment, with their severity: once per kind, not per object.
    const active = rules.flatMap((rule) => {
      const severity = severityOf(rule.id, environment);
      return severity === 'off' ? [] : [{ rule, severity }];
    });
    const rulesByKind = new Map<string, typeof active>();
    const rulesOf = (kind: string) => {
      let checking = rulesByKind.get(kind);
      if (checking === undefined) rulesByKind.set(kind, checking = active.filter(({ rule }) => rule.kinds.includes(kind) || rule.kinds.includes('*')));
      return checking;
    };
    for (const object of objects) {
      for (const { rule, severity } of rulesOf(object.kind)) {
        for (const violation of findingsOf(rule, object, context, severity, configPrefixOf)) {
          const suppression = valid.find((candidate) => candidate.id === rule.id && covers(candidate, object.construct));
          if (suppression) suppressed.push({ ...violation, reason: redactCredentials(suppression.reason) });
          else violations.push(violation);
        }
      }
    }
  }
  return { violations: sortViolations(violations), suppressed: sortViolations(suppressed) };
}

/** The config file and field a finding points at. */
function configLocation(finding: Finding, rule: Guardrail, object: ReviewedObject, environment: EnvironmentName, configPrefixOf?: ConfigPrefixOf): Pick<Violation, 'configFile' | 'configField'> {
  const field = finding.configField ?? rule.configField;
  if (finding.configIn) {
    const { environment: other, cluster } = finding.configIn;
    return { configFile: configFile(other), configField: `${configPrefixOf?.(other, cluster) ?? ''}${field}` };
  }
  if (finding.configFile) return { configFile: finding.configFile, configField: field };
  const origin = fieldOrigin(object.construct, field);
  if (origin) {
    return 'environmentField' in origin
      ? { configFile: configFile(environment), configField: origin.environmentField }
      : { configFile: configFile(origin.environment), configField: `${configPrefixOf?.(origin.environment, origin.cluster) ?? ''}${field}` };
  }
  return { configFile: configFile(environment), configField: `${object.configPrefix ?? ''}${field}` };
}

/** A rule's findings as violations, every credential in their messages and values redacted (a rule may quote SQL or a setting). */
function findingsOf(rule: Guardrail, object: ReviewedObject, context: RuleContext, severity: 'error' | 'warning', configPrefixOf?: ConfigPrefixOf): Violation[] {
  const base = () => ({ ruleId: rule.id, severity, environment: context.environment, path: object.path, fix: rule.fix, docs: docsPage(rule.id) });
  try {
    return rule.check(object, context).map((finding) => ({
      ...base(),
      ...configLocation(finding, rule, object, context.environment, configPrefixOf),
      message: redactCredentials(finding.message),
      value: redactValue(finding.value),
      ...(finding.source && { source: finding.source }),
    }));
  } catch (error) {
    return [{ ...base(), severity: 'error', configFile: configFile(context.environment), configField: rule.configField, message: redactCredentials(`rule threw an error while checking ${object.kind} ${object.name}: ${(error as Error).message}`), value: object.name }];
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
  const [credential] = credentialsIn(suppression.reason);
  if (credential !== undefined) return `the reason of the suppression of ${suppression.id} holds ${describeCredential(credential)}; reasons are written into the Flux tree, so into Git`;
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
    message: redactCredentials(problem),
    value: redactValue({ id: suppression.id, reason: suppression.reason }),
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

/**
 * One line per violation: id, severity, where, which config field, what, the value and the fix.
 * Without config fields (an app that builds constructs in code), the construct path says where.
 */
export function formatViolation(violation: Violation, options: { readonly configFields?: boolean } = {}): string {
  const where = options.configFields ?? true ? ` (${violation.configFile}: ${violation.configField})` : '';
  return `[${violation.ruleId}] ${violation.severity} ${violation.path}${where}: `
    + `${violation.message} (got ${formatValue(violation.value)}) → fix: ${violation.fix} (${violation.docs})`;
}
