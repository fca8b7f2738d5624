import { IConstruct } from 'constructs';
import { renderedObjects, ReviewedObject } from '../guardrails/reviewed-objects';
import { fileOf } from './placement';

/** A rendered object and the file of its Flux directory it is written to. */
export interface PlacedObject extends ReviewedObject {
  readonly file: string;
}

/** The rendered objects of a scope with the file of its Flux directory each is written to. */
export function placeObjects(objects: readonly ReviewedObject[]): PlacedObject[] {
  return objects.filter((object) => object.apiObject !== undefined).map((object) => ({ ...object, file: fileOf(object.apiObject!) }));
}

/** Renders the ApiObjects below a scope once, each with its file. */
export function renderObjects(scope: IConstruct, configPrefix?: string): PlacedObject[] {
  return placeObjects(renderedObjects(scope, configPrefix));
}
