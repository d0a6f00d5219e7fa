// The reference host's SAML checks on their own: an assertion is remembered for as long as it can be replayed, and must have been sent to this ACS.
import { describe, expect, it } from '@jest/globals'
import { assertionIdentity, sentTo } from '../../../examples/grafana-host/saml'

const ACS = 'https://host.test/saml/acs'
const assertion = (confirmations: string, conditions = ' NotOnOrAfter="2030-01-01T00:00:00Z"') =>
  `<saml:Assertion ID="_a1" Version="2.0"><saml:Subject>${confirmations}</saml:Subject><saml:Conditions${conditions}/></saml:Assertion>`
const confirmation = (recipient?: string) =>
  `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="2030-01-01T00:00:00Z"${recipient === undefined ? '' : ` Recipient="${recipient}"`}/></saml:SubjectConfirmation>`
const response = (destination?: string) =>
  Buffer.from(
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r1"${destination === undefined ? '' : ` Destination="${destination}"`}></samlp:Response>`,
  ).toString('base64')

describe('sentTo', () => {
  it('accepts an assertion whose every bearer confirmation names this ACS, with or without a Destination naming it', () => {
    expect(sentTo(ACS, response(ACS), assertion(confirmation(ACS)))).toBe(true)
    expect(sentTo(ACS, response(), assertion(confirmation(ACS)))).toBe(true)
  })

  it('refuses one sent to another ACS (a staging copy sharing the entity id), by Recipient or by Destination', () => {
    const staging = 'https://staging.evil.test/saml/acs'
    expect(sentTo(ACS, response(ACS), assertion(confirmation(staging)))).toBe(false)
    expect(sentTo(ACS, response(staging), assertion(confirmation(ACS)))).toBe(false)
    expect(sentTo(ACS, response(ACS), assertion(confirmation(ACS) + confirmation(staging)))).toBe(false)
  })

  it('refuses one without a Recipient or without any confirmation', () => {
    expect(sentTo(ACS, response(ACS), assertion(confirmation()))).toBe(false)
    expect(sentTo(ACS, response(ACS), assertion(''))).toBe(false)
  })
})

describe('assertionIdentity', () => {
  it('reads the ID and keeps it a minute past NotOnOrAfter (the accepted clock skew)', () => {
    expect(assertionIdentity(assertion(confirmation(ACS)))).toEqual({
      id: '_a1',
      expires: new Date(Date.parse('2030-01-01T00:00:00Z') + 60_000),
    })
  })

  it('refuses an assertion without a usable NotOnOrAfter: it could be replayed after its record is gone', () => {
    const timeless = `<saml:Assertion ID="_a2"><saml:Subject><saml:SubjectConfirmation><saml:SubjectConfirmationData Recipient="${ACS}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions/></saml:Assertion>`
    expect(assertionIdentity(timeless)).toBeUndefined()
    expect(
      assertionIdentity(
        assertion(confirmation(ACS).replace(/NotOnOrAfter="[^"]*"/, ''), ' NotOnOrAfter="soon"'),
      ),
    ).toBeUndefined()
  })
})
