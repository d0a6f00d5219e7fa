// Public contracts of `express-scim load`: an IdP's initial sync and one incremental cycle, simulated against any SCIM endpoint.

/** The kinds of request a load run sends, named for what the IdP is doing. */
export type LoadRequestKind =
  | 'user lookup'
  | 'user create'
  | 'group lookup'
  | 'group create'
  | 'member add'
  | 'user update'
  | 'user deactivate'
  | 'delete'

/** Options of `runLoad`. */
export interface LoadOptions {
  /** The SCIM base URL (`https://host/scim`), `http:` or `https:`. */
  readonly baseUrl: string
  /** The bearer token; never printed. */
  readonly token: string
  /** Users to provision (default 100; at most 1,000,000). */
  readonly users?: number
  /** Groups to provision (default 10; at most 100,000). */
  readonly groups?: number
  /** Members per group, taken from the provisioned users (default: all users, at most 1,000). */
  readonly members?: number
  /** Requests in flight at once (default 4, as a single IdP connection pool; at most 256). */
  readonly concurrency?: number
  /** Members added per PATCH (default 50; at most 1,000). Set it to what your IdP's logs show. */
  readonly batchSize?: number
  /** Keep what the run created instead of deleting it afterwards (default false). */
  readonly keep?: boolean
  /** Per-request timeout in milliseconds (default 10,000). */
  readonly timeoutMs?: number
  /** Stops the run: no new request starts; what was created is still deleted unless `keep`. */
  readonly signal?: AbortSignal
  /** Called as each phase advances (for progress bars). Errors it throws are ignored. */
  readonly onProgress?: (event: LoadProgressEvent) => void
  /** Digits that make the run's names unique (default: random). */
  readonly runId?: string
}

/** The phases of a run, in order. */
export type LoadPhase = 'users' | 'groups' | 'members' | 'updates' | 'cleanup'

/** Progress of one phase. */
export interface LoadProgressEvent {
  /** The phase advancing. */
  readonly phase: LoadPhase
  /** Units of work done in this phase (a user, a group, a member batch, an update, a deletion). */
  readonly done: number
  /** Units of work in this phase. */
  readonly total: number
}

/** Latency figures for one kind of request, in milliseconds. */
export interface LoadKindStats {
  /** The kind of request. */
  readonly kind: LoadRequestKind
  /** Requests sent. */
  readonly count: number
  /** Requests that did not answer with the status the IdP expects. */
  readonly errors: number
  /** Median latency. */
  readonly p50: number
  /** 95th percentile latency. */
  readonly p95: number
  /** 99th percentile latency. */
  readonly p99: number
  /** Slowest request. */
  readonly max: number
}

/** Everything a load run measured. */
export interface LoadReport {
  /** The base URL the run was pointed at. */
  readonly baseUrl: string
  /** The digits in the run's names. */
  readonly runId: string
  /** The sizes and concurrency used. */
  readonly plan: {
    readonly users: number
    readonly groups: number
    readonly members: number
    readonly concurrency: number
    readonly batchSize: number
    /** True when the run kept what it created (`keep`). */
    readonly keep: boolean
  }
  /** True when the run was stopped before it finished. */
  readonly interrupted: boolean
  /** Wall time of the initial sync (users, groups and their members), in milliseconds. */
  readonly initialSyncMs: number
  /** Wall time of the incremental cycle (updates and deactivations), in milliseconds. */
  readonly incrementalMs: number
  /** Requests of the initial sync and the incremental cycle (not the cleanup). */
  readonly requests: number
  /** Those requests per second of their wall time. */
  readonly throughput: number
  /** Latency per kind of request, cleanup included, in the order the kinds first ran. */
  readonly kinds: readonly LoadKindStats[]
  /** Failed requests by answer: an HTTP status (`"409"`), `"timeout"` or `"connection"`. */
  readonly errorsByStatus: Readonly<Record<string, number>>
  /** Resources deleted afterwards, and those that could not be (0 and 0 with `keep`). */
  readonly cleanup: { readonly deleted: number; readonly failed: number }
}
