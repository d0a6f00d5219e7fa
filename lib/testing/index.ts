// express-scim/testing: the UserStore, TeamStore and GrantStore contract suites a host runs against its own stores,
// under Jest, Vitest or node:test (re-exports only).
export {
  describeGrantStoreContract,
  type GrantStoreContractOptions,
  type GrantStoreContractSetup,
} from './grants'
export type { ContractRunner } from './runner'
export {
  createTestContext,
  type LocalUserSpec,
  type StoreContractOptions,
  TEAM_CONTRACT_USER_COUNT,
  type TeamStoreContractNeeds,
  type TeamStoreContractSetup,
  type UserStoreContractSetup,
} from './setup'
export { describeTeamStoreContract } from './teams/suite'
export { describeUserStoreContract } from './users/suite'
