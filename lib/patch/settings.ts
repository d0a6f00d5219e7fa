// The options of the PATCH engine (RFC 7644 §3.5.2), checked once per patcher, and the settings they imply.

import type { UnmatchedFilterPolicy } from '../../types/patch'
import { type PatchDialect, readDialect, unmatchedFilterDefault } from '../dialect'
import { configError } from '../errors'
import { createFilterParser, type FilterParser } from '../filter/parser'
import { isObject } from '../json'
import { createSchemaRegistry, type SchemaRegistry } from '../schema/registry'

/** URN of the PatchOp message. RFC 7644 §3.5.2. */
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

/** Default most operations in one PATCH request. */
export const DEFAULT_MAX_OPERATIONS = 1000

/** Default most tests the value filters of one PATCH may make, summed over its operations. */
export const DEFAULT_MAX_VALUE_FILTER_TESTS = 20_000

/** Options of `applyPatch()`. */
export interface ApplyPatchOptions {
  /** Resource type of the resource (`User`, `Group`); decides the schema every path resolves against. */
  readonly resourceType: string
  /** Schemas, with host extensions. Defaults to the built-in User, Enterprise User and Group. */
  readonly registry?: SchemaRegistry
  /** `lenient` (default) reads the Entra and Okta dialects; `strict` reads RFC 7644 only. */
  readonly dialect?: PatchDialect
  /** Most operations accepted in one request (default 1000); more is 400 `tooMany`. */
  readonly maxOperations?: number
  /**
   * Most tests the value filters of one request may make, summed over its operations (default 20,000):
   * one comparison term against one element, counted once per 256 bytes of the element; more is 400
   * `tooMany`, charged before the tests run. `attr[sub eq "x"]` filters (what IdPs send) test only the
   * elements an index finds, other filters every element of the attribute; so the bound caps what
   * operations × terms × elements can cost.
   */
  readonly maxValueFilterTests?: number
  /**
   * Most values a multi-valued attribute may grow to in one request (group `members` excepted); an add
   * past it is 400 `invalidValue` at the first value over, before the rest is indexed. Unlimited by
   * default; the router passes its `maxValuesPerAttribute`.
   */
  readonly maxValuesPerAttribute?: number
  /** What an operation whose value filter matches no element does. */
  readonly unmatchedFilter?: UnmatchedFilterPolicy
  /**
   * Whether `resource.members` holds the complete member list (default true). With false, member
   * operations are turned into `memberChanges` without reading the list, so adding one member to a
   * 100,000-member group costs the same as to an empty one; requests for which that is impossible are
   * reported by `requiresMemberList()`, which the caller checks first.
   */
  readonly membersLoaded?: boolean
}

/** The checked options of one patcher (see `ApplyPatchOptions`), plus what they imply. */
export interface Settings {
  readonly registry: SchemaRegistry
  readonly resourceType: string
  readonly dialect: PatchDialect
  readonly maxOperations: number
  readonly maxValueFilterTests: number
  readonly maxValuesPerAttribute: number | undefined
  readonly createOnUnmatched: boolean
  readonly noTargetOnUnmatchedRemove: boolean
  readonly membersLoaded: boolean
  readonly parser: FilterParser
  readonly extensions: ReadonlySet<string>
}

/** Checked options, once per call (or once per router, through `createPatcher()`). */
export function settingsFrom(options: ApplyPatchOptions): Settings {
  if (!isObject(options))
    throw configError('ERR_INVALID_OPTION', 'applyPatch needs options with a resourceType')
  const registry = options.registry ?? createSchemaRegistry()
  const resourceType = registry.getResourceType(String(options.resourceType))
  if (!resourceType)
    throw configError('ERR_INVALID_OPTION', `unknown resource type ${String(options.resourceType)}`)
  const dialect = readDialect(options.dialect, 'the PATCH option')
  const maxOperations = options.maxOperations ?? DEFAULT_MAX_OPERATIONS
  if (!Number.isInteger(maxOperations) || maxOperations < 1) {
    throw configError('ERR_INVALID_OPTION', 'maxOperations must be a positive integer')
  }
  const maxValueFilterTests = options.maxValueFilterTests ?? DEFAULT_MAX_VALUE_FILTER_TESTS
  if (!Number.isSafeInteger(maxValueFilterTests) || maxValueFilterTests < 1) {
    throw configError('ERR_INVALID_OPTION', 'maxValueFilterTests must be a positive integer')
  }
  const maxValuesPerAttribute = options.maxValuesPerAttribute
  if (
    maxValuesPerAttribute !== undefined &&
    (!Number.isSafeInteger(maxValuesPerAttribute) || maxValuesPerAttribute < 1)
  ) {
    throw configError('ERR_INVALID_OPTION', 'maxValuesPerAttribute must be a positive integer')
  }
  const addOrReplace = options.unmatchedFilter?.addOrReplace ?? unmatchedFilterDefault(dialect)
  const remove = options.unmatchedFilter?.remove ?? 'ignore'
  if (
    (addOrReplace !== 'create' && addOrReplace !== 'noTarget') ||
    (remove !== 'ignore' && remove !== 'noTarget')
  ) {
    throw configError(
      'ERR_INVALID_OPTION',
      'unmatchedFilter is { addOrReplace: create|noTarget, remove: ignore|noTarget }',
    )
  }
  return {
    registry,
    resourceType: resourceType.id,
    dialect,
    maxOperations,
    maxValueFilterTests,
    maxValuesPerAttribute,
    createOnUnmatched: addOrReplace === 'create',
    noTargetOnUnmatchedRemove: remove === 'noTarget',
    membersLoaded: options.membersLoaded ?? true,
    // The built-in schemas share the parser's precompiled default; only host extensions need their own.
    parser:
      options.registry === undefined
        ? createFilterParser()
        : createFilterParser({ schemaUrns: registry.schemaUrns() }),
    extensions: new Set(resourceType.schemaExtensions.map((e) => e.schema.toLowerCase())),
  }
}
