// What the router and the store gateway call to trace a request: the Telemetry and RequestTrace interfaces.

/** Traces requests: one per router, built by `createTelemetry()`. */
export interface Telemetry {
  /**
   * Starts the trace of one request, as a child of the span active at this moment (the host's HTTP
   * server span, when its instrumentation made one). `method` is the HTTP method; `route` the route
   * label such as `/Users/:id` (never the requested URL, which may hold ids and filter values), or `''`
   * when no route matched.
   */
  startRequest(method: string, route: string): RequestTrace
}

/** The trace of one request. Every method is cheap; none throws but `storeCall`, with what the call threw. */
export interface RequestTrace {
  /**
   * Names the operation once the route is known (span name `SCIM <operation>`). `operation` is a stable
   * name such as `users.get`, `groups.patch`, `search`, `discovery.schemas`, or `unmatched`.
   */
  setOperation(operation: string): void
  /** Records the tenant of the authenticated principal. */
  setTenant(tenant: string): void
  /**
   * Runs one host store call as a child span `store <name>` (e.g. `userStore.get`) and records its
   * latency; rethrows what the call throws, marking the span as error without recording the error's
   * message (it may hold client data). The call's arguments are never seen here: pass a closure.
   */
  storeCall<T>(name: string, call: () => T | PromiseLike<T>): Promise<T>
  /** Counts one compare-and-swap retry for `resourceType` (`User` | `Group`). */
  retried(resourceType: string): void
  /**
   * Ends the request: its HTTP status and, for a SCIM error, its `scimType` (undefined otherwise).
   * Only the first call counts.
   */
  end(status: number, scimType?: string): void
}
