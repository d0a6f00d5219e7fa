// Entry point of `express-scim/check`: replay the recorded Entra ID, Okta and RFC sequences against any SCIM endpoint.
export type {
  CheckCleanupResult,
  CheckFailure,
  CheckJson,
  CheckMethod,
  CheckOptions,
  CheckProgressEvent,
  CheckReport,
  CheckSequence,
  CheckStep,
  CheckStepResult,
  CheckSuite,
  CheckSuiteResult,
} from '../../types/check'
export { runCheck } from './run'
export { builtInSuites, parseSequence, selectSuites } from './sequence'
