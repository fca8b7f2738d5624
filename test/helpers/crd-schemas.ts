import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as YAML from 'yaml';

/** Where the upstream CRD files are: `CNPG_CRDS_DIR`, or `../shared/crds` beside the checkout. */
export const CRDS_DIR = resolve(process.env.CNPG_CRDS_DIR ?? join(__dirname, '../../../shared/crds'));

/**
 * Makes a CRD's structural schema strict the way `kubectl apply --validate=strict` is: an
 * object with declared properties rejects fields it does not declare (Kubernetes would
 * silently prune them, so a typo would vanish instead of failing). Int-or-string fields
 * accept both. CEL rules (x-kubernetes-validations) are not evaluated here.
 */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: any = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] = key === 'properties' || key === 'patternProperties'
      ? Object.fromEntries(Object.entries(value as object).map(([name, child]) => [name, strict(child)]))
      : strict(value);
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

/** Compiles a kind's schema on first use: the Cluster and Pooler schemas are large. */
export type CrdValidators = Map<string, () => ValidateFunction>;

/** Validators for every kind of every CRD file below `CRDS_DIR`, keyed `apiVersion/kind`. */
export function loadCrdValidators(): CrdValidators {
  if (!existsSync(CRDS_DIR)) {
    throw new Error(`the upstream CRDs are not at ${CRDS_DIR}: set CNPG_CRDS_DIR to the folder holding them (see ../shared/crds/README.md)`);
  }
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validators: CrdValidators = new Map();
  for (const folder of readdirSync(CRDS_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    for (const file of readdirSync(join(CRDS_DIR, folder.name)).filter((name) => name.endsWith('.yaml'))) {
      for (const crd of YAML.parseAllDocuments(readFileSync(join(CRDS_DIR, folder.name, file), 'utf8')).map((doc) => doc.toJS())) {
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        for (const version of crd.spec.versions.filter((v: any) => v.served)) {
          const schema = strict(version.schema.openAPIV3Schema);
          // metadata is validated by the API server, not by the CRD schema.
          schema.properties.metadata = { type: 'object' };
          let compiled: ValidateFunction | undefined;
          validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, () => (compiled ??= ajv.compile(schema)));
        }
      }
    }
  }
  return validators;
}

/** Schema errors of a manifest, or a message saying no schema is known for its kind. */
export function schemaErrors(validators: CrdValidators, manifest: any): string[] {
  const validate = validators.get(`${manifest.apiVersion}/${manifest.kind}`)?.();
  if (!validate) return [`no schema for ${manifest.apiVersion} ${manifest.kind}`];
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map((error) => `${manifest.kind}/${manifest.metadata?.name}${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`);
}

/** Whether a manifest is a built-in Kubernetes kind (validated by `builtInSchemaErrors`). */
export function isBuiltIn(manifest: any): boolean {
  return !String(manifest.apiVersion).includes('.') || String(manifest.apiVersion).includes('.k8s.io/');
}

/** Schema errors of built-in Kubernetes objects, from the upstream OpenAPI schemas. */
export function builtInSchemaErrors(manifests: readonly unknown[]): string[] {
  const output = execFileSync(process.execPath, [join(__dirname, 'validate-builtins.mjs')], { input: JSON.stringify(manifests), encoding: 'utf8' });
  return JSON.parse(output);
}
