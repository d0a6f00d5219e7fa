// The schema registry: resource types, their core and extension schemas, and case-insensitive path resolution.

import type {
  AttributeDefinition,
  ResolvedAttribute,
  ResourceTypeDefinition,
  SchemaDefinition,
  SchemaExtensionOptions,
} from '../../types/schema'
import { configError } from '../errors'
import {
  COMMON_ATTRIBUTES,
  ENTERPRISE_USER_SCHEMA_DEFINITION,
  GROUP_RESOURCE_TYPE,
  GROUP_SCHEMA_DEFINITION,
  USER_RESOURCE_TYPE,
  USER_SCHEMA_DEFINITION,
} from './core'
import { defineSchema } from './define'
import { type GrantSchemas, grantResourceType, grantSchemaDefinition } from './grants'

/** A path to resolve: what `AttributePath` and `PatchPath` nodes carry. */
export interface AttributePathLike {
  readonly schema?: string
  readonly attribute: string
  readonly subAttribute?: string
}

interface IndexedAttribute {
  readonly schema: string
  readonly inExtension: boolean
  readonly definition: AttributeDefinition
}

interface IndexedResourceType {
  readonly definition: ResourceTypeDefinition
  /** Core and common attributes, by lower-case name. */
  readonly core: ReadonlyMap<string, IndexedAttribute>
  /** Extension attributes by lower-case schema URN, then lower-case name. */
  readonly extensions: ReadonlyMap<string, ReadonlyMap<string, IndexedAttribute>>
  /** Extension attributes by lower-case name, when exactly one extension defines the name. */
  readonly unqualifiedExtension: ReadonlyMap<string, IndexedAttribute>
}

/** Case-insensitive lookup of a sub-attribute of a complex attribute. */
export function findSubAttribute(parent: AttributeDefinition, name: string): AttributeDefinition | undefined {
  const subs = parent.subAttributes
  if (!subs) return undefined
  // Names usually arrive spelled as defined: try that before folding case.
  for (const sub of subs) if (sub.name === name) return sub
  const wanted = name.toLowerCase()
  for (const sub of subs) if (sub.name.toLowerCase() === wanted) return sub
  return undefined
}

/**
 * The schemas and resource types a router serves. Immutable: build one with `createSchemaRegistry()`,
 * and every filter, PATCH, validation and `/Schemas` response reads from the same definitions.
 */
export class SchemaRegistry {
  readonly #schemas: ReadonlyMap<string, SchemaDefinition>
  readonly #resourceTypes: ReadonlyMap<string, IndexedResourceType>

  /** Use `createSchemaRegistry()`; this constructor trusts its (already validated) input. */
  constructor(schemas: readonly SchemaDefinition[], resourceTypes: readonly ResourceTypeDefinition[]) {
    this.#schemas = new Map(schemas.map((s) => [s.id.toLowerCase(), s]))
    this.#resourceTypes = new Map(resourceTypes.map((rt) => [rt.id.toLowerCase(), this.#index(rt)]))
  }

  #index(resourceType: ResourceTypeDefinition): IndexedResourceType {
    const core = new Map<string, IndexedAttribute>()
    const coreSchema = this.#schemas.get(resourceType.schema.toLowerCase())
    if (!coreSchema) throw configError('ERR_INVALID_SCHEMA', `unknown schema ${resourceType.schema}`)
    for (const definition of [...COMMON_ATTRIBUTES, ...coreSchema.attributes]) {
      core.set(definition.name.toLowerCase(), { schema: coreSchema.id, inExtension: false, definition })
    }
    const extensions = new Map<string, Map<string, IndexedAttribute>>()
    const counts = new Map<string, number>()
    const unqualifiedExtension = new Map<string, IndexedAttribute>()
    for (const { schema: urn } of resourceType.schemaExtensions) {
      const schema = this.#schemas.get(urn.toLowerCase())
      if (!schema) throw configError('ERR_INVALID_SCHEMA', `unknown extension schema ${urn}`)
      const attributes = new Map<string, IndexedAttribute>()
      for (const definition of schema.attributes) {
        const key = definition.name.toLowerCase()
        const indexed = { schema: schema.id, inExtension: true, definition }
        attributes.set(key, indexed)
        counts.set(key, (counts.get(key) ?? 0) + 1)
        unqualifiedExtension.set(key, indexed)
      }
      extensions.set(schema.id.toLowerCase(), attributes)
    }
    // An unqualified name resolves into an extension only when no core attribute and no other
    // extension has it: RFC 7644 §3.10 makes unqualified names core names, so this is a convenience.
    for (const [key, count] of counts) {
      if (count > 1 || core.has(key)) unqualifiedExtension.delete(key)
    }
    return { definition: resourceType, core, extensions, unqualifiedExtension }
  }

  /** Every schema, core and extension, in registration order. */
  schemas(): readonly SchemaDefinition[] {
    return [...this.#schemas.values()]
  }

  /** The URN of every schema, as spelled in its definition. */
  schemaUrns(): readonly string[] {
    return this.schemas().map((s) => s.id)
  }

  /** A schema by URN (case-insensitive), or undefined. */
  getSchema(urn: string): SchemaDefinition | undefined {
    return this.#schemas.get(urn.toLowerCase())
  }

  /** Every resource type. */
  resourceTypes(): readonly ResourceTypeDefinition[] {
    return [...this.#resourceTypes.values()].map((rt) => rt.definition)
  }

  /** A resource type by id (case-insensitive), or undefined. */
  getResourceType(id: string): ResourceTypeDefinition | undefined {
    return this.#resourceTypes.get(id.toLowerCase())?.definition
  }

  /**
   * Resolves an attribute path against a resource type's schemas (case-insensitively, RFC 7643 §2.1).
   * With no resource type, every type is tried in turn. Returns undefined for anything unknown:
   * an unknown schema, attribute or sub-attribute, or a sub-attribute of a non-complex attribute.
   */
  resolve(resourceType: string | undefined, path: AttributePathLike): ResolvedAttribute | undefined {
    if (resourceType === undefined) {
      for (const indexed of this.#resourceTypes.values()) {
        const found = resolveIn(indexed, path)
        if (found) return found
      }
      return undefined
    }
    const indexed = this.#resourceTypes.get(resourceType.toLowerCase())
    return indexed ? resolveIn(indexed, path) : undefined
  }

  /**
   * A copy of this registry with extension schemas added (validated; `TypeError` on a bad definition,
   * an unknown resource type, or a URN that is already registered).
   */
  withExtensions(extensions: readonly SchemaExtensionOptions[]): SchemaRegistry {
    const schemas = [...this.#schemas.values()]
    const resourceTypes = this.resourceTypes().map((rt) => ({
      ...rt,
      schemaExtensions: [...rt.schemaExtensions],
    }))
    for (const extension of extensions) {
      const schema = defineSchema(extension.schema)
      if (schemas.some((s) => s.id.toLowerCase() === schema.id.toLowerCase())) {
        throw configError('ERR_INVALID_SCHEMA', `schema ${schema.id} is already registered`)
      }
      const target = resourceTypes.find(
        (rt) => rt.id.toLowerCase() === String(extension.resourceType).toLowerCase(),
      )
      if (!target) {
        throw configError(
          'ERR_INVALID_SCHEMA',
          `extension ${schema.id} names unknown resource type ${extension.resourceType}`,
        )
      }
      schemas.push(schema)
      target.schemaExtensions.push(
        Object.freeze({ schema: schema.id, required: extension.required ?? false }),
      )
    }
    return new SchemaRegistry(
      schemas,
      resourceTypes.map((rt) =>
        Object.freeze({ ...rt, schemaExtensions: Object.freeze(rt.schemaExtensions) }),
      ),
    )
  }
}

function resolveIn(indexed: IndexedResourceType, path: AttributePathLike): ResolvedAttribute | undefined {
  const name = path.attribute.toLowerCase()
  let found: IndexedAttribute | undefined
  if (path.schema === undefined) {
    found = indexed.core.get(name) ?? indexed.unqualifiedExtension.get(name)
  } else {
    const urn = path.schema.toLowerCase()
    if (urn === indexed.definition.schema.toLowerCase()) found = indexed.core.get(name)
    else found = indexed.extensions.get(urn)?.get(name)
  }
  if (!found) return undefined
  if (path.subAttribute === undefined) {
    return { schema: found.schema, inExtension: found.inExtension, attribute: found.definition }
  }
  if (found.definition.type !== 'complex') return undefined
  const subAttribute = findSubAttribute(found.definition, path.subAttribute)
  if (!subAttribute) return undefined
  return { schema: found.schema, inExtension: found.inExtension, attribute: found.definition, subAttribute }
}

/** Options of `createSchemaRegistry()`. */
export interface SchemaRegistryOptions {
  /** Host extension schemas, each attached to the User or Group resource type. */
  readonly extensions?: readonly SchemaExtensionOptions[]
  /** The URNs of the Role and Entitlement types: `ietf` (default) or `okta` (the router's `grantSchemas`). */
  readonly grantSchemas?: GrantSchemas
}

function builtIn(grants: GrantSchemas): SchemaRegistry {
  return new SchemaRegistry(
    [
      USER_SCHEMA_DEFINITION,
      ENTERPRISE_USER_SCHEMA_DEFINITION,
      GROUP_SCHEMA_DEFINITION,
      grantSchemaDefinition('Role', grants),
      grantSchemaDefinition('Entitlement', grants),
    ],
    [
      USER_RESOURCE_TYPE,
      GROUP_RESOURCE_TYPE,
      grantResourceType('Role', grants),
      grantResourceType('Entitlement', grants),
    ],
  )
}

const BUILT_IN: Readonly<Record<GrantSchemas, SchemaRegistry>> = Object.freeze({
  ietf: builtIn('ietf'),
  okta: builtIn('okta'),
})

/**
 * The registry of RFC 7643's User (with the Enterprise extension) and Group, the Role and Entitlement
 * of draft-ietf-scim-roles-entitlements (under the URNs `grantSchemas` names), plus any host
 * extensions. Throws `TypeError` on an invalid extension.
 */
export function createSchemaRegistry(options: SchemaRegistryOptions = {}): SchemaRegistry {
  const extensions = options.extensions ?? []
  if (!Array.isArray(extensions)) throw configError('ERR_INVALID_OPTION', '"extensions" must be an array')
  const grants = options.grantSchemas ?? 'ietf'
  if (grants !== 'ietf' && grants !== 'okta')
    throw configError('ERR_INVALID_OPTION', "grantSchemas must be 'ietf' or 'okta'")
  const base = BUILT_IN[grants]
  return extensions.length === 0 ? base : base.withExtensions(extensions)
}
