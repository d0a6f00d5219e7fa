// The loader of the optional peer @opentelemetry/api, and the shapes telemetry declares for it.
import * as otel from '@opentelemetry/api'
import { loadOpenTelemetryApi, type OtelApi } from '../../lib/telemetry/api'

// Compile-time check (tsc runs over the tests): the real module fits the shapes declared in api.ts.
const fits: OtelApi = otel
void fits

afterEach(() => {
  jest.resetModules()
})

/** Runs the loader in a module registry where requiring the API throws `error`. */
function loadWhenRequireThrows(error: Error): unknown {
  let loaded: unknown
  jest.isolateModules(() => {
    jest.doMock('@opentelemetry/api', () => {
      throw error
    })
    const { loadOpenTelemetryApi: load } =
      require('../../lib/telemetry/api') as typeof import('../../lib/telemetry/api')
    loaded = load()
  })
  return loaded
}

function notFound(module: string): Error {
  return Object.assign(new Error(`Cannot find module '${module}'\nRequire stack:\n- lib/telemetry/api.js`), {
    code: 'MODULE_NOT_FOUND',
  })
}

describe('loadOpenTelemetryApi', () => {
  it('loads the installed API', () => {
    expect(loadOpenTelemetryApi()).toBe(otel)
  })

  it('answers undefined when the API is not installed', () => {
    expect(loadWhenRequireThrows(notFound('@opentelemetry/api'))).toBeUndefined()
  })

  it('rethrows when the API is installed but broken', () => {
    expect(() => loadWhenRequireThrows(notFound('./internal/global-utils'))).toThrow(/global-utils/)
    expect(() => loadWhenRequireThrows(new SyntaxError('Unexpected token'))).toThrow(SyntaxError)
  })
})
