// The roles and entitlements catalogues the tests give routers: Grafana's basic roles, a protected server admin, a custom role, and two entitlements.
import { type Grant, MemoryGrantStore } from '../../lib'

/** Grafana's roles as a host declares them: the first two are grantable (the IdP sequences grant them). */
export const TEST_ROLES: readonly Grant[] = [
  { value: 'Viewer', displayName: 'Viewer', type: 'basic', description: 'Views dashboards' },
  { value: 'Editor', displayName: 'Editor', type: 'basic', description: 'Edits dashboards' },
  { value: 'Admin', displayName: 'Admin', type: 'basic', description: 'Manages the organisation' },
  { value: 'GrafanaAdmin', displayName: 'Server administrator', type: 'server', protected: true },
  { value: 'custom:reports.reader', displayName: 'Reports reader', type: 'custom' },
]

/** Entitlements: a licence any user may get, and one the host keeps to itself. */
export const TEST_ENTITLEMENTS: readonly Grant[] = [
  { value: 'licence:enterprise', displayName: 'Enterprise licence', type: 'License' },
  { value: 'licence:support', displayName: 'Support seat', type: 'License', protected: true },
]

/** Fresh catalogues for one router: `roleStore` and `entitlementStore`. */
export function testGrantStores(): { roleStore: MemoryGrantStore; entitlementStore: MemoryGrantStore } {
  return {
    roleStore: new MemoryGrantStore(TEST_ROLES),
    entitlementStore: new MemoryGrantStore(TEST_ENTITLEMENTS, { kind: 'Entitlement' }),
  }
}
