// Builds attribute and schema definitions with the RFC 7643 §2.2 defaults, and checks host-supplied ones.

import type {
  AttributeDefinition,
  AttributeDefinitionInput,
  AttributeType,
  SchemaDefinition,
  SchemaDefinitionInput,
} from '../../types/schema'
import { configError } from '../errors'

const TYPES: ReadonlySet<string> = new Set([
  'string',
  'boolean',
  'decimal',
  'integer',
  'dateTime',
  'binary',
  'reference',
  'complex',
])
const MUTABILITY: ReadonlySet<string> = new Set(['readOnly', 'readWrite', 'immutable', 'writeOnly'])
const RETURNED: ReadonlySet<string> = new Set(['always', 'never', 'default', 'request'])
const UNIQUENESS: ReadonlySet<string> = new Set(['none', 'server', 'global'])

/** ATTRNAME of RFC 7644 §3.4.2.2, plus `$ref` which RFC 7643 §2.3.7 uses as a sub-attribute name. */
export const ATTRIBUTE_NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/

/** Shorthand for the built-in schemas: a definition with RFC 7643 §2.2 defaults for what is omitted. */
export function attribute(
  name: string,
  type: AttributeType,
  characteristics: Partial<Omit<AttributeDefinition, 'name' | 'type'>> = {},
): AttributeDefinition {
  return completeAttribute({ name, type, ...characteristics }, name)
}

function completeAttribute(input: AttributeDefinitionInput, where: string): AttributeDefinition {
  const definition: AttributeDefinition = {
    name: input.name,
    type: input.type,
    multiValued: input.multiValued ?? false,
    description: input.description ?? '',
    required: input.required ?? false,
    caseExact: input.caseExact ?? false,
    mutability: input.mutability ?? 'readWrite',
    returned: input.returned ?? 'default',
    uniqueness: input.uniqueness ?? 'none',
    ...(input.canonicalValues ? { canonicalValues: Object.freeze([...input.canonicalValues]) } : {}),
    ...(input.type === 'reference'
      ? { referenceTypes: Object.freeze([...(input.referenceTypes ?? ['external'])]) }
      : {}),
    ...(input.subAttributes
      ? {
          subAttributes: Object.freeze(
            input.subAttributes.map((sub) => completeAttribute(sub, `${where}.${sub.name}`)),
          ),
        }
      : {}),
  }
  return Object.freeze(definition)
}

/**
 * Validates a host's schema definition and fills in defaults. Throws a `TypeError` naming the offending
 * attribute, so a bad extension fails when the router is built, not on the first request.
 */
export function defineSchema(input: SchemaDefinitionInput): SchemaDefinition {
  if (typeof input !== 'object' || input === null)
    throw configError('ERR_INVALID_SCHEMA', 'a schema must be an object')
  if (typeof input.id !== 'string' || !/^urn:[^\s]+:[^\s:]+$/i.test(input.id)) {
    throw configError(
      'ERR_INVALID_SCHEMA',
      `schema id must be a URN such as "urn:acme:params:scim:schemas:User"`,
    )
  }
  if (!Array.isArray(input.attributes)) {
    throw configError('ERR_INVALID_SCHEMA', `schema ${input.id} must have an "attributes" array`)
  }
  checkAttributes(input.attributes, input.id, false)
  const lastSegment = input.id.slice(input.id.lastIndexOf(':') + 1)
  return Object.freeze({
    id: input.id,
    name: input.name ?? lastSegment,
    description: input.description ?? '',
    attributes: Object.freeze(input.attributes.map((a) => completeAttribute(a, `${input.id}:${a.name}`))),
  })
}

function checkAttributes(
  attributes: readonly AttributeDefinitionInput[],
  where: string,
  nested: boolean,
): void {
  const seen = new Set<string>()
  for (const a of attributes) {
    if (typeof a !== 'object' || a === null)
      throw configError('ERR_INVALID_SCHEMA', `${where} has a non-object attribute`)
    if (typeof a.name !== 'string' || !ATTRIBUTE_NAME.test(a.name)) {
      throw configError(
        'ERR_INVALID_SCHEMA',
        `${where} has an invalid attribute name ${JSON.stringify(a.name)}`,
      )
    }
    const path = `${where}:${a.name}`
    const key = a.name.toLowerCase()
    if (seen.has(key))
      throw configError('ERR_INVALID_SCHEMA', `${path} is defined twice (names are case-insensitive)`)
    seen.add(key)
    if (!TYPES.has(a.type))
      throw configError('ERR_INVALID_SCHEMA', `${path} has unknown type ${JSON.stringify(a.type)}`)
    if (a.mutability !== undefined && !MUTABILITY.has(a.mutability)) {
      throw configError(
        'ERR_INVALID_SCHEMA',
        `${path} has unknown mutability ${JSON.stringify(a.mutability)}`,
      )
    }
    if (a.returned !== undefined && !RETURNED.has(a.returned)) {
      throw configError('ERR_INVALID_SCHEMA', `${path} has unknown returned ${JSON.stringify(a.returned)}`)
    }
    if (a.uniqueness !== undefined && !UNIQUENESS.has(a.uniqueness)) {
      throw configError(
        'ERR_INVALID_SCHEMA',
        `${path} has unknown uniqueness ${JSON.stringify(a.uniqueness)}`,
      )
    }
    if (a.type === 'complex') {
      // RFC 7643 §2.3.8: a complex attribute has sub-attributes, and those cannot be complex themselves.
      if (nested) throw configError('ERR_INVALID_SCHEMA', `${path} is complex inside a complex attribute`)
      if (!Array.isArray(a.subAttributes) || a.subAttributes.length === 0) {
        throw configError('ERR_INVALID_SCHEMA', `${path} is complex and needs "subAttributes"`)
      }
      checkAttributes(a.subAttributes, path, true)
    } else if (a.subAttributes !== undefined) {
      throw configError('ERR_INVALID_SCHEMA', `${path} has "subAttributes" but is not complex`)
    }
  }
}
