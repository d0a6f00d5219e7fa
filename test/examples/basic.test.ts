// Drives examples/basic so the example `npm start` runs cannot rot: provisioning through its app, and the script itself.
import { type ChildProcess, spawn } from 'node:child_process'
import { resolve } from 'node:path'
import request from 'supertest'
import { createHost } from '../../examples/basic'
import { freePort } from '../helpers/free-port'

const SCIM = 'application/scim+json'

describe('examples/basic', () => {
  it('provisions, deactivates and deletes a user, and shows it on the home page', async () => {
    const host = createHost('example-token')
    const auth = { Authorization: 'Bearer example-token' }
    const created = await request(host.app)
      .post('/scim/Users')
      .set(auth)
      .set('Content-Type', SCIM)
      .send({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'ada@example.com',
        externalId: 'e-1',
      })
      .expect(201)
    const id = created.body.id as string
    const session = host.sessions.createSession('default', id)

    const home = await request(host.app).get('/').expect(200)
    expect(home.body.users).toEqual([{ id, userName: 'ada@example.com', active: true }])

    await request(host.app)
      .patch(`/scim/Users/${id}`)
      .set(auth)
      .set('Content-Type', SCIM)
      .send({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
      })
      .expect(200)
    expect(host.sessions.isSessionActive(session)).toBe(false)
    await request(host.app).delete(`/scim/Users/${id}`).set(auth).expect(204)
    expect(host.events.map((e) => e.type)).toEqual([
      'user.created',
      'user.updated',
      'user.deactivated',
      'user.sessionsRevoked',
      'user.sessionsRevoked',
      'user.deleted',
    ])
    await request(host.app).get('/scim/Users').set({ Authorization: 'Bearer wrong' }).expect(401)
  })

  describe('as a script', () => {
    let child: ChildProcess | undefined
    afterEach(() => child?.kill())

    it('listens on PORT and prints a generated token that the endpoint accepts', async () => {
      const port = await freePort()
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) }
      delete env.SCIM_TOKEN
      child = spawn(process.execPath, ['--import', 'tsx', 'examples/basic/index.ts'], {
        cwd: resolve(__dirname, '../..'),
        env,
      })
      const output = await new Promise<string>((done, fail) => {
        let text = ''
        child!.stdout!.on('data', (chunk: Buffer) => {
          text += chunk.toString()
          if (/Bearer token .*: \S+/.test(text) && text.includes('Try:')) done(text)
        })
        child!.on('exit', (code) => fail(new Error(`example exited with ${code}: ${text}`)))
      })
      expect(output).toContain(`http://localhost:${port}/scim`)
      const token = /Bearer token [^:]*: (\S+)/.exec(output)![1]!
      const response = await fetch(`http://127.0.0.1:${port}/scim/ServiceProviderConfig`, {
        headers: { Authorization: `Bearer ${token}` },
      })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toContain(SCIM)
    }, 30_000)
  })
})
