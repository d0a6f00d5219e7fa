// One application of one PATCH request: its settings, its working copy, and its budget (RFC 7644 §3.12 `tooMany`).
import { scimError } from '../errors'
import type { PathSettings } from './targets'
import { WorkingCopy } from './working-copy'

/**
 * What add, replace and remove share while one request applies: the patcher's settings, the working
 * copy of the resource, and what the request has spent against its bounds, each charged before the
 * work it pays for: operations (`maxOperations`) and value-filter tests (`maxValueFilterTests`).
 */
export class PatchContext {
  /** The private copies of the attributes the request touches; the input resource is never written. */
  readonly copy: WorkingCopy
  /**
   * Operations so far, a path-less value's keys each counted as one (Entra's dotted and filtered keys
   * are operations on paths): `maxOperations` bounds them all, not only the `Operations` array.
   */
  #operations = 0
  /** Elements the value filters have tested so far (RFC 7644 §3.12 `tooMany` past the bound). */
  #tests = 0

  /** `resource` is read, never written; `settings` are the patcher's checked options and path cache. */
  constructor(
    readonly settings: PathSettings,
    resource: Record<string, unknown>,
  ) {
    this.copy = new WorkingCopy(resource, settings)
  }

  /** Counts operations; 400 `tooMany` past `maxOperations` (RFC 7644 §3.12). */
  countOperations(count: number): void {
    this.#operations += count
    if (this.#operations > this.settings.maxOperations) {
      throw scimError(
        400,
        'tooMany',
        `The PATCH makes more than ${this.settings.maxOperations} operations (a path-less value's keys count each)`,
      )
    }
  }

  /** Counts value-filter tests; 400 `tooMany` past `maxValueFilterTests`, before the tests are made. */
  chargeTests(tests: number): void {
    this.#tests += tests
    if (this.#tests > this.settings.maxValueFilterTests) {
      throw scimError(
        400,
        'tooMany',
        `The PATCH's value filters would make more than ${this.settings.maxValueFilterTests} tests; send fewer or simpler operations`,
      )
    }
  }
}
