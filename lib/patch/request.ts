// Reads a PatchOp request (RFC 7644 §3.5.2): the message's shape, each operation's name, path and value, and the keys of a path-less value as targets.
import type { PatchOperation, PatchRequest } from '../../types/patch'
import { normalizeOpName, pathLessKeyAsPath, startsWithUrn } from '../dialect'
import { scimError } from '../errors'
import { isObject, ownEntry } from '../json'
import { memberIdsFromFilter } from './members'
import { PATCH_OP_SCHEMA, type Settings } from './settings'
import {
  invalidPath,
  isMembers,
  noTarget,
  type PathSettings,
  parsePath,
  resolveTarget,
  type Target,
} from './targets'
import { checkKey } from './values'

const PATCH_OP_LOWER = PATCH_OP_SCHEMA.toLowerCase()

/**
 * The operations of a PatchOp message, after checking its shape: an object whose `schemas` holds the
 * PatchOp URN and whose `Operations` is a non-empty array no longer than `maxOperations`.
 */
export function checkRequest(request: unknown, settings: Settings): readonly PatchOperation[] {
  if (!isObject(request)) throw scimError(400, 'invalidSyntax', 'The PATCH body must be a PatchOp object')
  for (const key of Object.keys(request)) checkKey(key, 'the PATCH body')
  const schemas = request.schemas
  // RFC 7644 §3.5.2: the body is a PatchOp message.
  if (
    !Array.isArray(schemas) ||
    !(
      schemas[0] === PATCH_OP_SCHEMA ||
      schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_LOWER)
    )
  ) {
    throw scimError(400, 'invalidSyntax', `"schemas" must contain "${PATCH_OP_SCHEMA}"`)
  }
  const operations = ownEntry(request, 'Operations')?.value
  if (!Array.isArray(operations) || operations.length === 0) {
    throw scimError(400, 'invalidSyntax', '"Operations" must be a non-empty array')
  }
  if (operations.length > settings.maxOperations) {
    throw scimError(
      400,
      'tooMany',
      `The PATCH has ${operations.length} operations; at most ${settings.maxOperations} are accepted`,
    )
  }
  return operations as PatchOperation[]
}

/** One checked operation: its name, and its resolved target or (add and replace only) a path-less value. */
export type ParsedOperation =
  | {
      readonly op: 'add' | 'replace' | 'remove'
      readonly target: Target
      /** The path's text, for errors. */
      readonly where: string
      readonly value: unknown
    }
  | {
      readonly op: 'add' | 'replace'
      readonly target?: undefined
      /** The operation's place in the request, for errors. */
      readonly where: string
      /** Each key an attribute, URN or (lenient) path: see `pathLessTarget()`. */
      readonly value: Record<string, unknown>
    }

/**
 * Checks `Operations[index]` and resolves its path: 400 `invalidSyntax` for a malformed operation or an
 * unknown op (its spellings are the dialect's), `noTarget` for a remove without a path.
 */
export function parseOperation(settings: PathSettings, operation: unknown, index: number): ParsedOperation {
  const where = `Operations[${index}]`
  if (!isObject(operation)) throw scimError(400, 'invalidSyntax', `${where} must be an object`)
  for (const key of Object.keys(operation)) checkKey(key, where)
  const op = normalizeOpName(operation.op, settings.dialect)
  if (op !== 'add' && op !== 'replace' && op !== 'remove') {
    throw scimError(400, 'invalidSyntax', `${where}.op must be "add", "remove" or "replace"`)
  }
  const hasPath = operation.path !== undefined && operation.path !== null
  if (op === 'remove') {
    // RFC 7644 §3.5.2.2: "path" is required for remove.
    if (!hasPath) throw noTarget(`${where}: remove needs a "path"`)
    return {
      op,
      target: parsePath(settings, operation.path),
      where: String(operation.path),
      value: operation.value,
    }
  }
  if (!Object.hasOwn(operation, 'value'))
    throw scimError(400, 'invalidSyntax', `${where}: ${op} needs a "value"`)
  if (hasPath) {
    return {
      op,
      target: parsePath(settings, operation.path),
      where: String(operation.path),
      value: operation.value,
    }
  }
  // add / replace without a path: each key of the value object is an attribute (RFC 7644 §3.5.2.1, §3.5.2.3).
  const { value } = operation
  if (!isObject(value))
    throw scimError(400, 'invalidValue', `${where}: a ${op} without "path" needs an object value`)
  return { op, where, value }
}

/** A key of a path-less value read as a path, when the dialect reads it so, and the schema a URN key names. */
function keyAsPath(settings: Settings, key: string) {
  const urn = startsWithUrn(key)
  const schema = urn ? settings.registry.getSchema(key) : undefined
  return { urn, schema, asPath: pathLessKeyAsPath(key, schema !== undefined, settings.dialect) }
}

/**
 * What one key of a path-less value (`Operations[i]` at `where`) addresses, and its text for errors:
 * an attribute name, an extension URN, or (the lenient dialect: Entra) a dotted or filtered path.
 */
export function pathLessTarget(
  settings: PathSettings,
  key: string,
  where: string,
): { readonly target: Target; readonly where: string } {
  checkKey(key, where)
  const { urn, schema, asPath } = keyAsPath(settings, key)
  if (asPath !== undefined) return { target: parsePath(settings, asPath), where: asPath }
  if (schema) return { target: resolveTarget(settings, { kind: 'patchPath', schema: key }, key), where: key }
  // RFC 7644 §3.5.2.1: the keys are attribute names. (The lenient dialect took dotted and URN keys above.)
  if (urn || key.includes('.')) throw invalidPath(`Unknown attribute '${key}'`)
  // A plain attribute name is also a path: resolve it as one (and through the same cache).
  const target = parsePath(settings, key)
  if (target.kind !== 'attribute' || target.sub || target.filter)
    throw invalidPath(`Unknown attribute '${key}'`)
  return { target, where: key }
}

/**
 * True when applying `request` to a group needs its member list: see `requiresMemberList()`. Malformed
 * requests answer false: applying them will reject them.
 */
export function needsMemberList(request: PatchRequest, settings: PathSettings): boolean {
  let operations: readonly PatchOperation[]
  try {
    operations = checkRequest(request, settings)
  } catch {
    return false
  }
  return operations.some((operation) => {
    if (!isObject(operation)) return false
    const op = normalizeOpName(operation.op, settings.dialect)
    if (typeof operation.path === 'string') return pathNeedsList(settings, operation.path, op)
    // Path-less values whose keys are paths (the lenient dialect) are operations on those paths.
    if (!isObject(operation.value)) return false
    return Object.keys(operation.value).some((key) => {
      const { asPath } = keyAsPath(settings, key)
      return asPath !== undefined && pathNeedsList(settings, asPath, op)
    })
  })
}

/** Only filtered member operations need the list, except removing `members[value eq "id" or ...]`. */
function pathNeedsList(settings: PathSettings, path: string, op: string | undefined): boolean {
  let target: Target
  try {
    target = parsePath(settings, path)
  } catch {
    return false
  }
  if (target.kind !== 'attribute' || !isMembers(target.attribute) || !target.filter) return false
  return op !== 'remove' || target.sub !== undefined || memberIdsFromFilter(target.filter.ast) === undefined
}
