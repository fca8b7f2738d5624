import { SourcePosition } from '../config/locate';
import { EnvironmentName } from '../config/types';
import { MIGRATIONS_FILE } from '../config/validate';

/** One Kubernetes object as it will be written to the Flux tree. */
export interface RenderedObject {
  readonly kind: string;
  readonly name: string;
  /**
   * The object exactly as rendered (after escape-hatch overrides). It holds parts of the props its
   * construct was given, not copies (src/constructs/plain-api-object.ts): read it, never change it.
   */
  readonly manifest: any;
  /** Construct path of the object, e.g. `production/Cluster/Resource`. */
  readonly path: string;
}

/** What a rule sees besides the object it checks. */
export interface RuleContext {
  readonly environment: EnvironmentName;
  /** Every object rendered for this environment. */
  readonly objects: readonly RenderedObject[];
  /** Per-environment thresholds from the pack. */
  readonly parameters: PackParameters;
  /** Finds an object of this environment by kind and name. */
  find(kind: string, name: string): RenderedObject | undefined;
  /** The objects of this environment of one kind, in construct order. */
  ofKind(kind: string): readonly RenderedObject[];
  /**
   * The object as the committed Flux tree holds it: what Flux applied to the cluster, e.g. the
   * volume sizes a Cluster was created with. Undefined for a new object, or when synthesis reads
   * no committed tree.
   */
  deployed(object: RenderedObject): any;
}

/** Thresholds that differ per environment, set in `packs.ts`. */
export interface PackParameters {
  /** Shortest retention window allowed, in days. */
  readonly minimumRetentionDays: number;
  /** Longest gap between two scheduled backups, in hours. */
  readonly maximumBackupIntervalHours: number;
  /** Shortest gap between two scheduled backups, in hours: each run is a full base backup. */
  readonly minimumBackupIntervalHours: number;
  /** Fewest PostgreSQL instances allowed. */
  readonly minimumInstances: number;
}

/** A non-compliance found by a rule. An empty list of findings means compliant. */
export interface Finding {
  /** What is wrong, in the user's terms. */
  readonly message: string;
  /** The offending value, printed as `got <value>`. */
  readonly value: unknown;
  /**
   * The environment config field to change, when more precise than the rule's.
   * @default - the rule's configField
   */
  readonly configField?: string;
  /**
   * The config file that holds the field.
   * @default - the environment's config file
   */
  readonly configFile?: string;
  /**
   * The field belongs to a database of another environment: the one of this cluster there (MIG006
   * points at the clone's validation records).
   * @default - the object's own environment and database
   */
  readonly configIn?: { readonly environment: EnvironmentName; readonly cluster: string };
  /**
   * Where the problem is written when that is not the config field, e.g. a statement of a
   * migration's SQL (CI annotates this line).
   * @default - the config field
   */
  readonly source?: SourcePosition;
}

/** Points a finding at a field of one migration in the migration catalog. */
export function catalogField(migrationId: string, field: string): Pick<Finding, 'configField' | 'configFile'> {
  return { configFile: MIGRATIONS_FILE, configField: `${migrationId}.${field}` };
}

/**
 * The same rule at admission time: a ValidatingAdmissionPolicy in CEL over one object, for
 * rules that need nothing but that object. Rules that need other objects (a Backup's freshness)
 * are enforced by the Flux ordering and the migration Job's own gate instead.
 */
export interface AdmissionForm {
  /** What the policy intercepts. */
  readonly resources: readonly {
    readonly apiGroup: string;
    readonly resource: string;
    readonly operations: readonly ('CREATE' | 'UPDATE' | 'DELETE')[];
  }[];
  /**
   * CEL conditions that select the objects the rule is about (e.g. only labelled migration Jobs).
   * @default - every intercepted object
   */
  readonly matchConditions?: readonly { readonly name: string; readonly expression: string }[];
  /** CEL expressions over `object` (and `oldObject` on UPDATE/DELETE); each must be true. */
  readonly validations: readonly { readonly expression: string; readonly message: string }[];
}

/**
 * A guardrail: stable metadata plus a pure check of one rendered object.
 * Severity is not part of the rule; packs bind rules to environments.
 */
export interface Guardrail {
  /** Stable id such as `BKP003`; never reused for another rule. */
  readonly id: string;
  readonly title: string;
  /** Why the rule exists. */
  readonly explanation: string;
  /** What to change, naming the config field. */
  readonly fix: string;
  /** The environment config field the rule is about, e.g. `backup.schedule`. */
  readonly configField: string;
  /** Kinds of rendered objects the rule checks (`*`: all of them); others are not applicable. */
  readonly kinds: readonly string[];
  check(object: RenderedObject, context: RuleContext): readonly Finding[];
  /**
   * The rule's CEL form, enforced again when anyone applies an object to the cluster.
   * @default - synthesis only
   */
  admission?(parameters: PackParameters): AdmissionForm;
}

/** Docs page of a rule, relative to the repository root. */
export function docsPage(id: string): string {
  return `docs/guardrails/${id}.md`;
}
