// SAML sign-in: the service provider (@node-saml/node-saml) with replay refusal and externalId linking, and the development IdP that signs assertions for provisioned users with a key made at start.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml'
import { SignedXml } from 'xml-crypto'
import { withSqlErrors } from '../../lib/sql'
import type { Database } from './db'

/** The attribute the assertion carries the user's IdP id in (Grafana's `assertion_attribute_external_uid`). */
export const EXTERNAL_UID_ATTRIBUTE = 'userUID'

/** Where the host's SAML endpoints are, and who it trusts. */
export interface SamlConfig {
  /** The host's entity id (also the audience), e.g. `http://localhost:3000/saml/metadata`. */
  readonly spEntityId: string
  /** The assertion consumer service URL: `<base>/saml/acs`. */
  readonly acsUrl: string
  /** The IdP's entity id (Issuer). */
  readonly idpIssuer: string
  /** The IdP's signing certificate or public key, PEM. */
  readonly idpCert: string
  /** Where SP-initiated sign-in sends the browser (the IdP's SSO URL); absent: IdP-initiated only. */
  readonly idpSsoUrl?: string
}

/** The service provider: validates a posted SAMLResponse (signature, audience, time, issuer). */
export function serviceProvider(config: SamlConfig): SAML {
  return new SAML({
    callbackUrl: config.acsUrl,
    issuer: config.spEntityId,
    audience: config.spEntityId,
    idpIssuer: config.idpIssuer,
    idpCert: config.idpCert,
    entryPoint: config.idpSsoUrl,
    // Both the assertion's signature and the response's are accepted, but the assertion must be signed.
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    // IdP-initiated sign-in has no request to answer; replays are refused by assertion id instead.
    validateInResponseTo: ValidateInResponseTo.never,
    acceptedClockSkewMs: 60_000,
    // An assertion without time limits would otherwise be valid for ever: none is older than 5 minutes.
    maxAssertionAgeMs: 5 * 60_000,
  })
}

/**
 * The ID and expiry of a validated assertion's XML (node-saml's `getAssertionXml()`); undefined (the
 * sign-in is refused) when it has no ID or no usable `NotOnOrAfter`: its record could not be kept for as
 * long as it can be replayed.
 */
export function assertionIdentity(assertionXml: string): { id: string; expires: Date } | undefined {
  const id = /^<(?:[\w-]+:)?Assertion\b[^>]*?\sID="([^"]{1,256})"/.exec(assertionXml.trimStart())?.[1]
  const notOnOrAfter = /\bNotOnOrAfter="([^"]{1,64})"/.exec(assertionXml)?.[1]
  const expires = notOnOrAfter === undefined ? Number.NaN : Date.parse(notOnOrAfter)
  if (id === undefined || Number.isNaN(expires)) return undefined
  // Kept a minute past the expiry: the clock skew node-saml accepts.
  return { id, expires: new Date(expires + 60_000) }
}

/**
 * True when the response was sent to this ACS: every bearer `SubjectConfirmationData` of the validated
 * assertion names it as `Recipient`, and the Response's `Destination`, when present, too (SAML 2.0 Web
 * SSO profile §4.1.4.3). node-saml checks neither, and without them an assertion for another deployment
 * that shares the entity id (a staging copy) would sign in here.
 */
export function sentTo(acsUrl: string, samlResponse: string, assertionXml: string): boolean {
  const recipients = [...assertionXml.matchAll(/<(?:[\w-]+:)?SubjectConfirmationData\b[^>]*>/g)].map(
    (tag) => /\sRecipient="([^"]*)"/.exec(tag[0])?.[1],
  )
  if (recipients.length === 0 || recipients.some((recipient) => recipient !== acsUrl)) return false
  const response = Buffer.from(samlResponse, 'base64').toString('utf8')
  const root = /<(?:[\w-]+:)?Response\b[^>]*>/.exec(response)?.[0]
  const destination = root === undefined ? undefined : /\sDestination="([^"]*)"/.exec(root)?.[1]
  return destination === undefined || destination === acsUrl
}

/**
 * Records an assertion as used; false when it was used before (a replay). Expired records are dropped
 * on the way: an assertion past its NotOnOrAfter fails validation anyway.
 */
export async function firstUse(db: Database, assertion: { id: string; expires: Date }): Promise<boolean> {
  return withSqlErrors(() =>
    db.transaction(async (tx) => {
      await tx.query('delete from saml_assertions where expires < clock_timestamp()')
      const inserted = await tx.query(
        'insert into saml_assertions (id, expires) values ($1, $2) on conflict (id) do nothing returning id',
        [assertion.id, assertion.expires],
      )
      return inserted.rows.length > 0
    }),
  )
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** The development IdP: its signing key (shared by replicas through the database), and signed responses for the host's ACS. */
export interface DevIdp {
  readonly issuer: string
  /** The public key, PEM: the host's service provider trusts it. */
  readonly publicKey: string
  /** A signed SAML Response for one user, base64, as a browser posts it. */
  signedResponse(user: { readonly userUID: string; readonly login: string; readonly email?: string }): string
}

/** The development IdP's RSA signing key, PEM. */
export interface DevIdpKeyPair {
  readonly privateKey: string
  readonly publicKey: string
}

/** A new 2048-bit RSA key pair for the development IdP. */
export function newDevIdpKeyPair(): DevIdpKeyPair {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
}

/** A development IdP for the ACS at `acsUrl` and the audience `spEntityId`. Never on under NODE_ENV=production. */
export function createDevIdp(config: {
  readonly issuer: string
  readonly acsUrl: string
  readonly spEntityId: string
  /** The signing key (PEM); one is made when omitted. Replicas pass the one they share (`devIdpKeyPair`). */
  readonly keyPair?: DevIdpKeyPair
}): DevIdp {
  const { privateKey, publicKey } = config.keyPair ?? newDevIdpKeyPair()
  const responseXml = (user: Parameters<DevIdp['signedResponse']>[0], assertionId: string) => {
    const now = Date.now()
    const instant = new Date(now).toISOString()
    const notBefore = new Date(now - 60_000).toISOString()
    const notOnOrAfter = new Date(now + 5 * 60_000).toISOString()
    const attribute = (name: string, value: string) =>
      `<saml:Attribute Name="${escapeXml(name)}"><saml:AttributeValue>${escapeXml(value)}</saml:AttributeValue></saml:Attribute>`
    const attributes = [
      attribute(EXTERNAL_UID_ATTRIBUTE, user.userUID),
      attribute('login', user.login),
      ...(user.email === undefined ? [] : [attribute('email', user.email)]),
    ].join('')
    return (
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
      ` ID="_r${randomBytes(16).toString('hex')}" Version="2.0" IssueInstant="${instant}" Destination="${escapeXml(config.acsUrl)}">` +
      `<saml:Issuer>${escapeXml(config.issuer)}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
      `<saml:Assertion ID="${assertionId}" Version="2.0" IssueInstant="${instant}">` +
      `<saml:Issuer>${escapeXml(config.issuer)}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">${escapeXml(user.login)}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
      `<saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${escapeXml(config.acsUrl)}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}">` +
      `<saml:AudienceRestriction><saml:Audience>${escapeXml(config.spEntityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${instant}" SessionIndex="${assertionId}"><saml:AuthnContext>` +
      `<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified</saml:AuthnContextClassRef>` +
      `</saml:AuthnContext></saml:AuthnStatement>` +
      `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` +
      `</saml:Assertion></samlp:Response>`
    )
  }
  return {
    issuer: config.issuer,
    publicKey,
    signedResponse(user) {
      const assertionId = `_a${randomBytes(16).toString('hex')}`
      const signer = new SignedXml({
        privateKey,
        signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
        canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
      })
      signer.addReference({
        xpath: `//*[local-name(.)='Assertion' and @ID='${assertionId}']`,
        transforms: [
          'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
          'http://www.w3.org/2001/10/xml-exc-c14n#',
        ],
        digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
      })
      signer.computeSignature(responseXml(user, assertionId), {
        location: { reference: `//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']`, action: 'after' },
      })
      return Buffer.from(signer.getSignedXml(), 'utf8').toString('base64')
    },
  }
}
