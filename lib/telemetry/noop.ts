// Telemetry that records nothing: used when it is off or @opentelemetry/api is absent, at no cost per request.
import type { RequestTrace, Telemetry } from './contract'

/** The trace of every request when telemetry is off: one frozen object, nothing allocated per request. */
export const NO_TRACE: RequestTrace = Object.freeze({
  setOperation(): void {},
  setTenant(): void {},
  storeCall<T>(_name: string, call: () => Promise<T>): Promise<T> {
    // A call that throws before returning its promise rejects, as it does with telemetry on.
    try {
      return call()
    } catch (error) {
      return Promise.reject(error)
    }
  },
  retried(): void {},
  end(): void {},
  // Tells the gateway that `storeCall` only runs the call (see StoreCallTracer.untraced).
  untraced: true,
})

/** The shared no-op telemetry: `startRequest` answers the frozen `NO_TRACE`. */
export const NO_TELEMETRY: Telemetry = Object.freeze({
  startRequest: (): RequestTrace => NO_TRACE,
})
