// Reads a POST/PUT body into a clean resource: dialect forms normalised, unknown and read-only attributes dropped, types checked by ajv, names held to the identifier policy.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv'
import type { AttributeDefinition, ResourceTypeDefinition } from '../../types/schema'
import { type Dialect, listFromLoneElement, readBooleanString, schemasMayBeOmitted } from '../dialect'
import { configError, scimError } from '../errors'
import { isStorableText } from '../ids'
import { isObject, jsonEqual } from '../json'
import { primaryEmail, type ScimResource } from '../representation/resources'
import { parseDateTime } from '../schema/datetime'
import { identifierAttributesOf, identifierProblem } from '../schema/identifiers'
import type { SchemaRegistry } from '../schema/registry'

/** A body read and checked: the resource to store, and the write-only values taken out of it. */
export interface ValidatedBody {
  /** The resource: canonical names, `schemas` set, nothing read-only or write-only in it. */
  readonly resource: ScimResource
  /** The `password`, when the client sent one (RFC 7643 §4.1.1: write-only). */
  readonly password?: string
}

/** How `ResourceValidator.read` treats the identifier attributes (`userName`, a group's `displayName`). */
export interface ReadOptions {
  /**
   * True (the default): a name that fails the identifier policy is 400 `invalidValue`. False only for a
   * PUT, whose caller then calls `checkNames(resource, current)` with the resource it replaces, so that a
   * name the request leaves as it is need not satisfy a policy newer than the name.
   */
  readonly checkNames?: boolean
}

/** Checks request bodies of one resource type. Compiled once per router. */
export interface ResourceValidator {
  /**
   * Normalises and validates a POST or PUT body; 400 `invalidSyntax` / `invalidValue` when it is wrong,
   * including a name that fails the identifier policy (lib/schema/identifiers.ts) unless told otherwise.
   */
  read(body: Record<string, unknown>, options?: ReadOptions): ValidatedBody
  /**
   * 400 `invalidValue` naming the attribute when `next` sets an identifier (`userName`; a group's
   * `displayName`) that fails the identifier policy (RFC 8265) and differs from the one `current` has:
   * a write that keeps a name stored before the policy (a deactivation, a DELETE, a member change) goes
   * through. Without `current`, every identifier of `next` is checked (a create). Never changes a value.
   */
  checkNames(next: ScimResource, current?: object): void
  /** 400 `mutability` when `next` changes an immutable attribute that `current` has (RFC 7644 §3.5.1). */
  checkImmutable(current: ScimResource, next: ScimResource): void
}

type JsonSchema = Record<string, unknown>

/** A schema's attributes by name as defined and in lower case (RFC 7643 §2.1: names are case-insensitive). */
type AttributeIndex = ReadonlyMap<string, AttributeDefinition>

/** Built once per validator, so reading a body costs one map read per key, not a scan of the schema. */
function attributeIndex(attributes: readonly AttributeDefinition[]): AttributeIndex {
  const index = new Map<string, AttributeDefinition>()
  // The first definition of a name wins, as a scan of the list would find it.
  for (const attribute of attributes) {
    for (const name of [attribute.name, attribute.name.toLowerCase()]) {
      if (!index.has(name)) index.set(name, attribute)
    }
  }
  return index
}

/** The JSON Schema of one attribute (RFC 7643 §2.3 data types). */
function jsonSchemaOf(definition: AttributeDefinition): JsonSchema {
  let single: JsonSchema
  switch (definition.type) {
    case 'complex': {
      const properties: Record<string, JsonSchema> = {}
      const required: string[] = []
      for (const sub of definition.subAttributes ?? []) {
        properties[sub.name] = jsonSchemaOf(sub)
        if (sub.required && sub.mutability !== 'readOnly') required.push(sub.name)
      }
      single = { type: 'object', properties, ...(required.length > 0 ? { required } : {}) }
      break
    }
    case 'boolean':
      single = { type: 'boolean' }
      break
    case 'integer':
      single = { type: 'integer' }
      break
    case 'decimal':
      single = { type: 'number' }
      break
    case 'dateTime':
      single = { type: 'string', format: 'scim-date-time' }
      break
    default:
      single = { type: 'string', format: 'scim-string' }
  }
  return definition.multiValued ? { type: 'array', items: single } : single
}

function objectSchema(attributes: readonly AttributeDefinition[]): JsonSchema {
  const properties: Record<string, JsonSchema> = {}
  const required: string[] = []
  for (const attribute of attributes) {
    if (attribute.mutability === 'readOnly' || attribute.returned === 'never') continue
    properties[attribute.name] = jsonSchemaOf(attribute)
    if (attribute.required) required.push(attribute.name)
  }
  return { type: 'object', properties, required }
}

/** A JSON pointer from ajv as a SCIM path: `/emails/0/value` -> `emails[0].value`. */
function scimPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '')
}

function describeError(error: ErrorObject | undefined): string {
  if (!error) return 'The resource is not valid'
  if (error.keyword === 'required') {
    const parent = scimPath(error.instancePath)
    const missing = String((error.params as { missingProperty?: unknown }).missingProperty)
    return `'${parent ? `${parent}.${missing}` : missing}' is required`
  }
  const where = scimPath(error.instancePath) || 'The resource'
  if (error.keyword === 'format' && (error.params as { format?: unknown }).format === 'scim-string') {
    return `'${where}' must not contain U+0000 or an unpaired surrogate`
  }
  if (error.keyword === 'format') return `'${where}' must be a dateTime such as "2011-05-13T04:42:34Z"`
  return `'${where}' ${error.message ?? 'is not valid'}`
}

/** True for an object without own keys, without the array `Object.keys` would make. */
function isEmpty(value: Record<string, unknown>): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return false
  return true
}

/**
 * Compiles the validator of one resource type. Validation runs on the normalised body, so ajv sees only
 * known attributes under their canonical names.
 */
export function createResourceValidator(
  registry: SchemaRegistry,
  resourceType: ResourceTypeDefinition,
  dialect: Dialect,
): ResourceValidator {
  const core = registry.getSchema(resourceType.schema)
  if (!core) throw configError('ERR_INVALID_SCHEMA', `unknown schema ${resourceType.schema}`)
  const common = registry.resolve(resourceType.id, { attribute: 'externalId' })
    ?.attribute as AttributeDefinition
  const coreAttributes = [common, ...core.attributes]
  const extensions = resourceType.schemaExtensions.map((reference) => {
    const schema = registry.getSchema(reference.schema)!
    return {
      reference,
      schema,
      lowerId: schema.id.toLowerCase(),
      attributes: attributeIndex(schema.attributes),
    }
  })
  const coreIndex = attributeIndex(coreAttributes)
  const coreLower = core.id.toLowerCase()

  const root = objectSchema(coreAttributes)
  const properties = root.properties as Record<string, JsonSchema>
  const required = root.required as string[]
  for (const { reference, schema } of extensions) {
    properties[schema.id] = objectSchema(schema.attributes)
    if (reference.required) required.push(schema.id)
  }
  // One ajv instance per validator: two routers never share compiled state.
  const ajv = new Ajv({ allErrors: false, strict: false })
  ajv.addFormat('scim-date-time', {
    type: 'string',
    validate: (s: string) => !Number.isNaN(parseDateTime(s)),
  })
  // No database stores U+0000 or an unpaired surrogate (PostgreSQL refuses both), so a value
  // holding it could be written but never found: refuse it at the door.
  ajv.addFormat('scim-string', { type: 'string', validate: isStorableText })
  const validate: ValidateFunction = ajv.compile(root)

  const identifiers = identifierAttributesOf(resourceType.id)

  const checkNames = (next: ScimResource, current?: object): void => {
    for (const { attribute, profile } of identifiers) {
      const value = next[attribute]
      // Absent or of the wrong type: the schema checks (required, string) answer for those.
      if (typeof value !== 'string') continue
      if (current !== undefined && (current as Record<string, unknown>)[attribute] === value) continue
      const problem = identifierProblem(value, profile)
      // The detail names the rule and code points, never the value: it may hold invisible characters.
      if (problem !== undefined) throw scimError(400, 'invalidValue', `'${attribute}' ${problem}`)
    }
    if (resourceType.id !== 'User') return
    // The one email a store keys on shares the login namespace: held to the userName's profile, so that
    // `carol@example.com` plus a zero-width space (or in NFD) is not a second identity key.
    const email = primaryEmail(next)
    if (email === undefined || email === '') return
    if (current !== undefined && (current as { email?: unknown }).email === email) return
    const problem = identifierProblem(email, 'UsernameCasePreserved')
    if (problem !== undefined) throw scimError(400, 'invalidValue', `'emails' (the primary email) ${problem}`)
  }

  // Sub-attributes by name, per complex attribute met: one map read per key, not a scan of the list.
  const subIndexes = new Map<AttributeDefinition, AttributeIndex>()
  const subAttributeOf = (definition: AttributeDefinition, key: string): AttributeDefinition | undefined => {
    let index = subIndexes.get(definition)
    if (index === undefined) {
      index = attributeIndex(definition.subAttributes ?? [])
      subIndexes.set(definition, index)
    }
    return index.get(key) ?? index.get(key.toLowerCase())
  }

  /** One value of an attribute: dialect forms read, unknown and read-only sub-attributes dropped. */
  const normaliseSingle = (definition: AttributeDefinition, value: unknown): unknown => {
    if (definition.type === 'boolean' && typeof value === 'string') {
      // Any other string stays as it is, for the type check to refuse.
      return readBooleanString(value, dialect) ?? value
    }
    if (definition.type !== 'complex' || !isObject(value)) return value
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value)) {
      const sub = subAttributeOf(definition, key)
      if (!sub || sub.mutability === 'readOnly' || value[key] === null) continue
      out[sub.name] = normaliseValue(sub, value[key])
    }
    return out
  }

  const normaliseValue = (definition: AttributeDefinition, value: unknown): unknown => {
    if (!definition.multiValued) return normaliseSingle(definition, value)
    const list = listFromLoneElement(value, dialect)
    return Array.isArray(list)
      ? list.filter((v) => v !== null).map((v) => normaliseSingle(definition, v))
      : list
  }

  /** Copies the known, writable attributes of one schema from `source` into a fresh object. */
  const normaliseAttributes = (
    attributes: AttributeIndex,
    source: Record<string, unknown>,
    out: Record<string, unknown>,
    writeOnly: Record<string, unknown>,
    keys: readonly string[] = Object.keys(source),
  ) => {
    for (const key of keys) {
      const definition = attributes.get(key) ?? attributes.get(key.toLowerCase())
      // Unknown attributes are ignored (RFC 7644 §3.3 lets a provider drop what it does not support),
      // read-only ones are the server's (RFC 7643 §7). Only schema names are ever copied, so no
      // `__proto__` or other prototype key can come through.
      if (!definition || definition.mutability === 'readOnly') continue
      const value = source[key]
      if (value === null || value === undefined) continue
      if (definition.returned === 'never') {
        writeOnly[definition.name] = value
        continue
      }
      const normalised = normaliseValue(definition, value)
      // A complex value with nothing known left in it is unassigned (RFC 7643 §2.5), not `{}`.
      if (isObject(normalised) && definition.type === 'complex' && isEmpty(normalised)) continue
      out[definition.name] = normalised
    }
  }

  return {
    read(body, options = {}) {
      // One list of the body's keys for `schemas` and every extension: keys are matched in any case.
      const keys = Object.keys(body)
      const schemasKey = keys.find((key) => key.toLowerCase() === 'schemas')
      const schemas = schemasKey === undefined ? undefined : body[schemasKey]
      if ((schemas !== undefined && schemas !== null) || !schemasMayBeOmitted(dialect)) {
        if (
          !Array.isArray(schemas) ||
          !schemas.every((s) => typeof s === 'string') ||
          !schemas.some((s: string) => s.toLowerCase() === coreLower)
        ) {
          throw scimError(400, 'invalidSyntax', `'schemas' must list ${core.id}`)
        }
      }
      const presentSchemas = [core.id]
      // `schemas` first, as responses show it; it is no attribute of the JSON schema, so the check
      // below passes it by, and the resource needs no second copy to put it in front.
      const resource: Record<string, unknown> = { schemas: presentSchemas }
      const writeOnly: Record<string, unknown> = {}
      normaliseAttributes(coreIndex, body, resource, writeOnly, keys)
      for (const { schema, lowerId, attributes } of extensions) {
        const key = keys.find((k) => k.toLowerCase() === lowerId)
        if (key === undefined) continue
        const value = body[key]
        if (value === null) continue
        if (!isObject(value)) throw scimError(400, 'invalidValue', `'${schema.id}' must be an object`)
        const extension: Record<string, unknown> = {}
        normaliseAttributes(attributes, value, extension, writeOnly)
        resource[schema.id] = extension
        presentSchemas.push(schema.id)
      }
      if (!validate(resource)) throw scimError(400, 'invalidValue', describeError(validate.errors?.[0]))
      if (options.checkNames !== false) checkNames(resource)
      const password = writeOnly.password
      if (password !== undefined && typeof password !== 'string') {
        throw scimError(400, 'invalidValue', "'password' must be a string")
      }
      return password === undefined ? { resource } : { resource, password }
    },

    checkNames,

    checkImmutable(current, next) {
      const check = (attributes: readonly AttributeDefinition[], a: unknown, b: unknown, prefix: string) => {
        if (!isObject(a)) return
        for (const attribute of attributes) {
          if (attribute.mutability !== 'immutable') continue
          const before = a[attribute.name]
          if (before === undefined || before === null) continue
          const after = isObject(b) ? b[attribute.name] : undefined
          if (!jsonEqual(before, after)) {
            throw scimError(400, 'mutability', `'${prefix}${attribute.name}' is immutable`)
          }
        }
      }
      check(coreAttributes, current, next, '')
      for (const { schema } of extensions)
        check(schema.attributes, current[schema.id], next[schema.id], `${schema.id}:`)
    },
  }
}
