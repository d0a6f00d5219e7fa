// Jest runs the TypeScript sources through ts-jest; typechecking is done once by `tsc` in `npm test`, so
// ts-jest only transpiles (tsconfig's isolatedModules makes it transpile file by file, fast).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  testTimeout: 60000,
}
