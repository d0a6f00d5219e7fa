// Builders for /Bulk requests (RFC 7644 §3.7) shared by the bulk tests.
import type { Express } from 'express'
import request from 'supertest'
import { TOKEN, userBody } from './scim-app'

export const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest'
export const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse'
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error'

/** A BulkRequest body with these operations (and `failOnErrors` or other members from `extra`). */
export function bulk(operations: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [BULK_REQUEST], Operations: operations, ...extra }
}

/** A POST /Users operation with its bulkId. */
export function postUser(bulkId: string, userName: string, extra: Record<string, unknown> = {}) {
  return { method: 'POST', path: '/Users', bulkId, data: userBody(userName, extra) }
}

/** POSTs raw JSON text to `/scim/Bulk` with the test token: for bodies JSON.stringify cannot make. */
export function postBulkText(app: Express, text: string): request.Test {
  return request(app)
    .post('/scim/Bulk')
    .set('Authorization', `Bearer ${TOKEN}`)
    .set('Content-Type', 'application/scim+json')
    .send(text)
}
