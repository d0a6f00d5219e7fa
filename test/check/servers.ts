// Real servers for the check engine's tests: the router on memory stores (with room for one defect in front), and raw ones.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import {
  createScimRouter,
  MemorySessionRevoker,
  MemoryTeamStore,
  MemoryUserStore,
  type RequestContext,
  staticTokens,
} from '../../lib'
import type { CheckReport } from '../../types/check'
import { testGrantStores } from '../helpers/grants'

/** Distinctive, URL- and JSON-safe, so a leak is found by a plain substring search of any output. */
export const TOKEN = 'zq7-CHECKTOKEN-4f1e9b2d7c3a-k8w'

export const TENANT = 'acme'

/** The context a test reads the memory stores with, as the router's token maps to. */
export const STORE_CONTEXT: RequestContext = {
  tenant: TENANT,
  principal: { id: 'idp', tenant: TENANT },
  requestId: 'test-inspection',
}

/** Waits until `server` listens on a free port of the loopback interface; returns its origin. */
export async function listen(server: Server): Promise<string> {
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.once('listening', () => resolve())
      server.listen(0, '127.0.0.1')
    })
  }
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Closes `server`, cutting connections a broken handler left open (a hanging one never ends them itself). */
export async function close(server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

/** A raw node:http server that answers with `handler` (or never, if the handler never ends the response). */
export async function rawServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ server: Server; origin: string; requests: string[] }> {
  const requests: string[] = []
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`)
    handler(request, response)
  })
  return { server, origin: await listen(server), requests }
}

/** The router mounted at `/scim` on fresh memory stores, with the test's middleware in front. */
export interface RouterServer {
  readonly server: Server
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  readonly users: MemoryUserStore
  readonly teams: MemoryTeamStore
  /** Every request that reached the app, as `METHOD path`, in order. */
  readonly requests: string[]
}

export interface RouterServerOptions {
  /** The user store (a subclass carrying a defect, say); default a fresh MemoryUserStore. */
  readonly users?: MemoryUserStore
  /** Middleware mounted before the router, on the same `/scim` prefix: the defect. */
  readonly defect?: express.RequestHandler
}

export async function routerServer(options: RouterServerOptions = {}): Promise<RouterServer> {
  const users = options.users ?? new MemoryUserStore()
  const teams = new MemoryTeamStore()
  const requests: string[] = []
  const app = express()
  app.use((request, _response, next) => {
    requests.push(`${request.method} ${request.originalUrl}`)
    next()
  })
  if (options.defect) app.use('/scim', options.defect)
  app.use(
    '/scim',
    createScimRouter({
      userStore: users,
      teamStore: teams,
      sessionRevoker: new MemorySessionRevoker(),
      authenticate: staticTokens([{ token: TOKEN, tenant: TENANT, id: 'idp' }]),
      userSyncEnabled: true,
      groupSyncEnabled: true,
      ...testGrantStores(),
      // Okta discovers roles only under its own URNs (okta-roles checks it).
      grantSchemas: 'okta',
    }),
  )
  const server = app.listen(0, '127.0.0.1')
  return { server, origin: await listen(server), users, teams, requests }
}

/** How many users and groups are left on a router server. */
export async function leftOn(target: RouterServer): Promise<{ users: number; groups: number }> {
  const everything = { startIndex: 1, count: 1000, sortOrder: 'ascending' } as const
  return {
    users: (await target.users.list(everything, STORE_CONTEXT)).totalResults,
    groups: (await target.teams.list(everything, STORE_CONTEXT)).totalResults,
  }
}

/** A step's outcome as one comparable line: `suite › index name: outcome`. */
export interface StepLine {
  readonly suite: string
  readonly index: number
  readonly name: string
  readonly outcome: 'passed' | 'failed' | 'skipped'
  readonly problems: readonly string[]
}

/** Every step of a report, flattened. */
export function stepsOf(report: CheckReport): StepLine[] {
  return report.suites.flatMap((suite) =>
    suite.steps.map((step) => ({
      suite: suite.name,
      index: step.index,
      name: step.name,
      outcome: step.outcome,
      problems: step.failure?.problems ?? [],
    })),
  )
}

/** The steps that failed, flattened. */
export function failedSteps(report: CheckReport): StepLine[] {
  return stepsOf(report).filter((step) => step.outcome === 'failed')
}

/** One suite's result, or a thrown error naming what exists (so a renamed suite fails loudly). */
export function suiteOf(report: CheckReport, name: string) {
  const suite = report.suites.find((s) => s.name === name)
  if (suite === undefined)
    throw new Error(`no suite ${name} in the report: ${report.suites.map((s) => s.name).join(', ')}`)
  return suite
}

/**
 * A defect for `routerServer`: the Location header is dropped however it is set (setHeader, or headers
 * handed to writeHead). RFC 7644 §3.3 requires it on 201.
 */
export const noLocation: express.RequestHandler = (_request, response, next) => {
  const setHeader = response.setHeader.bind(response)
  response.setHeader = ((name: string, value: number | string | readonly string[]) =>
    name.toLowerCase() === 'location' ? response : setHeader(name, value)) as typeof response.setHeader
  const writeHead = response.writeHead
  response.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    this.removeHeader('location')
    for (const arg of args) {
      if (typeof arg === 'object' && arg !== null && !Array.isArray(arg)) {
        for (const key of Object.keys(arg)) {
          if (key.toLowerCase() === 'location') delete (arg as Record<string, unknown>)[key]
        }
      }
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args)
  } as typeof response.writeHead
  next()
}
