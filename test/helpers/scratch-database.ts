// A fresh database on the PostgreSQL server for tests and benchmarks that start host processes: each process connects by URL, so a schema of the caller's own is not enough (the host sets its own connection options).
import { randomBytes } from 'node:crypto'
import { Client } from 'pg'

/** A new empty database and how to drop it. */
export interface ScratchDatabase {
  /** Its URL: the server's, with the database's name. */
  readonly url: string
  /** Drops it, ending any connection still open to it. */
  drop(): Promise<void>
}

async function onServer<T>(serverUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** Creates `express_scim_<random>` on the server at `serverUrl`. */
export async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const name = `express_scim_${randomBytes(6).toString('hex')}`
  await onServer(serverUrl, (client) => client.query(`create database ${name}`))
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: () =>
      onServer(serverUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(
        () => undefined,
      ),
  }
}
