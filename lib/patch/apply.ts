// Applies a SCIM PatchOp (RFC 7644 §3.5.2) to a resource: schema-bound, atomic, and never mutating its input.

import type { PatchRequest, PatchResult } from '../../types/patch'
import { configError } from '../errors'
import { isObject } from '../json'
import { type SetOp, setTarget } from './add-replace'
import { PatchContext } from './context'
import { removeTarget } from './remove'
import { checkRequest, needsMemberList, parseOperation, pathLessTarget } from './request'
import { patchResult } from './result'
import { type ApplyPatchOptions, settingsFrom } from './settings'
import { pathSettingsFrom } from './targets'

export {
  type ApplyPatchOptions,
  DEFAULT_MAX_OPERATIONS,
  DEFAULT_MAX_VALUE_FILTER_TESTS,
  PATCH_OP_SCHEMA,
} from './settings'

/**
 * Applies a PATCH request (RFC 7644 §3.5.2) to a resource and returns the new resource with what changed.
 * Operations apply in order and atomically: on any error a SCIM 400 is thrown and nothing is returned,
 * and the input is never mutated. Paths resolve against the schema, never against the object.
 */
export function applyPatch<T extends object>(
  resource: T,
  request: PatchRequest,
  options: ApplyPatchOptions,
): PatchResult<T> {
  return createPatcher(options)(resource, request)
}

/** `applyPatch()` with its options checked once: what a router holds. */
export interface Patcher {
  /** `applyPatch()` with this patcher's options. */
  <T extends object>(resource: T, request: PatchRequest): PatchResult<T>
  /** `requiresMemberList()` with this patcher's options, checked once rather than per call. */
  readonly requiresMemberList: (request: PatchRequest) => boolean
}

/** Checks options once (`TypeError` on bad ones) and returns `applyPatch` bound to them. */
export function createPatcher(options: ApplyPatchOptions): Patcher {
  const settings = pathSettingsFrom(settingsFrom(options))
  const patcher = <T extends object>(resource: T, request: PatchRequest): PatchResult<T> => {
    if (!isObject(resource))
      throw configError('ERR_INVALID_ARGUMENT', 'applyPatch needs the resource as an object')
    const operations = checkRequest(request, settings)
    const patch = new PatchContext(settings, resource)
    for (let index = 0; index < operations.length; index++) applyOperation(patch, operations[index], index)
    return patchResult(patch.copy, settings) as PatchResult<T>
  }
  return Object.assign(patcher, {
    requiresMemberList: (request: PatchRequest) => needsMemberList(request, settings),
  })
}

/**
 * True when applying `request` to a group needs its member list: only filtered member operations other
 * than removing `members[value eq "id" or ...]` do. Adds, replacements and removals by id never do.
 * Malformed requests answer false: `applyPatch()` will reject them.
 */
export function requiresMemberList(
  request: PatchRequest,
  options: Omit<ApplyPatchOptions, 'membersLoaded'>,
): boolean {
  return needsMemberList(request, pathSettingsFrom(settingsFrom(options)))
}

/** Applies `Operations[index]` to the working copy; each is counted before it is read (RFC 7644 §3.12). */
function applyOperation(patch: PatchContext, operation: unknown, index: number): void {
  patch.countOperations(1)
  const parsed = parseOperation(patch.settings, operation, index)
  if (parsed.target === undefined) applyPathLess(patch, parsed.value, parsed.op, parsed.where)
  else if (parsed.op === 'remove') removeTarget(patch, parsed.target, parsed.where, parsed.value)
  else setTarget(patch, parsed.target, parsed.where, parsed.value, parsed.op, false)
}

/**
 * add / replace without a path: each key of the value is one operation on what it names (RFC 7644
 * §3.5.2.1, §3.5.2.3), resolved and applied in turn.
 */
function applyPathLess(patch: PatchContext, value: Record<string, unknown>, op: SetOp, where: string): void {
  const keys = Object.keys(value)
  // The operation itself was counted; each further key is one more.
  patch.countOperations(Math.max(0, keys.length - 1))
  for (const key of keys) {
    const addressed = pathLessTarget(patch.settings, key, where)
    setTarget(patch, addressed.target, addressed.where, value[key], op, true)
  }
}
