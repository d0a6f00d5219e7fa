// A small HTTP client for tests that drive host processes over real sockets: SCIM calls with a bearer token, form posts and pages with a cookie, retries as an IdP makes them, and a consistency check over the host's tables.
import type { Pool } from 'pg'

/** An answer: status 0 when the connection failed (no answer at all). */
export interface Answer {
  readonly status: number
  readonly headers: Record<string, string>
  // biome-ignore lint/suspicious/noExplicitAny: a SCIM body as the test reads it
  readonly body: Record<string, any>
  readonly text: string
}

/** SCIM calls under `<base>/scim`, forms and pages under `<base>`. */
export interface ScimClient {
  send(method: string, path: string, body?: unknown): Promise<Answer>
  /** POSTs a form; the answer's `set-cookie` header holds the first cookie's `name=value`. */
  form(path: string, fields: Record<string, string>): Promise<Answer>
  /** GETs a page with a cookie, not following redirects. */
  page(path: string, cookie: string): Promise<Answer>
}

async function answerOf(response: Response): Promise<Answer> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, key) => {
    headers[key] = value
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies[0]!.split(';')[0]!
  else delete headers['set-cookie']
  const text = await response.text()
  let body: Record<string, unknown> = {}
  try {
    body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)
  } catch {
    // A page, not JSON.
  }
  return { status: response.status, headers, body, text }
}

async function attempt(url: string, init: RequestInit): Promise<Answer> {
  try {
    return await answerOf(
      await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(30_000) }),
    )
  } catch {
    return { status: 0, headers: {}, body: {}, text: '' }
  }
}

export function scimClient(base: string, token: string): ScimClient {
  return {
    send: (method, path, body) =>
      attempt(`${base}/scim${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    form: (path, fields) =>
      attempt(`${base}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      }),
    page: (path, cookie) => attempt(`${base}${path}`, { headers: { Cookie: cookie } }),
  }
}

/**
 * Sends again, as an IdP does, while the answer says the service is unavailable (no answer, 502, 503),
 * waiting 200 ms between tries; `onFailure` sees each failed status.
 */
export async function withRetries(
  send: () => Promise<Answer>,
  onFailure?: (status: number) => void,
  tries = 10,
): Promise<Answer> {
  for (let i = 1; ; i += 1) {
    const answer = await send()
    if (![0, 502, 503].includes(answer.status) || i >= tries) return answer
    onFailure?.(answer.status)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/**
 * What a crash or a race must never leave in the host's tables, each as a sentence with its count: a
 * member that is no user, a membership across tenants, a live session of a disabled user, a visible
 * user without its login in the name namespace, a name pointing to no user of its tenant.
 */
export async function consistencyProblems(db: Pool): Promise<string[]> {
  const checks: [string, string][] = [
    [
      'members that are no user of the team’s tenant',
      `select count(*)::int as n from team_members m join teams t on t.id = m.team_id
       left join users u on u.id = m.user_id and u.tenant = t.tenant where u.id is null`,
    ],
    [
      'live sessions of disabled users',
      `select count(*)::int as n from sessions s join users u on u.id = s.user_id
       where u.disabled and s.revoked_at is null`,
    ],
    [
      'visible users without their login in user_names',
      `select count(*)::int as n from users u where not u.hidden and not exists (
         select 1 from user_names n where n.user_id = u.id and n.tenant = u.tenant and n.name_folded = u.login_folded)`,
    ],
    [
      'names of no user of their tenant',
      `select count(*)::int as n from user_names n left join users u on u.id = n.user_id and u.tenant = n.tenant
       where u.id is null`,
    ],
    ['teams at a version below 1', 'select count(*)::int as n from teams where version < 1'],
  ]
  const problems: string[] = []
  for (const [what, sql] of checks) {
    const n = (await db.query<{ n: number }>(sql)).rows[0]?.n ?? 0
    if (n > 0) problems.push(`${n} ${what}`)
  }
  return problems
}
