// The floor for the HTTP benchmark: a raw `(req, res)` handler over Maps that gives the same answers as the router, and nothing more.
//
// It authenticates with a plain string compare, routes by splitting the URL, answers the same JSON bodies
// (the stored document, `id`, `meta` with `location` and a weak `version`, and the user's `groups` as the
// router gives them) with the same headers (`ETag`, `Location`, the SCIM media type, `Content-Length`), in
// one `end()`. It validates only what the request must have. Mounted on an Express app with
// `app.use('/scim', handler)` it is the floor for any middleware an Express host mounts; on
// `http.createServer` it is the floor of Node itself. test/bench/floor.test.ts holds its answers equal to
// the router's.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'
const CONTENT_TYPE = 'application/scim+json; charset=utf-8'

/** One stored user, as a minimal host keeps it. */
interface FloorUser {
  readonly id: string
  readonly document: Record<string, unknown>
  readonly userName: string
  readonly externalId: string | undefined
  readonly created: string
  version: number
}

/** One stored group: its name and its members' ids. */
interface FloorTeam {
  readonly id: string
  readonly displayName: string
  readonly members: Set<string>
}

/** The users, groups and indexes of a floor server. */
export interface FloorState {
  readonly users: Map<string, FloorUser>
  readonly byUserName: Map<string, FloorUser>
  readonly byExternalId: Map<string, FloorUser>
  readonly teams: Map<string, FloorTeam>
  /** The groups of each user that has any, in the order it joined them: a user's `groups` read. */
  readonly teamsOfUser: Map<string, FloorTeam[]>
}

export function createFloorState(): FloorState {
  return {
    users: new Map(),
    byUserName: new Map(),
    byExternalId: new Map(),
    teams: new Map(),
    teamsOfUser: new Map(),
  }
}

/** Stores a user the way POST /Users does; answers it. */
export function addFloorUser(state: FloorState, document: Record<string, unknown>): FloorUser {
  const userName = String(document['userName'])
  const externalId = typeof document['externalId'] === 'string' ? document['externalId'] : undefined
  const user: FloorUser = {
    id: randomUUID(),
    document,
    userName,
    externalId,
    created: new Date().toISOString(),
    version: 1,
  }
  state.users.set(user.id, user)
  state.byUserName.set(userName.toLowerCase(), user)
  if (externalId !== undefined) state.byExternalId.set(externalId, user)
  return user
}

/** Adds a user to a group, keeping the user's side of the membership too. */
function addFloorMember(state: FloorState, team: FloorTeam, userId: string): void {
  if (team.members.has(userId)) return
  team.members.add(userId)
  const teams = state.teamsOfUser.get(userId)
  if (teams === undefined) state.teamsOfUser.set(userId, [team])
  else teams.push(team)
}

/** Stores a group with these members; answers its id. */
export function addFloorTeam(state: FloorState, displayName: string, memberIds: readonly string[]): string {
  const team: FloorTeam = { id: randomUUID(), displayName, members: new Set() }
  state.teams.set(team.id, team)
  for (const userId of memberIds) addFloorMember(state, team, userId)
  return team.id
}

function resource(state: FloorState, user: FloorUser, base: string) {
  const body: Record<string, unknown> = {
    ...user.document,
    id: user.id,
    meta: {
      resourceType: 'User',
      created: user.created,
      lastModified: user.created,
      version: `W/"${user.version}"`,
      location: `${base}/Users/${user.id}`,
    },
  }
  const teams = state.teamsOfUser.get(user.id)
  if (teams !== undefined)
    body['groups'] = teams.map((team) => ({
      value: team.id,
      $ref: `${base}/Groups/${team.id}`,
      display: team.displayName,
      type: 'direct',
    }))
  return body
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
  })
  res.end(text)
}

const fail = (res: ServerResponse, status: number, detail: string) =>
  send(res, status, { schemas: [ERROR_SCHEMA], status: String(status), detail })

const EQ = /^\s*(userName|externalId)\s+eq\s+"([^"\\]*)"\s*$/i

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      } catch {
        resolve(undefined)
      }
    })
  })
}

/**
 * The floor handler for SCIM mounted at `mount` (`/scim`): `req.url` is relative to it (Express strips the
 * mount path; on plain node:http the caller passes a handler that strips it).
 */
export function floorHandler(state: FloorState, token: string, mount: string) {
  const bearer = `Bearer ${token}`
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== bearer) return fail(res, 401, 'Unauthorized')
    const url = req.url ?? '/'
    const mark = url.indexOf('?')
    const path = mark < 0 ? url : url.slice(0, mark)
    const [, collection, id] = path.split('/')
    const base = `http://${req.headers.host}${mount}`
    if (collection === 'Users' && req.method === 'GET' && id !== undefined) {
      const user = state.users.get(decodeURIComponent(id))
      if (user === undefined) return fail(res, 404, 'Not found')
      return send(res, 200, resource(state, user, base), { ETag: `W/"${user.version}"` })
    }
    if (collection === 'Users' && req.method === 'GET') {
      const filter = new URLSearchParams(mark < 0 ? '' : url.slice(mark + 1)).get('filter')
      const match = filter === null ? null : EQ.exec(filter)
      if (match === null) return fail(res, 400, 'Only userName eq and externalId eq filters are served')
      const user =
        match[1]!.toLowerCase() === 'username'
          ? state.byUserName.get(match[2]!.toLowerCase())
          : state.byExternalId.get(match[2]!)
      const resources = user === undefined ? [] : [resource(state, user, base)]
      return send(res, 200, {
        schemas: [LIST_SCHEMA],
        totalResults: resources.length,
        itemsPerPage: resources.length,
        startIndex: 1,
        Resources: resources,
      })
    }
    if (collection === 'Users' && req.method === 'POST') {
      void readBody(req).then((body) => {
        const document =
          typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined
        const name = document?.['userName']
        if (document === undefined || typeof name !== 'string') return fail(res, 400, 'userName is required')
        if (state.byUserName.has(name.toLowerCase())) return fail(res, 409, 'userName is taken')
        const user = addFloorUser(state, document)
        const location = `${base}/Users/${user.id}`
        return send(res, 201, resource(state, user, base), { ETag: `W/"1"`, Location: location })
      })
      return
    }
    if (collection === 'Groups' && req.method === 'PATCH' && id !== undefined) {
      void readBody(req).then((body) => {
        const team = state.teams.get(decodeURIComponent(id))
        if (team === undefined) return fail(res, 404, 'Not found')
        const operations = (body as { Operations?: unknown } | undefined)?.Operations
        if (!Array.isArray(operations)) return fail(res, 400, 'Operations is required')
        for (const operation of operations) {
          if (operation?.op !== 'add' || operation.path !== 'members' || !Array.isArray(operation.value))
            return fail(res, 400, 'Only member adds are served')
          for (const member of operation.value) {
            if (!state.users.has(member?.value)) return fail(res, 400, 'No such user')
            addFloorMember(state, team, member.value)
          }
        }
        res.writeHead(204)
        res.end()
      })
      return
    }
    fail(res, 404, 'No such endpoint')
  }
}
