// Public contracts of `express-scim/check`: replaying recorded IdP request sequences against any SCIM endpoint.

/** A JSON value as it appears in a sequence file. */
export type CheckJson = null | boolean | number | string | CheckJson[] | { [key: string]: CheckJson }

/** The HTTP methods a sequence step may use. */
export type CheckMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * One request and what must come back. In paths, bodies and expectations, `{{name}}` is a value an earlier
 * step captured, and `{{run}}` is a string of digits unique to the run (so names never collide with data
 * already on the server, nor with another run's).
 */
export interface CheckStep {
  /** What the step does, as the IdP's documentation names it; unique within its sequence. */
  readonly name: string
  /** The public document this step comes from, when it is not the sequence's `source`. */
  readonly source?: string
  readonly request: {
    /** The HTTP method. */
    readonly method: CheckMethod
    /** Relative to the base URL, query included and already percent-encoded. */
    readonly path: string
    /** Sent besides `Authorization: Bearer <token>`; a null value removes a header (the token too). */
    readonly headers?: Readonly<Record<string, string | null>>
    /** Sent as JSON text; null or absent: no body. */
    readonly body?: CheckJson
    /** Sent as it is instead of `body`, placeholders filled in: for bodies that must not be valid JSON. */
    readonly text?: string
  }
  readonly response: {
    /** The status that must come back, or the statuses of which one must (RFC 7644 lets PATCH answer 200 or 204). */
    readonly status: number | readonly number[]
    /**
     * Headers that must come back (names case-insensitive). A value is a prefix; one holding `{{any}}` is a
     * pattern; `{{any}}` alone means present; `{{absent}}` means not present.
     */
    readonly headers?: Readonly<Record<string, string>>
    /**
     * A subset of the body: objects need only the keys given (names compared case-insensitively, RFC 7643
     * §2.1); arrays need the same length and match in any order. `"{{any}}"` means present with any value,
     * `"{{absent}}"` means not present, null means an empty body, absent means not checked. When the step
     * allows 204 and gets it, there is no body to compare.
     */
    readonly body?: CheckJson
  }
  /** Values to remember for later steps: a name and a dotted path into this step's response body. */
  readonly capture?: Readonly<Record<string, string>>
}

/** An ordered list of steps that together form one IdP flow, run against one endpoint. */
export interface CheckSequence {
  /** A title for people ("Entra ID: create, read, query, update, disable and delete a user"). */
  readonly name: string
  /** The public document the flow comes from. */
  readonly source: string
  /** The steps, in order. A step that fails stops its sequence: later steps depend on what it did. */
  readonly steps: readonly CheckStep[]
  /**
   * Resource types (their `id` in `/ResourceTypes`, such as `Role`) the flow needs. A server whose
   * `/ResourceTypes` lists them all, or that cannot say, runs the suite; one that lists others only has
   * every step counted as not run (`notServed` says why), since it does not offer the flow at all.
   */
  readonly requires?: readonly string[]
}

/** A sequence as shipped: named and tagged for `--only` and `--skip`. */
export interface CheckSuite {
  /** Unique name, as `<group>-<area>` (`entra-users`, `okta-groups`, `rfc-filters`). */
  readonly name: string
  /** Names that select the suite besides its own: its group (`entra`, `okta`, `rfc`) and its area (`users`, `groups`). */
  readonly tags: readonly string[]
  /** The sequence itself. */
  readonly sequence: CheckSequence
}

/** What went wrong in one step, with enough to reproduce it. The token is masked everywhere. */
export interface CheckFailure {
  /** Each way the answer fell short, as `where: why` lines. */
  readonly problems: readonly string[]
  /** What was sent: method, absolute URL, headers (token masked) and the body text. */
  readonly request: {
    readonly method: CheckMethod
    readonly url: string
    readonly headers: Readonly<Record<string, string>>
    readonly body?: string
  }
  /** What came back, when anything did: status, headers and the start of the body. */
  readonly response?: {
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    /** At most about 1,000 characters of the body. */
    readonly excerpt: string
  }
}

/** The outcome of one step. `skipped`: not run, because an earlier step of its sequence failed or the run was interrupted. */
export interface CheckStepResult {
  /** The step's position in its sequence, from 1. */
  readonly index: number
  /** The step's name. */
  readonly name: string
  /** Whether it passed, failed, or was not run. */
  readonly outcome: 'passed' | 'failed' | 'skipped'
  /** Wall time of the request, in milliseconds (0 when not run). */
  readonly durationMs: number
  /** Present when the step failed. */
  readonly failure?: CheckFailure
}

/** The outcome of one suite. */
export interface CheckSuiteResult {
  /** The suite's name. */
  readonly name: string
  /** The sequence's title. */
  readonly title: string
  /** The public document the flow comes from. */
  readonly source: string
  /** One result per step, in order. */
  readonly steps: readonly CheckStepResult[]
  /** Wall time of the whole suite, in milliseconds. */
  readonly durationMs: number
  /** The resource types of `requires` the server does not serve: why no step ran. Absent otherwise. */
  readonly notServed?: readonly string[]
}

/** A resource the run created and tried to delete afterwards. */
export interface CheckCleanupResult {
  /** The path of the resource relative to the base URL (`/Users/<id>`). */
  readonly path: string
  /** Whether it is gone (deleted now, or already gone). */
  readonly deleted: boolean
  /** Why not, when it is not. */
  readonly error?: string
}

/** Everything a run found. */
export interface CheckReport {
  /** The base URL the run was pointed at. */
  readonly baseUrl: string
  /** The value `{{run}}` took. */
  readonly runId: string
  /** When the run started (ISO 8601). */
  readonly startedAt: string
  /** Wall time of the whole run, cleanup included, in milliseconds. */
  readonly durationMs: number
  /** True when the run was interrupted (Ctrl-C or the `signal` option): unrun steps count as skipped. */
  readonly interrupted: boolean
  /** One result per suite run, in order. */
  readonly suites: readonly CheckSuiteResult[]
  /** Every resource the run created and did not delete itself. A resource left behind counts as a failure. */
  readonly cleanup: readonly CheckCleanupResult[]
  /** Steps that passed. */
  readonly passed: number
  /** Steps that failed, plus resources the cleanup could not delete. */
  readonly failed: number
  /** Steps not run. */
  readonly skipped: number
}

/** What `runCheck` reports while it runs (for a progress display). */
export type CheckProgressEvent =
  | {
      /** A suite is about to start. */
      readonly type: 'suite-start'
      readonly suite: string
      readonly steps: number
    }
  | {
      /** A step ended (or was skipped). */
      readonly type: 'step'
      readonly suite: string
      readonly result: CheckStepResult
    }
  | {
      /** A suite ended. */
      readonly type: 'suite-end'
      readonly result: CheckSuiteResult
    }
  | {
      /** Cleanup is about to delete what the run left. */
      readonly type: 'cleanup'
      readonly resources: number
    }

/** Options of `runCheck`. */
export interface CheckOptions {
  /** The SCIM base URL (`https://host/scim` or `https://host/scim/v2`), `http:` or `https:`. */
  readonly baseUrl: string
  /** The bearer token; never printed, masked in every failure and report. */
  readonly token?: string
  /** Run only suites whose name or a tag is listed (`entra`, `okta`, `rfc`, `groups`, `entra-users`…). */
  readonly only?: readonly string[]
  /** Skip suites whose name or a tag is listed. */
  readonly skip?: readonly string[]
  /** The suites to choose from (default: the built-in ones, `builtInSuites()`). */
  readonly suites?: readonly CheckSuite[]
  /** Per-request timeout in milliseconds (default 10,000). A server that hangs fails the step, never the run. */
  readonly timeoutMs?: number
  /** Stops the run: no new step starts, and cleanup still runs. */
  readonly signal?: AbortSignal
  /** Called as the run goes (for progress bars). Errors it throws are ignored. */
  readonly onProgress?: (event: CheckProgressEvent) => void
  /** Sets `{{run}}` (digits only; default: random). For reproducible reports. */
  readonly runId?: string
}
