// What one MemoryUserStore record holds, how a caller's fields become one, and the copy a caller gets back.
import type { ScimDocument, StoredUser, UserFields } from '../../types/stores'
import { configError } from '../errors'
import { isObject } from '../json'
import { storedDocument } from './shared'

/** What a host passes to `addLocalUser`: the user fields, the SCIM document optional. */
export type LocalUserFields = Omit<UserFields, 'document'> & { readonly document?: ScimDocument }

/**
 * A stored user. Records are replaced, never changed in place, so a copy taken earlier stays consistent.
 * Every key is always present (absent values are undefined) and `makeRecord` sets them in one order:
 * every record then has one shape, with all its fields inside the object, where keys added or left out
 * per user (as a spread does) would give records of several shapes and an extra property array each.
 */
export interface UserRecord {
  readonly id: string
  readonly version: string
  readonly created: Date
  readonly lastModified: Date
  readonly provisioned: boolean
  readonly userName: string
  readonly externalId: string | undefined
  readonly displayName: string | undefined
  readonly email: string | undefined
  readonly active: boolean
  readonly hidden: boolean
  readonly document: ScimDocument
  /** Creation order: the default order of `list` and the tie-break of every sort. */
  readonly sequence: number
}

/** What the store writes itself: identity, version, timestamps, provisioning mark, creation order. */
export type RecordMeta = Pick<
  UserRecord,
  'id' | 'version' | 'created' | 'lastModified' | 'provisioned' | 'sequence'
>

/** The fields a caller gives, as the store keeps them. */
export type RecordValues = Omit<UserRecord, keyof RecordMeta>

/** The user's named fields as the store keeps them: checked types, the document copied. */
export function normalise(fields: LocalUserFields): RecordValues {
  if (!isObject(fields)) throw configError('ERR_INVALID_ARGUMENT', 'user fields must be an object')
  if (typeof fields.userName !== 'string')
    throw configError('ERR_INVALID_ARGUMENT', 'userName must be a string')
  if (fields.externalId !== undefined && typeof fields.externalId !== 'string') {
    throw configError('ERR_INVALID_ARGUMENT', 'externalId must be a string')
  }
  // The router never puts the password in the document; if a caller did, it must still not be stored.
  const document = storedDocument(fields.document, 'password')
  return {
    userName: fields.userName,
    externalId: fields.externalId,
    displayName: typeof fields.displayName === 'string' ? fields.displayName : undefined,
    // An empty email is no email: it must not collide with other users' empty ones.
    email: typeof fields.email === 'string' && fields.email !== '' ? fields.email : undefined,
    active: fields.active !== false,
    hidden: fields.hidden === true,
    document,
  }
}

/** A record with every key, in the one order of `UserRecord` (see there why). */
export function makeRecord(meta: RecordMeta, values: RecordValues): UserRecord {
  return {
    id: meta.id,
    version: meta.version,
    created: meta.created,
    lastModified: meta.lastModified,
    provisioned: meta.provisioned,
    userName: values.userName,
    externalId: values.externalId,
    displayName: values.displayName,
    email: values.email,
    active: values.active,
    hidden: values.hidden,
    document: values.document,
    sequence: meta.sequence,
  }
}

/** A fresh record for a caller: new Dates, the frozen document, no internal fields. */
export function copyOut(record: UserRecord): StoredUser {
  const user: { -readonly [K in keyof StoredUser]: StoredUser[K] } = {
    id: record.id,
    version: record.version,
    created: new Date(record.created.getTime()),
    lastModified: new Date(record.lastModified.getTime()),
    provisioned: record.provisioned,
    userName: record.userName,
    active: record.active,
    document: record.document,
  }
  // Set only when present: a caller sees no key for an absent value.
  if (record.externalId !== undefined) user.externalId = record.externalId
  if (record.displayName !== undefined) user.displayName = record.displayName
  if (record.email !== undefined) user.email = record.email
  if (record.hidden) user.hidden = true
  return user
}
