// Reading the external uid from a validated SAML profile: attribute names, JSONPath, and the values refused (never coerced, never inherited).
import { describe, expect, it } from '@jest/globals'
import {
  DEFAULT_EXTERNAL_UID_ATTRIBUTE,
  ENTRA_OBJECT_ID_CLAIM,
  isSamlLinkError,
  SamlLinkError,
  type SamlLinkErrorCode,
  type SamlProfile,
} from '../../lib/saml'
import { createExternalUidReader, externalUidOf } from '../../lib/saml/external-uid'
import type { ExternalUidSource } from '../../types/saml'

/** The uid a linker configured with `source` reads from `profile`. */
const uidOf = (source: ExternalUidSource | undefined, profile: SamlProfile): string | undefined =>
  externalUidOf(createExternalUidReader(source)(profile))

/** Runs `read` and returns the SamlLinkError it threw, asserting its code. */
function refusal(read: () => unknown, code: SamlLinkErrorCode): SamlLinkError {
  let caught: unknown
  try {
    read()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(SamlLinkError)
  expect(isSamlLinkError(caught)).toBe(true)
  const error = caught as SamlLinkError
  expect(error.code).toBe(code)
  return error
}

describe('attribute names', () => {
  it('defaults to userUID, read from the profile itself', () => {
    expect(DEFAULT_EXTERNAL_UID_ATTRIBUTE).toBe('userUID')
    expect(uidOf(undefined, { userUID: 'u-1', email: 'a@example.com' })).toBe('u-1')
    expect(createExternalUidReader(undefined)({ userUID: 'u-1' })).toEqual(['u-1'])
  })

  it('falls back to profile.attributes when the profile itself lacks the name (samlify shape)', () => {
    expect(uidOf(undefined, { nameID: 'x', attributes: { userUID: 'from-attributes' } })).toBe(
      'from-attributes',
    )
    expect(uidOf('oid', { attributes: { oid: 'nested' } })).toBe('nested')
  })

  it('reads both places (node-saml puts both): equal values agree, an empty one hides nothing, two values are refused', () => {
    expect(uidOf(undefined, { userUID: 'same', attributes: { userUID: ['same'] } })).toBe('same')
    expect(uidOf(undefined, { userUID: '', attributes: { userUID: 'inner' } })).toBe('inner')
    expect(uidOf(undefined, { userUID: null, attributes: { userUID: 'inner' } })).toBe('inner')
    expect(() => uidOf(undefined, { userUID: 'top', attributes: { userUID: 'inner' } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_EXTERNAL_UID' }),
    )
  })

  it('refuses filter expressions however they are spelled', () => {
    for (const jsonPath of ['$.a[ ?(@.b)]', '$.a[?@.b]', '$.a[ (@.length-1)]']) {
      expect(() => createExternalUidReader({ jsonPath })).toThrow(TypeError)
    }
  })

  it('reads the Entra object id claim by its URI name', () => {
    expect(ENTRA_OBJECT_ID_CLAIM).toBe('http://schemas.microsoft.com/identity/claims/objectidentifier')
    const oid = '8d3c7b9e-0f7a-4c1e-9a51-3f0b6a2c1d44'
    expect(uidOf(ENTRA_OBJECT_ID_CLAIM, { [ENTRA_OBJECT_ID_CLAIM]: oid })).toBe(oid)
    expect(uidOf(ENTRA_OBJECT_ID_CLAIM, { attributes: { [ENTRA_OBJECT_ID_CLAIM]: oid } })).toBe(oid)
    // The default name does not read the Entra claim.
    expect(uidOf(undefined, { [ENTRA_OBJECT_ID_CLAIM]: oid })).toBeUndefined()
  })

  it('reads only the configured name', () => {
    expect(uidOf('employeeId', { userUID: 'u-1', email: 'a@example.com' })).toBeUndefined()
    expect(uidOf('employeeId', { userUID: 'u-1', employeeId: 'e-7' })).toBe('e-7')
  })
})

describe('values', () => {
  it('accepts a string, a one-element array and repeated equal values', () => {
    expect(uidOf(undefined, { userUID: 'abc' })).toBe('abc')
    expect(uidOf(undefined, { userUID: ['abc'] })).toBe('abc')
    expect(uidOf(undefined, { userUID: ['abc', 'abc', 'abc'] })).toBe('abc')
    expect(externalUidOf(['abc', ['abc'], [['abc']]])).toBe('abc')
  })

  it('treats an empty string, null, undefined and a missing attribute as no uid', () => {
    expect(uidOf(undefined, { userUID: '' })).toBeUndefined()
    expect(uidOf(undefined, { userUID: null })).toBeUndefined()
    expect(uidOf(undefined, { userUID: undefined })).toBeUndefined()
    expect(uidOf(undefined, { userUID: [] })).toBeUndefined()
    expect(uidOf(undefined, { userUID: [''] })).toBeUndefined()
    expect(uidOf(undefined, { userUID: ['', null] })).toBeUndefined()
    expect(uidOf(undefined, {})).toBeUndefined()
    expect(uidOf(undefined, { attributes: {} })).toBeUndefined()
    expect(uidOf(undefined, { attributes: null })).toBeUndefined()
    expect(externalUidOf([])).toBeUndefined()
  })

  it('refuses a uid holding U+0000, which no stored externalId holds, before any store sees it', () => {
    expect(() => externalUidOf(['a\u0000b'])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_EXTERNAL_UID' }),
    )
    expect(() => uidOf(undefined, { userUID: '\u0000' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_EXTERNAL_UID' }),
    )
  })

  it('ignores empty values next to one real value', () => {
    expect(uidOf(undefined, { userUID: ['', 'abc', null] })).toBe('abc')
  })

  it('refuses two different values with ERR_INVALID_EXTERNAL_UID', () => {
    const error = refusal(() => uidOf(undefined, { userUID: ['abc', 'abd'] }), 'ERR_INVALID_EXTERNAL_UID')
    expect(error.status).toBe(401)
    expect(error.message).toBe('Invalid externalUID')
    expect(error.message).not.toContain('abc')
    // Values that differ only by case or whitespace are different values.
    refusal(() => uidOf(undefined, { userUID: ['abc', 'ABC'] }), 'ERR_INVALID_EXTERNAL_UID')
    refusal(() => uidOf(undefined, { userUID: ['abc', 'abc '] }), 'ERR_INVALID_EXTERNAL_UID')
  })

  it.each([
    ['the number 1', 1],
    ['the number 0', 0],
    ['an object', { value: 'abc' }],
    ['true', true],
    ['false', false],
    ['a bigint', BigInt(1)],
    ['an array holding a number', [1]],
    ['a string and a number', ['1', 1]],
  ])('refuses %s with ERR_INVALID_EXTERNAL_UID (never coerced)', (_, value) => {
    refusal(() => uidOf(undefined, { userUID: value }), 'ERR_INVALID_EXTERNAL_UID')
  })

  it('keeps "1" and 1 apart: the string is a uid, the number is refused', () => {
    expect(uidOf(undefined, { userUID: '1' })).toBe('1')
    refusal(() => uidOf(undefined, { userUID: 1 }), 'ERR_INVALID_EXTERNAL_UID')
  })

  it('returns the uid untrimmed and case-preserved', () => {
    expect(uidOf(undefined, { userUID: '  AbC-123 ' })).toBe('  AbC-123 ')
    expect(uidOf(undefined, { userUID: 'ÄBC' })).toBe('ÄBC')
    expect(uidOf(undefined, { userUID: ' ' })).toBe(' ')
  })
})

describe('inherited names', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])(
    'never reads %s from the prototype',
    (name) => {
      expect(createExternalUidReader(name)({})).toEqual([])
      expect(uidOf(name, { attributes: {} })).toBeUndefined()
      expect(uidOf(name, { email: 'a@example.com' })).toBeUndefined()
    },
  )

  it('never reads a value the profile only inherits', () => {
    const profile = Object.create({ userUID: 'inherited', attributes: { userUID: 'inherited-too' } })
    expect(uidOf(undefined, profile as SamlProfile)).toBeUndefined()
    const attributes = Object.create({ userUID: 'inherited' })
    expect(uidOf(undefined, { attributes })).toBeUndefined()
  })

  it('reads an own property even when its name is also on the prototype', () => {
    expect(uidOf('toString', { toString: 'own-value' })).toBe('own-value')
    // JSON.parse makes "__proto__" an own property, not a prototype.
    expect(uidOf('__proto__', JSON.parse('{"__proto__": "own-proto"}'))).toBe('own-proto')
  })
})

describe('JSONPath', () => {
  const claim = ENTRA_OBJECT_ID_CLAIM

  it('reads a bracketed URI name and index', () => {
    const profile = { attributes: { [claim]: ['oid-1'], email: ['a@example.com'] } }
    expect(uidOf({ jsonPath: `$.attributes["${claim}"][0]` }, profile)).toBe('oid-1')
    expect(uidOf({ jsonPath: `$.attributes['${claim}'][0]` }, profile)).toBe('oid-1')
    // Without the index the one-element array still gives one uid.
    expect(uidOf({ jsonPath: `$.attributes["${claim}"]` }, profile)).toBe('oid-1')
  })

  it('reads nested profiles', () => {
    const profile = { extract: { attributes: { user: { ids: { uid: 'deep-1' } } } } }
    expect(uidOf({ jsonPath: '$.extract.attributes.user.ids.uid' }, profile)).toBe('deep-1')
    expect(uidOf({ jsonPath: '$.extract.attributes.user.ids.missing' }, profile)).toBeUndefined()
    expect(uidOf({ jsonPath: '$.nothing.here' }, profile)).toBeUndefined()
  })

  it('refuses several different values found by one path', () => {
    const profile = { a: { uid: 'x' }, b: { uid: 'y' }, c: { uid: 'x' } }
    refusal(() => uidOf({ jsonPath: '$..uid' }, profile), 'ERR_INVALID_EXTERNAL_UID')
    expect(uidOf({ jsonPath: '$..uid' }, { a: { uid: 'x' }, c: { uid: 'x' } })).toBe('x')
  })

  it('refuses a non-string value found by the path', () => {
    refusal(
      () => uidOf({ jsonPath: '$.attributes.uid' }, { attributes: { uid: 1 } }),
      'ERR_INVALID_EXTERNAL_UID',
    )
    refusal(
      () => uidOf({ jsonPath: '$.attributes' }, { attributes: { uid: 'x' } }),
      'ERR_INVALID_EXTERNAL_UID',
    )
  })

  it('never reads inherited properties', () => {
    expect(uidOf({ jsonPath: '$.constructor' }, {})).toBeUndefined()
    expect(uidOf({ jsonPath: '$.attributes.toString' }, { attributes: {} })).toBeUndefined()
    expect(uidOf({ jsonPath: '$.attributes.__proto__' }, { attributes: {} })).toBeUndefined()
  })

  it('returns the value untrimmed and case-preserved', () => {
    expect(uidOf({ jsonPath: '$.attributes.uid[0]' }, { attributes: { uid: [' MiXeD '] } })).toBe(' MiXeD ')
  })
})

describe('construction', () => {
  it('refuses an empty attribute name', () => {
    expect(() => createExternalUidReader('')).toThrow(TypeError)
    expect(() => createExternalUidReader('')).toThrow('externalUidAttribute must not be empty')
  })

  it.each([
    ['a number', 1],
    ['an array', ['userUID']],
    ['an object without jsonPath', {}],
    ['a non-string jsonPath', { jsonPath: 1 }],
    ['a function', () => 'userUID'],
  ])('refuses %s', (_, source) => {
    expect(() => createExternalUidReader(source as unknown as ExternalUidSource)).toThrow(
      'externalUidAttribute must be an attribute name or { jsonPath }',
    )
  })

  it.each(['', '$', '$.', 'attributes.userUID', '@.attributes', '$$.a', '.userUID', '$.a]]'])(
    'refuses the path %j, which does not start with $.',
    (jsonPath) => {
      expect(() => createExternalUidReader({ jsonPath })).toThrow(TypeError)
      expect(() => createExternalUidReader({ jsonPath })).toThrow(/externalUidAttribute\.jsonPath/)
    },
  )

  it.each([
    '$.attributes[?(@.name == "uid")]',
    '$..[?(@.uid)]',
    '$.a[?(@.b==1)].c',
    '$.a[?(@.b',
    '$.attributes[(@.length-1)]',
    '$.a[(process.exit())]',
  ])('refuses the filter or script expression %j at construction', (jsonPath) => {
    expect(() => createExternalUidReader({ jsonPath })).toThrow(TypeError)
    expect(() => createExternalUidReader({ jsonPath })).toThrow(
      'externalUidAttribute.jsonPath may not use filter or script expressions',
    )
  })

  it('accepts plain paths', () => {
    expect(typeof createExternalUidReader({ jsonPath: '$.attributes.uid' })).toBe('function')
    expect(typeof createExternalUidReader({ jsonPath: "$['attributes']['uid'][0]" })).toBe('function')
    expect(typeof createExternalUidReader({ jsonPath: '$..uid' })).toBe('function')
  })
})
