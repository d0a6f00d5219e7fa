// Which resource types an endpoint serves, read once per run from its /ResourceTypes (RFC 7644 §4): a suite that needs a type the server does not serve is not run.
import { type Exchange, exchange } from './transport'

/**
 * The ids of the resource types `/ResourceTypes` lists, lower-cased, or undefined when the answer says
 * nothing usable (not 200, not a list): then every suite runs, and a missing endpoint fails as it should.
 */
export async function servedResourceTypes(
  baseUrl: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<ReadonlySet<string> | undefined> {
  const request: Exchange = { method: 'GET', url: `${baseUrl}/ResourceTypes`, headers: { ...headers } }
  let text: string
  try {
    const answer = await exchange(request, timeoutMs)
    if (answer.status !== 200) return undefined
    text = answer.text
  } catch {
    return undefined
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return undefined
  }
  const resources = (body as { Resources?: unknown } | null)?.Resources
  if (!Array.isArray(resources)) return undefined
  const ids = new Set<string>()
  for (const type of resources) {
    const id = (type as { id?: unknown } | null)?.id
    if (typeof id === 'string') ids.add(id.toLowerCase())
  }
  return ids
}
