// The outcome of one PATCH: the working copy merged into a new resource, with the attributes and members that changed.
import type { MemberChanges, PatchResult } from '../../types/patch'
import { isObject, jsonEqual, ownEntry } from '../json'
import { toMemberReference } from './members'
import { isMembers, type PathSettings } from './targets'
import { asArray, type WorkingCopy } from './working-copy'
import { WorkingList } from './working-list'

/** The new resource while it is assembled: a shallow copy of the input, extension objects copied on first write. */
class Assembly {
  readonly resource: Record<string, unknown>
  /** Canonical keys of the attributes whose value differs from before, in the order first written. */
  readonly changedAttributes: string[] = []
  /** Extension objects written so far, by lower-cased URN. */
  extensions: Map<string, Record<string, unknown>> | undefined

  constructor(private readonly copy: WorkingCopy) {
    this.resource = { ...copy.original }
  }

  /** The new object of an extension, made on first use (empty when the request removed the extension). */
  extension(schema: string): Record<string, unknown> {
    const urn = schema.toLowerCase()
    this.extensions ??= new Map()
    let object = this.extensions.get(urn)
    if (!object) {
      const stored = ownEntry(this.resource, schema)
      if (stored && stored.key !== schema) delete this.resource[stored.key]
      object = this.copy.clearedExtensions.has(urn) || !isObject(stored?.value) ? {} : { ...stored.value }
      this.extensions.set(urn, object)
    }
    return object
  }
}

/** Merges the written attributes of `copy` into a new resource and says what changed. */
export function patchResult(copy: WorkingCopy, settings: PathSettings): PatchResult {
  const out = new Assembly(copy)
  for (const urn of copy.clearedExtensions) {
    const schema = settings.registry.getSchema(urn)
    if (schema) out.extension(schema.id)
  }
  const membersEdited = writeAttributes(out, copy, settings)
  if (out.extensions) writeExtensions(out, copy, settings)
  const memberChanges = memberChangesOf(copy, settings, out.resource)
  // With the list loaded the change is known exactly; without it, every requested change counts.
  const membersChanged = settings.membersLoaded ? membersEdited : isChange(memberChanges)
  if (membersChanged) out.changedAttributes.push('members')
  const { resource, changedAttributes } = out
  return {
    resource,
    changed: changedAttributes.length > 0,
    changedAttributes,
    ...(memberChanges ? { memberChanges } : {}),
  }
}

/** Writes each written attribute into the resource or its extension object; true when the loaded members changed. */
function writeAttributes(out: Assembly, copy: WorkingCopy, settings: PathSettings): boolean {
  let membersEdited = false
  for (const { ref, before, value: working, written } of copy.entries()) {
    if (!written) continue
    const value = working instanceof WorkingList ? (working.size > 0 ? working.values() : undefined) : working
    const members = isMembers(ref)
    if (members && !settings.membersLoaded) continue
    // Members compare as a set: order means nothing, an edited value or type does.
    if (members) membersEdited = !sameMembers(before, value)
    const container = ref.resolved.inExtension ? out.extension(ref.resolved.schema) : out.resource
    writeValue(container, ref.definition.name, value)
    if (!members && !jsonEqual(before, value)) out.changedAttributes.push(ref.key)
  }
  return membersEdited
}

/** Sets (or, for undefined, deletes) `name` in `container`, dropping a stored key spelled otherwise. */
function writeValue(container: Record<string, unknown>, name: string, value: unknown): void {
  if (!Object.hasOwn(container, name)) {
    const stored = ownEntry(container, name)
    if (stored) delete container[stored.key]
  }
  if (value === undefined) delete container[name]
  else container[name] = value
}

/** Writes edited extension objects back, drops empty ones, and keeps `schemas` in step (RFC 7643 §3). */
function writeExtensions(out: Assembly, copy: WorkingCopy, settings: PathSettings): void {
  const { resource } = out
  const schemas = Array.isArray(resource.schemas) ? [...(resource.schemas as unknown[])] : undefined
  for (const [urn, object] of out.extensions ?? []) {
    const schema = settings.registry.getSchema(urn)!
    const listed = schemas?.findIndex((s) => typeof s === 'string' && s.toLowerCase() === urn) ?? -1
    if (Object.keys(object).length > 0) {
      resource[schema.id] = object
      if (schemas && listed === -1) schemas.push(schema.id)
    } else {
      delete resource[schema.id]
      if (schemas && listed !== -1) schemas.splice(listed, 1)
    }
    if (copy.clearedExtensions.has(urn)) recordClearedExtension(out, copy, schema.id, object)
  }
  if (schemas) resource.schemas = schemas
}

/** A whole extension removed: each attribute it held and no longer holds as before has changed. */
function recordClearedExtension(
  out: Assembly,
  copy: WorkingCopy,
  schemaId: string,
  object: Record<string, unknown>,
): void {
  const stored = ownEntry(copy.original, schemaId)?.value
  const before: Record<string, unknown> = isObject(stored) ? stored : {}
  for (const key of Object.keys(before)) {
    const changed = `${schemaId}:${key}`
    if (!jsonEqual(before[key], object[key]) && !out.changedAttributes.includes(changed))
      out.changedAttributes.push(changed)
  }
}

/** The member changes for the store, when any operation addressed the members. */
function memberChangesOf(
  copy: WorkingCopy,
  settings: PathSettings,
  resource: Record<string, unknown>,
): MemberChanges | undefined {
  const tracker = copy.memberChanges
  if (!tracker?.touched) return undefined
  return settings.membersLoaded ? loadedMemberChanges(copy, resource) : tracker.changes()
}

/** True for member changes that change something: a replacement, or a delta that adds or removes. */
function isChange(changes: MemberChanges | undefined): boolean {
  return (
    changes !== undefined &&
    (changes.kind === 'replace' || changes.added.length > 0 || changes.removed.length > 0)
  )
}

/** With the list loaded, the exact difference between the old and new lists (or the replacement). */
function loadedMemberChanges(copy: WorkingCopy, resource: Record<string, unknown>): MemberChanges {
  const after = asArray(resource.members).map((element) => toMemberReference(element, 'members'))
  if (copy.members.replaced) return { kind: 'replace', members: after }
  const before = new Set(
    asArray(ownEntry(copy.original, 'members')?.value).flatMap((e) =>
      isObject(e) && typeof e.value === 'string' ? [e.value] : [],
    ),
  )
  const afterIds = new Set(after.map((m) => m.value))
  return {
    kind: 'delta',
    added: after.filter((m) => !before.has(m.value)),
    removed: [...before].filter((id) => !afterIds.has(id)),
  }
}

/**
 * The same members in any order: a member is its `value` and `type` (`display` is informational and
 * `$ref` derived), so an edit of either is a change and a new order is not.
 */
function sameMembers(a: unknown, b: unknown): boolean {
  const keys = (list: unknown) =>
    asArray(list)
      .map((e) => (isObject(e) ? `${String(e.value)}\u0000${String(e.type ?? '')}` : JSON.stringify(e)))
      .sort()
  const left = keys(a)
  const right = keys(b)
  return left.length === right.length && left.every((k, i) => k === right[i])
}
