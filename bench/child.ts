// Talking to a benchmark server forked into its own process: wait for its next message of a type, failing if it exits first.
import type { ChildProcess } from 'node:child_process'

/** The next message of `type` from `child`; rejects when the child exits before sending one. */
export function nextMessage<M extends { readonly type: string }, T extends M['type']>(
  child: ChildProcess,
  name: string,
  type: T,
): Promise<Extract<M, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${name} server exited (code ${code})`))
    child.once('exit', onExit)
    const onMessage = (message: M) => {
      if (message.type !== type) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(message as Extract<M, { type: T }>)
    }
    child.on('message', onMessage)
  })
}

/** Sends `request` to `child` and resolves with its reply of `type`. */
export function ask<M extends { readonly type: string }, T extends M['type']>(
  child: ChildProcess,
  name: string,
  request: { readonly type: string },
  type: T,
): Promise<Extract<M, { type: T }>> {
  const reply = nextMessage<M, T>(child, name, type)
  child.send(request)
  return reply
}
