// The library as a host runs it: tsc's build in dist/ (`npm run bench` builds first), not an on-the-fly
// transpile of lib/, which wraps every closure and would understate our speed against plain-JS peers.
import type * as Root from '../lib'
import type * as Filter from '../lib/filter'
import type * as Patch from '../lib/patch'

/** The built entries the benchmarks use (`express-scim`, `/filter`, `/patch`), as one object. */
export const library: typeof Root & typeof Filter & typeof Patch = {
  ...require('../dist/lib'),
  ...require('../dist/lib/filter'),
  ...require('../dist/lib/patch'),
}
