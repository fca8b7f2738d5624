import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ruleViolations, withDefaults } from './crd-rules';
import { goPatternToJs } from './go-regex';

/** The upstream CRD schemas, committed without prose; `npm run import:local` regenerates them. */
export const SCHEMAS_DIR = join(__dirname, '../../schemas');

/** One committed schema file: a CRD's served versions and where it came from. */
export interface CrdSchemaFile {
  provenance: { release: string; source: string; sha256: string; repository?: string; path?: string; tag?: string; commit?: string; license?: string };
  group: string;
  kind: string;
  versions: Record<string, any>;
}

/** Every committed schema file, by its path below `SCHEMAS_DIR`. */
export function committedSchemas(): Map<string, CrdSchemaFile> {
  const files = new Map<string, CrdSchemaFile>();
  for (const release of readdirSync(SCHEMAS_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    for (const name of readdirSync(join(SCHEMAS_DIR, release.name)).filter((file) => file.endsWith('.json'))) {
      files.set(`${release.name}/${name}`, JSON.parse(readFileSync(join(SCHEMAS_DIR, release.name, name), 'utf8')));
    }
  }
  return files;
}

/**
 * Makes a CRD's structural schema strict the way `kubectl apply --validate=strict` is: an
 * object with declared properties rejects fields it does not declare (Kubernetes would
 * silently prune them, so a typo would vanish instead of failing). Int-or-string fields
 * accept both; Go patterns become JavaScript ones.
 */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: any = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' || key === 'patternProperties') {
      copy[key] = Object.fromEntries(Object.entries(value as object).map(([name, child]) => [name, strict(child)]));
    } else if (key === 'pattern' && typeof value === 'string') {
      copy[key] = goPatternToJs(value);
    } else {
      copy[key] = strict(value);
    }
  }
  if (copy['x-kubernetes-int-or-string'] === true) {
    delete copy.type;
    copy.anyOf ??= [{ type: 'integer' }, { type: 'string' }];
  }
  if (copy.properties && copy.additionalProperties === undefined && copy['x-kubernetes-preserve-unknown-fields'] !== true) {
    copy.additionalProperties = false;
  }
  return copy;
}

/** A kind's schema, and its strict validator compiled on first use (the Cluster and Pooler schemas are large). */
export interface CrdValidator {
  schema: any;
  validate: () => ValidateFunction;
}

export type CrdValidators = Map<string, CrdValidator>;

/** Validators for every served version of every committed CRD schema, keyed `apiVersion/kind`. */
export function loadCrdValidators(): CrdValidators {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validators: CrdValidators = new Map();
  for (const crd of committedSchemas().values()) {
    for (const [version, schema] of Object.entries(crd.versions)) {
      const structural = strict(schema);
      // metadata is validated by the API server, not by the CRD schema.
      structural.properties.metadata = { type: 'object' };
      let compiled: ValidateFunction | undefined;
      validators.set(`${crd.group}/${version}/${crd.kind}`, { schema, validate: () => (compiled ??= ajv.compile(structural)) });
    }
  }
  return validators;
}

/**
 * What the API server would reject in a manifest, after applying the schema's defaults: schema
 * errors (strict about unknown fields) and broken CEL rules. With `old`, the manifest is an
 * update of `old`, so transition rules (immutable fields) are evaluated too.
 */
export function schemaErrors(validators: CrdValidators, manifest: any, old?: any): string[] {
  const crd = validators.get(`${manifest.apiVersion}/${manifest.kind}`);
  if (!crd) return [`no schema for ${manifest.apiVersion} ${manifest.kind}`];
  const name = `${manifest.kind}/${manifest.metadata?.name}`;
  const object = withDefaults(crd.schema, manifest);
  const validate = crd.validate();
  const structural = validate(object) ? [] : (validate.errors ?? []).map((error) => `${name}${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`);
  const rules = ruleViolations(crd.schema, object, old === undefined ? undefined : withDefaults(crd.schema, old));
  return [...structural, ...rules.map((violation) => `${name}${violation}`)];
}

/** Whether a manifest is a built-in Kubernetes kind (validated by `builtInSchemaErrors`). */
export function isBuiltIn(manifest: any): boolean {
  return !String(manifest.apiVersion).includes('.') || String(manifest.apiVersion).includes('.k8s.io/');
}

/**
 * Schema errors of built-in Kubernetes objects, from the upstream OpenAPI schemas compiled into
 * kubernetes-models. These check types, required fields, enums and formats, but (unlike the
 * strict CRD check) do not reject unknown fields.
 */
export function builtInSchemaErrors(manifests: readonly any[]): string[] {
  return manifests.flatMap((manifest) => {
    let model: any;
    try {
      model = require(`kubernetes-models/${manifest.apiVersion}/${manifest.kind}`)[manifest.kind];
    } catch {
      return [`no Kubernetes schema for ${manifest.apiVersion} ${manifest.kind}`];
    }
    try {
      new model(manifest).validate();
      return [];
    } catch (error) {
      return [`${manifest.kind}/${manifest.metadata?.name}: ${(error as Error).message}`];
    }
  });
}
