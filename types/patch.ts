// Public contracts for SCIM PATCH (RFC 7644 §3.5.2): the request, and what applying it changed.

/** URN of the PatchOp message. RFC 7644 §3.5.2. */
export type PatchOpSchemaUrn = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

/** One operation as the client sent it. `op` is read case-insensitively unless the dialect is strict. */
export interface PatchOperation {
  /** `add`, `remove` or `replace`. */
  readonly op: string
  /** Attribute path (RFC 7644 §3.5.2); optional for `add` and `replace`. */
  readonly path?: string
  /** The value to add or replace with; for `remove`, Entra's list of members to remove. */
  readonly value?: unknown
}

/** The PatchOp message body. RFC 7644 §3.5.2. */
export interface PatchRequest {
  /** Must contain `urn:ietf:params:scim:api:messages:2.0:PatchOp`. */
  readonly schemas: readonly string[]
  /** The operations, applied in order, all or none. */
  readonly Operations: readonly PatchOperation[]
}

/** A member of a group as the store receives it. */
export interface MemberReference {
  /** The member's SCIM id (a User id, or a Group id for nested groups). */
  readonly value: string
  /** `User` or `Group`, when the client said. */
  readonly type?: string
  /** The member's display name, when the client sent one (informational). */
  readonly display?: string
}

/**
 * How a PATCH changed an association attribute (a group's `members`), in the form a store applies
 * without loading the member list: additions and removals, or a full replacement.
 */
export type MemberChanges =
  | {
      readonly kind: 'delta'
      /** Members to add (idempotent: a store ignores ones already present). */
      readonly added: readonly MemberReference[]
      /** Member ids to remove (idempotent: a store ignores ids that are not members). */
      readonly removed: readonly string[]
    }
  | {
      readonly kind: 'replace'
      /** The complete new member list. */
      readonly members: readonly MemberReference[]
    }

/** What `applyPatch()` returns. */
export interface PatchResult<T extends object = Record<string, unknown>> {
  /** The resource after every operation: a new object (the input is never mutated). */
  readonly resource: T
  /** True when some attribute, or the membership, changed. */
  readonly changed: boolean
  /**
   * Top-level attributes whose value changed, as canonical names: core ones plain (`displayName`),
   * extension ones URN-qualified (`urn:...:enterprise:2.0:User:department`). Includes `members` when
   * the membership changed.
   */
  readonly changedAttributes: readonly string[]
  /** Present when the request touched a group's members: the changes to hand to the store. */
  readonly memberChanges?: MemberChanges
}

/** What to do when an operation's value filter (`emails[type eq "work"]`) matches no element. */
export interface UnmatchedFilterPolicy {
  /**
   * `add` / `replace`: `create` adds an element built from the filter's `eq` terms and the value (what
   * Entra expects for `addresses[type eq "work"].locality`); `noTarget` answers 400 noTarget
   * (RFC 7644 §3.5.2.3). Default: `create`, or `noTarget` under the strict dialect.
   */
  readonly addOrReplace?: 'create' | 'noTarget'
  /** `remove`: `ignore` changes nothing (removal is idempotent); `noTarget` answers 400. Default `ignore`. */
  readonly remove?: 'ignore' | 'noTarget'
}
