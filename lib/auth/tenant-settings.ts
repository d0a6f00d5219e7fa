// The provisioning switches in force for one tenant: the static options, overridden by the host's dynamic provider, failing closed.
import type { Principal } from '../../types/stores'
import { scimError } from '../errors'
import { isObject } from '../json'
import type { Configuration, ResolvedSettings } from '../options'

function serviceUnavailable(): Error {
  return scimError(503, undefined, 'Provisioning settings are unavailable')
}

/**
 * The settings for this tenant: the static switches, overridden by the dynamic provider. Anything
 * wrong with the provider fails the request closed (503) rather than falling back to the static ones.
 */
export async function settingsFor(config: Configuration, principal: Principal): Promise<ResolvedSettings> {
  if (!config.settings) return config.staticSettings
  let dynamic: unknown
  try {
    dynamic = await config.settings(principal.tenant, principal)
  } catch {
    throw serviceUnavailable()
  }
  if (!isObject(dynamic)) throw serviceUnavailable()
  const merged: Record<string, boolean> = { ...config.staticSettings }
  for (const key of Object.keys(config.staticSettings)) {
    const value = dynamic[key]
    if (value === undefined) continue
    if (typeof value !== 'boolean') throw serviceUnavailable()
    merged[key] = value
  }
  const settings = merged as unknown as ResolvedSettings
  if (settings.groupSyncEnabled && settings.teamSyncEnabled) throw serviceUnavailable()
  return settings
}
