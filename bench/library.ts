// The library as a host runs it: tsc's build in dist/ (`npm run bench` builds first), not an on-the-fly
// transpile of lib/, which wraps every closure and would understate our speed against plain-JS peers.
import type * as Library from '../lib'

export const library: typeof Library = require('../dist/lib')
