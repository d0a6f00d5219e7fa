// The router's `dialect` reaches every reader of client input: bodies, PATCH, and filters in lists and PATCH paths.
import { describe, expect, it } from '@jest/globals'
import { buildScimApp, client, PATCH_SCHEMA, userBody } from '../helpers/scim-app'

const CASES: ['lenient' | 'strict', number][] = [
  ['lenient', 200],
  ['strict', 400],
]

describe.each(CASES)('dialect %s', (dialect, status) => {
  it(`answers ${status} to Entra's "False" in a list filter`, async () => {
    const http = client(buildScimApp({ router: { dialect } }))
    await http.post('/Users', userBody('anna'))
    const response = await http.get(`/Users?filter=${encodeURIComponent('active eq "False"')}`)
    expect(response.status).toBe(status)
    if (status === 400) expect(response.body.scimType).toBe('invalidFilter')
    else expect(response.body.totalResults).toBe(0)
  })

  it(`answers ${status} to Entra's "true" in a PATCH value filter`, async () => {
    const http = client(buildScimApp({ router: { dialect } }))
    const created = await http.post(
      '/Users',
      userBody('bert', { emails: [{ value: 'b@example.com', type: 'work', primary: true }] }),
    )
    const response = await http.patch(`/Users/${created.body.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: 'emails[primary eq "true"].type', value: 'home' }],
    })
    expect(response.status).toBe(status)
    if (status === 200) expect(response.body.emails[0].type).toBe('home')
  })
})

describe("Entra's value path with a trailing sub-attribute in a list filter", () => {
  const filter = encodeURIComponent('emails[type eq "work"].value eq "x"')

  it('answers 200 under the default dialect, reading it as emails[type eq "work" and value eq "x"]', async () => {
    const http = client(buildScimApp())
    await http.post('/Users', userBody('xena', { emails: [{ value: 'x', type: 'work' }] }))
    await http.post('/Users', userBody('yann', { emails: [{ value: 'x', type: 'home' }] }))
    const response = await http.get(`/Users?filter=${filter}`)
    expect(response.status).toBe(200)
    expect(response.body.Resources.map((user: { userName: string }) => user.userName)).toEqual(['xena'])
  })

  it("answers 400 invalidFilter under dialect: 'strict'", async () => {
    const http = client(buildScimApp({ router: { dialect: 'strict' } }))
    const response = await http.get(`/Users?filter=${filter}`)
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('invalidFilter')
    expect(response.body.detail).toContain('under the strict dialect')
  })
})
