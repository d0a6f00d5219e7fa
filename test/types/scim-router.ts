// Type test, checked by `npm run typecheck`: the ScimRouter type mounts under Express 4 and 5 and promises no next().
import type { IncomingMessage, ServerResponse } from 'node:http'
import express, { type NextFunction, type Request, type Response } from 'express'
import express4 from 'express4'
import type { ScimRouter } from '../../lib'

declare const router: ScimRouter

/** Both Express majors accept it as middleware under a mount path, as the README shows. */
export const onExpress5 = express().use('/scim', router)
export const onExpress4 = express4().use('/scim', router)

/**
 * Express 4's handler shape, as `@types/express-serve-static-core@4` declares `RequestHandler` (only
 * Express 5's types are installed, and `express4` borrows them): a router with fewer parameters fits it.
 */
type Express4RequestHandler = (request: Request, response: Response, next: NextFunction) => void
export const asExpress4Handler: Express4RequestHandler = router

/** It is called with a request and a response only: its type takes no `next`, so it cannot promise one. */
export const arity: Parameters<ScimRouter>['length'] = 2
export const parameters: Parameters<ScimRouter> = [{} as IncomingMessage, {} as ServerResponse]
// @ts-expect-error: a third argument is not part of the contract (the router never calls next()).
export const withNext: Parameters<ScimRouter> = [{} as IncomingMessage, {} as ServerResponse, () => {}]
/** It answers through the response: nothing is returned to await. */
export const result: ReturnType<ScimRouter> = undefined
