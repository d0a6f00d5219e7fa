// RFC 7643 §7 mutability for PATCH: which writes and removals an attribute's definition allows, and the 400 `mutability` otherwise.
import type { AttributeDefinition } from '../../types/schema'
import { scimError } from '../errors'
import { jsonEqual } from '../json'
import type { AttributeRef } from './targets'

/** 400 `mutability` (RFC 7644 §3.12). */
export const mutability = (detail: string) => scimError(400, 'mutability', detail)

/** The definitions that govern a write: the attribute's, then its sub-attribute's when one is named. */
function definitionsOf(ref: AttributeRef, sub: AttributeDefinition | undefined): AttributeDefinition[] {
  return sub ? [ref.definition, sub] : [ref.definition]
}

/**
 * Throws unless `next` may replace `current` at `where`: readOnly never; immutable only where no value
 * exists yet or the value stays the same (RFC 7643 §7).
 */
export function checkWritable(
  ref: AttributeRef,
  sub: AttributeDefinition | undefined,
  current: unknown,
  next: unknown,
  where: string,
): void {
  for (const definition of definitionsOf(ref, sub)) {
    if (definition.mutability === 'readOnly') throw mutability(`'${where}' is read-only`)
  }
  const governing = sub ?? ref.definition
  if (governing.mutability === 'immutable' && current !== undefined && !jsonEqual(current, next)) {
    throw mutability(`'${where}' is immutable and already has a value`)
  }
}

/** Throws unless the attribute (or its sub-attribute) at `where` may be removed: not readOnly, immutable or required. */
export function checkRemovable(ref: AttributeRef, sub: AttributeDefinition | undefined, where: string): void {
  const definition = sub ?? ref.definition
  for (const d of definitionsOf(ref, sub)) {
    if (d.mutability === 'readOnly') throw mutability(`'${where}' is read-only`)
  }
  if (definition.mutability === 'immutable') throw mutability(`'${where}' is immutable`)
  // RFC 7644 §3.5.2.2: removing a required attribute is a mutability error.
  if (definition.required) throw mutability(`'${where}' is required and cannot be removed`)
}
