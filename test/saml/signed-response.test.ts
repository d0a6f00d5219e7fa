// End to end: a SAML 2.0 Response signed in the test, validated by @node-saml/node-saml, its profile linked by the Entra object id claim.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { describe, expect, it, jest } from '@jest/globals'
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml'
import { SignedXml } from 'xml-crypto'
import { MemoryUserStore, type RequestContext, type StoredUser } from '../../lib'
import { createSamlLinker, ENTRA_OBJECT_ID_CLAIM, SamlLinkError, type SamlProfile } from '../../lib/saml'

const TENANT = 'acme'
const IDP_ISSUER = 'https://sts.idp.example.com/tenant-1/'
const SP_ENTITY = 'https://sp.example.com/saml/metadata'
const ACS_URL = 'https://sp.example.com/saml/acs'
const EMAIL_CLAIM = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'

const ALICE_OID = '0f8fad5b-d9cb-469f-a165-70867728950e'
const BOB_OID = '7c9e6679-7425-40de-944b-e07fc1f90ae7'

// --- The IdP side: an RSA key pair and a signer. ---------------------------------------------------

/** An RSA key pair as PEM. node-saml's `idpCert` takes the bare SPKI public key PEM: no certificate needed. */
function keyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

interface Claims {
  readonly objectId: string
  readonly email: string
}

/** An unsigned Response with one Assertion, valid from five minutes ago to five minutes from now. */
function responseXml(claims: Claims, assertionId: string): string {
  const now = Date.now()
  const instant = new Date(now).toISOString()
  const notBefore = new Date(now - 5 * 60_000).toISOString()
  const notOnOrAfter = new Date(now + 5 * 60_000).toISOString()
  const attribute = (name: string, value: string) =>
    `<saml:Attribute Name="${escapeXml(name)}"><saml:AttributeValue>${escapeXml(value)}</saml:AttributeValue></saml:Attribute>`
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
    ` ID="_r${randomBytes(8).toString('hex')}" Version="2.0" IssueInstant="${instant}" Destination="${ACS_URL}">` +
    `<saml:Issuer>${IDP_ISSUER}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion ID="${assertionId}" Version="2.0" IssueInstant="${instant}">` +
    `<saml:Issuer>${IDP_ISSUER}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${escapeXml(claims.email)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${ACS_URL}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}">` +
    `<saml:AudienceRestriction><saml:Audience>${SP_ENTITY}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${instant}" SessionIndex="${assertionId}"><saml:AuthnContext>` +
    `<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>` +
    `</saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attribute(ENTRA_OBJECT_ID_CLAIM, claims.objectId)}${attribute(EMAIL_CLAIM, claims.email)}` +
    `${attribute('email', claims.email)}</saml:AttributeStatement>` +
    `</saml:Assertion></samlp:Response>`
  )
}

/** The Response with its Assertion signed (RSA-SHA256, exclusive c14n, enveloped), the signature after the Assertion's Issuer. */
function signedResponse(claims: Claims, privateKey: string): string {
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
  signer.computeSignature(responseXml(claims, assertionId), {
    location: { reference: `//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']`, action: 'after' },
  })
  return signer.getSignedXml()
}

const post = (xml: string) => ({ SAMLResponse: Buffer.from(xml, 'utf8').toString('base64') })

// --- The SP side: node-saml validates, the linker links. -------------------------------------------

function serviceProvider(idpPublicKey: string): SAML {
  return new SAML({
    callbackUrl: ACS_URL,
    issuer: SP_ENTITY,
    audience: SP_ENTITY,
    idpIssuer: IDP_ISSUER,
    idpCert: idpPublicKey,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    validateInResponseTo: ValidateInResponseTo.never,
  })
}

const contextFor = (tenant: string): RequestContext => ({
  tenant,
  principal: { tenant, id: 'entra' },
  requestId: 'test',
})

function provision(store: MemoryUserStore, tenant: string, userName: string, externalId: string): StoredUser {
  return store.create(
    { userName, externalId, email: `${userName}@example.com`, active: true, document: {}, provisioned: true },
    contextFor(tenant),
  )
}

function setup() {
  const idp = keyPair()
  const store = new MemoryUserStore()
  const alice = provision(store, TENANT, 'alice', ALICE_OID)
  const bob = provision(store, TENANT, 'bob', BOB_OID)
  const findUser = jest.fn((profile: SamlProfile, context: RequestContext) =>
    store.findByEmail(context.tenant, String(profile.email ?? '')),
  )
  const linker = createSamlLinker({ userStore: store, findUser, externalUidAttribute: ENTRA_OBJECT_ID_CLAIM })
  const link = jest.fn((profile: SamlProfile) => linker.link(profile, { tenant: TENANT }))
  /** What the host's ACS route does: validate with node-saml, then link the validated profile. */
  const acs = async (body: { SAMLResponse: string }) => {
    const { profile } = await serviceProvider(idp.publicKey).validatePostResponseAsync(body)
    if (!profile) throw new Error('no profile')
    return link(profile)
  }
  return { idp, store, alice, bob, findUser, link, acs }
}

describe('a signed Entra-style response', () => {
  it('validates in node-saml and links the user provisioned with the object id', async () => {
    const { idp, alice, acs } = setup()
    const xml = signedResponse({ objectId: ALICE_OID, email: 'alice@example.com' }, idp.privateKey)
    const { profile } = await serviceProvider(idp.publicKey).validatePostResponseAsync(post(xml))
    expect(profile).toMatchObject({
      issuer: IDP_ISSUER,
      nameID: 'alice@example.com',
      [ENTRA_OBJECT_ID_CLAIM]: ALICE_OID,
      email: 'alice@example.com',
    })
    const link = await acs(post(xml))
    expect(link).toEqual({
      kind: 'provisioned',
      user: alice,
      externalUid: ALICE_OID,
      mayUpdateFromAssertion: false,
    })
  })

  it('links by the object id even when the signed email is another user’s', async () => {
    const { idp, bob, acs } = setup()
    const link = await acs(
      post(signedResponse({ objectId: BOB_OID, email: 'alice@example.com' }, idp.privateKey)),
    )
    expect(link.kind).toBe('provisioned')
    expect(link.kind === 'provisioned' && link.user.id).toBe(bob.id)
  })

  it('refuses a validly signed object id that no provisioned user of the tenant has, for a provisioned email', async () => {
    const { idp, store, acs, link } = setup()
    // The object id is provisioned, but in another tenant; the email is alice's, provisioned here.
    const stranger = '2d2f8c3e-5b1a-4f43-8c39-6c0d2b7e9a10'
    provision(store, 'globex', 'alice', stranger)
    const body = post(signedResponse({ objectId: stranger, email: 'alice@example.com' }, idp.privateKey))
    const error = await acs(body).catch((caught: unknown) => caught)
    expect(link).toHaveBeenCalledTimes(1)
    expect(error).toBeInstanceOf(SamlLinkError)
    expect(error).toMatchObject({ code: 'ERR_MISMATCHED_IDENTITY', status: 401 })
    expect((error as Error).message).not.toContain(stranger)
  })

  it('refuses a validly signed response without the object id for a provisioned email', async () => {
    const { idp, acs } = setup()
    const xml = signedResponse({ objectId: '', email: 'alice@example.com' }, idp.privateKey)
    await expect(acs(post(xml))).rejects.toMatchObject({ code: 'ERR_EMPTY_EXTERNAL_UID', status: 401 })
  })
})

describe('responses node-saml rejects never reach the linker', () => {
  it('an attribute changed after signing', async () => {
    const { idp, acs, link, findUser } = setup()
    const xml = signedResponse({ objectId: BOB_OID, email: 'bob@example.com' }, idp.privateKey)
    // Control: the untouched response is accepted.
    await expect(serviceProvider(idp.publicKey).validatePostResponseAsync(post(xml))).resolves.toMatchObject({
      profile: { [ENTRA_OBJECT_ID_CLAIM]: BOB_OID },
    })
    const swapped = xml.replace(`>${BOB_OID}<`, `>${ALICE_OID}<`)
    expect(swapped).not.toBe(xml)
    await expect(acs(post(swapped))).rejects.toThrow(/Invalid signature/)
    const email = xml.split('>bob@example.com<').join('>alice@example.com<')
    expect(email).not.toBe(xml)
    await expect(acs(post(email))).rejects.toThrow(/Invalid signature/)
    expect(link).not.toHaveBeenCalled()
    expect(findUser).not.toHaveBeenCalled()
  })

  it('a response signed by another key', async () => {
    const { idp, acs, link } = setup()
    const attacker = keyPair()
    const forged = signedResponse({ objectId: ALICE_OID, email: 'alice@example.com' }, attacker.privateKey)
    await expect(acs(post(forged))).rejects.toThrow(/Invalid signature/)
    // Control: the same key pair's own verifier accepts it, so only the key differs.
    await expect(
      serviceProvider(attacker.publicKey).validatePostResponseAsync(post(forged)),
    ).resolves.toMatchObject({ profile: { [ENTRA_OBJECT_ID_CLAIM]: ALICE_OID } })
    expect(idp.publicKey).not.toBe(attacker.publicKey)
    expect(link).not.toHaveBeenCalled()
  })

  it('an unsigned assertion', async () => {
    const { acs, link } = setup()
    const unsigned = responseXml({ objectId: ALICE_OID, email: 'alice@example.com' }, '_unsigned1')
    await expect(acs(post(unsigned))).rejects.toThrow(/Invalid signature/)
    expect(link).not.toHaveBeenCalled()
  })
})
