// express-scim/saml: SAML login linking: the host's login signs in the provisioned user by externalId, never by email.

// The linker's options, the profile it reads, the links it answers, and its error codes.
export type * from '../../types/saml'
// Is a user still allowed in: a host checks it on each request of a signed-in session.
export { isUserActive } from './active-user'
// The errors the linker throws, so a login route can answer each code its own way.
export { isSamlLinkError, SamlLinkError } from './errors'
// The attributes the external uid is read from by default (Grafana's `userUID`, Entra's object id claim).
export { DEFAULT_EXTERNAL_UID_ATTRIBUTE, ENTRA_OBJECT_ID_CLAIM } from './external-uid'
// The linker: a SAML profile in, the provisioned user (or a refusal) out.
export { createSamlLinker } from './linker'
