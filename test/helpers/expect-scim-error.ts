// Asserts that a call throws a SCIM error of a given status and scimType, and returns it for further checks.
import { isScimError, type ScimError } from '../../lib/errors'
import type { ScimType } from '../../types/errors'

/** Runs `fn`, expects a SCIM error with this status and scimType, and returns the error. */
export function expectScimError(fn: () => unknown, status: number, scimType?: ScimType): ScimError {
  let thrown: unknown
  try {
    fn()
  } catch (error) {
    thrown = error
  }
  if (thrown === undefined) throw new Error('expected a SCIM error, but nothing was thrown')
  if (!isScimError(thrown)) throw thrown
  expect(thrown.status).toBe(status)
  if (scimType !== undefined) expect(thrown.scimType).toBe(scimType)
  return thrown
}
