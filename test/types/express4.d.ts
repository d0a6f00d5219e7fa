// Types of `express4` (npm alias of express@4, a dev dependency for testing on Express 4): Express's own.
declare module 'express4' {
  import e = require('express')
  export = e
}
