// express-scim/patch: applies SCIM PatchOp messages (RFC 7644 §3.5.2) to resources, for hosts with their own HTTP layer.

// The PatchOp message, its result (with the member delta a TeamStore applies) and the unmatched-filter policy.
export type * from '../../types/patch'
// The engine: applyPatch() for one call, createPatcher() to check the options once and hold the result.
export { applyPatch, createPatcher, type Patcher } from './apply'
// Its options, defaults and the message URN: hosts build requests and size their own limits from them.
export {
  type ApplyPatchOptions,
  DEFAULT_MAX_OPERATIONS,
  DEFAULT_MAX_VALUE_FILTER_TESTS,
  PATCH_OP_SCHEMA,
} from './settings'
