// Telemetry that records nothing: used when it is off or @opentelemetry/api is absent, at no cost per request.
import type { RequestTrace, Telemetry } from './contract'

/** The trace of every request when telemetry is off: one frozen object, nothing allocated per request. */
export const NO_TRACE: RequestTrace = Object.freeze({
  setOperation(): void {},
  setTenant(): void {},
  storeCall<T>(_name: string, call: () => T | PromiseLike<T>): Promise<T> {
    // A call that throws before it returns rejects, as it does with telemetry on; a plain value (the
    // memory stores answer synchronously) becomes a resolved promise.
    try {
      return Promise.resolve(call())
    } catch (error) {
      return Promise.reject(error)
    }
  },
  retried(): void {},
  end(): void {},
})

/** The shared no-op telemetry: `startRequest` answers the frozen `NO_TRACE`. */
export const NO_TELEMETRY: Telemetry = Object.freeze({
  startRequest: (): RequestTrace => NO_TRACE,
})
