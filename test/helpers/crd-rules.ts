import { parse } from '@marcbachmann/cel-js';

/**
 * What the API server does with a custom resource beyond its OpenAPI schema, for objects that
 * never reach one here: it applies the schema's defaults, then evaluates the CEL rules
 * (`x-kubernetes-validations`) with the CEL engine the admission tests use.
 *
 * The rules of these CRDs need CEL's standard macros and functions only (`has`, `exists`,
 * `size`, `startsWith`), which Kubernetes includes; none needs a Kubernetes library function,
 * so none is registered: a rule calling one fails with "no matching overload" instead of
 * passing. Kubernetes semantics kept: a rule is bound (`self`) to the value at its place in the
 * schema, once per list item and map value, and only where that value is present; null-valued
 * fields count as absent; integer fields are CEL ints; a rule reading `oldSelf` is a transition
 * rule, evaluated only where an old value exists (an update). List items are not correlated
 * with old ones (Kubernetes does so for map-type lists only; no transition rule of these CRDs
 * sits below a list).
 */

interface ValidationRule {
  rule: string;
  message?: string;
  reason?: string;
  fieldPath?: string;
  messageExpression?: string;
  optionalOldSelf?: boolean;
}

interface CompiledRule {
  evaluate: (context: Record<string, unknown>) => unknown;
  transition: boolean;
}

const compiledRules = new Map<string, CompiledRule>();

function compile(rule: ValidationRule): CompiledRule {
  if (rule.messageExpression !== undefined || rule.optionalOldSelf !== undefined) {
    throw new Error(`CEL rule ${JSON.stringify(rule.rule)}: messageExpression and optionalOldSelf are not implemented here`);
  }
  let compiled = compiledRules.get(rule.rule);
  if (!compiled) {
    const program = parse(rule.rule);
    compiled = { evaluate: program, transition: readsOldSelf(program.ast) };
    compiledRules.set(rule.rule, compiled);
  }
  return compiled;
}

/** Whether a parsed CEL expression refers to the variable `oldSelf`. */
function readsOldSelf(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(readsOldSelf);
  if (node === null || typeof node !== 'object') return false;
  const { op, args } = node as { op?: string; args?: unknown };
  return (op === 'id' && args === 'oldSelf') || readsOldSelf(args);
}

/** The functions a rule calls, e.g. `has`, `size` (for the test that each is a standard CEL function). */
export function celFunctions(rule: string): string[] {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const { op, args } = node as { op?: string; args?: unknown[] };
    if ((op === 'call' || op === 'rcall') && Array.isArray(args)) names.add(String(args[0]));
    visit(args);
  };
  visit(parse(rule).ast);
  return [...names].sort();
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A copy of `value` with the schema's defaults filled in where a field is absent, as the API server decodes a request. */
export function withDefaults(schema: any, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => withDefaults(schema?.items, item));
  if (!isObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(schema?.properties ?? {}) as [string, any][]) {
    if (child.default !== undefined && (value[name] === undefined || (value[name] === null && !child.nullable))) {
      copy[name] = JSON.parse(JSON.stringify(child.default));
    }
  }
  for (const [name, child] of Object.entries(value)) {
    if (copy[name] !== undefined) continue;
    copy[name] = withDefaults(schema?.properties?.[name] ?? (isObject(schema?.additionalProperties) ? schema.additionalProperties : undefined), child);
  }
  return copy;
}

/** A value as CEL sees it under its schema: integers as CEL ints, null fields absent. */
function celValue(schema: any, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => celValue(schema?.items, item));
  if (typeof value === 'number' && Number.isInteger(value) && (schema?.type === 'integer' || schema?.['x-kubernetes-int-or-string'])) return BigInt(value);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, child]) => child !== null)
    .map(([name, child]) => [name, celValue(schema?.properties?.[name] ?? schema?.additionalProperties, child)]));
}

/** `.serverName` or `['a.b']` (a rule's fieldPath) as JSON-pointer segments. */
const fieldPathPointer = (fieldPath: string) => fieldPath.replace(/\['([^']*)'\]|\.([^.[]+)/g, (_match, quoted, plain) => `/${quoted ?? plain}`);

/**
 * The CEL rules `value` (and, for transition rules, `old`) breaks, each as
 * `<JSON pointer> <message> {"rule": ...}`, like the schema errors beside them.
 */
export function ruleViolations(schema: any, value: unknown, old?: unknown, pointer = ''): string[] {
  if (value === undefined || value === null || schema === undefined) return [];
  const violations: string[] = [];
  for (const rule of (schema['x-kubernetes-validations'] ?? []) as ValidationRule[]) {
    const compiled = compile(rule);
    if (compiled.transition && (old === undefined || old === null)) continue;
    const where = pointer + fieldPathPointer(rule.fieldPath ?? '');
    const facts = JSON.stringify({ rule: rule.rule, ...(rule.reason && { reason: rule.reason }) });
    try {
      const context = { self: celValue(schema, value), ...(compiled.transition && { oldSelf: celValue(schema, old) }) };
      if (compiled.evaluate(context) !== true) violations.push(`${where} ${rule.message ?? `failed rule: ${rule.rule}`} ${facts}`);
    } catch (error) {
      // The API server rejects an object whose rule cannot be evaluated (e.g. "no such key").
      violations.push(`${where} rule could not be evaluated: ${(error as Error).message.split('\n')[0]} ${facts}`);
    }
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => violations.push(...ruleViolations(schema.items, item, undefined, `${pointer}/${index}`)));
  } else if (isObject(value)) {
    const oldObject = isObject(old) ? old : {};
    for (const [name, child] of Object.entries(value)) {
      const childSchema = schema.properties?.[name] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      violations.push(...ruleViolations(childSchema, child, oldObject[name], `${pointer}/${name}`));
    }
  }
  return violations;
}
