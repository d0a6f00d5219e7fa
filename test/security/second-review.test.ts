// Regressions found by a second hostile-client review of the issue 10 fixes (limits exemption, PATCH budget, fold memo, list pages).
import { describe, expect, it } from '@jest/globals'
import type { ScimRouterOptions } from '../../lib'
import { buildScimApp, client, PATCH_SCHEMA, USER_SCHEMA } from '../helpers/scim-app'

/** An extension whose multi-valued complex attribute has a multi-valued sub-attribute (RFC 7643 allows it). */
const URN = 'urn:example:params:scim:schemas:extension:acme:2.0:User'
const extensions: NonNullable<ScimRouterOptions['extensions']> = [
  {
    resourceType: 'User',
    schema: {
      id: URN,
      name: 'Acme',
      attributes: [
        {
          name: 'projects',
          type: 'complex',
          multiValued: true,
          subAttributes: [
            { name: 'name', type: 'string' },
            { name: 'tags', type: 'string', multiValued: true },
          ],
        },
      ],
    },
  },
]

const tags = (count: number, prefix = 't') => Array.from({ length: count }, (_, i) => `${prefix}${i}`)
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_SCHEMA], Operations })

describe('maxValuesPerAttribute reaches multi-valued sub-attributes of extension attributes', () => {
  it('refuses a POST whose extension sub-attribute holds more values than the limit', async () => {
    const scim = buildScimApp({ router: { extensions, maxValuesPerAttribute: 10 } })
    const http = client(scim)
    const response = await http.post('/Users', {
      schemas: [USER_SCHEMA, URN],
      userName: 'nora',
      active: true,
      [URN]: { projects: [{ name: 'a', tags: tags(500) }] },
    })
    // Today: 201. valueCounts() stops at depth 4, one level short of `urn:...:projects.tags`, so the
    // sub-attribute's array is never counted (the same attribute in the core schema would be).
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('invalidValue')
    expect(response.body.detail).toContain(`'${URN}:projects.tags'`)
    expect((await http.get('/Users')).body.totalResults).toBe(0)
  })

  it('refuses a PATCH that grows such a sub-attribute past the limit, step by step', async () => {
    const scim = buildScimApp({ router: { extensions, maxValuesPerAttribute: 10 } })
    const http = client(scim)
    const created = await http.post('/Users', {
      schemas: [USER_SCHEMA, URN],
      userName: 'nell',
      active: true,
      [URN]: { projects: [{ name: 'a', tags: tags(10) }] },
    })
    expect(created.status).toBe(201)
    const id = created.body.id as string
    let accepted = 0
    for (let step = 0; step < 5; step++) {
      const current = (await http.get(`/Users/${id}`)).body[URN].projects[0].tags as string[]
      const grown = await http.patch(
        `/Users/${id}`,
        patch({
          op: 'replace',
          path: `${URN}:projects[name eq "a"].tags`,
          value: [...current, ...tags(10, `s${step}-`)],
        }),
      )
      if (grown.status === 200) accepted++
    }
    // Today: all 5 accepted, 60 values stored under a limit of 10.
    expect(accepted).toBe(0)
    expect((await http.get(`/Users/${id}`)).body[URN].projects[0].tags).toHaveLength(10)
  })
})
