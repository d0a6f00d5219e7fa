// Unit tests of SCIM errors: http-errors based, RFC 7644 §3.12 bodies, nothing leaked from 5xx.
import { isScimError, scimError, scimErrorBody } from '../lib/errors'

describe('scimError', () => {
  it('is an http-errors error with status, scimType and an exposed 4xx detail', () => {
    const error = scimError(400, 'invalidFilter', 'Bad filter', { position: 3 })
    expect(isScimError(error)).toBe(true)
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({
      status: 400,
      statusCode: 400,
      scimType: 'invalidFilter',
      expose: true,
      position: 3,
    })
  })

  it('renders the RFC 7644 §3.12 body with status as a string', () => {
    expect(scimErrorBody(scimError(409, 'uniqueness', 'userName taken'))).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '409',
      scimType: 'uniqueness',
      detail: 'userName taken',
    })
  })

  it('never exposes the detail of a 5xx or of a foreign error', () => {
    const internal = scimError(500, undefined, 'connection string postgres://user:secret@db')
    expect(scimErrorBody(internal)).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '500',
    })
    expect(scimErrorBody(new Error('stack and secrets'))).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '500',
    })
    expect(scimErrorBody('thrown string')).toMatchObject({ status: '500' })
  })
})
