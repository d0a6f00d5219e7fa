// The version of express-scim, recorded as the instrumentation scope's version (a test keeps it equal to package.json's).
export const PACKAGE_VERSION = '0.1.0'
