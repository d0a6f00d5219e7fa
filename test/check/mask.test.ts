// The bearer token is masked in everything a check keeps, also when a long answer is cut to an excerpt.
import { excerpt, MASK, masked, maskedHeaders } from '../../lib/check/mask'

const TOKEN = 'zq7-CHECKTOKEN-4f1e9b2d7c3a-k8w'

/** True when the token, or a piece of eight characters or more of it, is in `text`. */
function traceOf(text: string): boolean {
  for (let start = 0; start + 8 <= TOKEN.length; start++) {
    if (text.includes(TOKEN.slice(start, start + 8))) return true
  }
  return false
}

describe('masked', () => {
  it('replaces every occurrence', () => {
    expect(masked(`Bearer ${TOKEN}, again ${TOKEN}${TOKEN}`, TOKEN)).toBe(
      `Bearer ${MASK}, again ${MASK}${MASK}`,
    )
  })

  it('leaves the text as it is without a token, or with an empty one', () => {
    expect(masked('Bearer x', undefined)).toBe('Bearer x')
    expect(masked('Bearer x', '')).toBe('Bearer x')
  })

  it('takes the token literally (regex characters included)', () => {
    expect(masked('a.b* a+b*', 'a.b*')).toBe(`${MASK} a+b*`)
  })
})

describe('excerpt', () => {
  it('keeps a short text whole', () => {
    expect(excerpt('short', TOKEN)).toBe('short')
  })

  it('cuts at the limit and says how much is left out', () => {
    expect(excerpt('abcdefghij', undefined, 4)).toBe('abcd… (6 more characters)')
  })

  it('never shows the token, nor a piece of it, wherever the cut falls', () => {
    for (let at = 0; at <= 60; at++) {
      // The token starts at `at`; the cut is at 40: the token is before it, across it, or after it.
      const text = `${'x'.repeat(at)}${TOKEN}${'y'.repeat(30)}`
      const out = excerpt(text, TOKEN, 40)
      expect({ at, out, trace: traceOf(out) }).toEqual({ at, out, trace: false })
    }
  })

  it('counts what is left out after masking, not before', () => {
    const text = `${TOKEN}${'y'.repeat(10)}`
    expect(excerpt(text, TOKEN, 4)).toBe(`${MASK}… (10 more characters)`)
  })
})

describe('maskedHeaders', () => {
  it('masks the token in every value and keeps the names', () => {
    expect(
      maskedHeaders(
        {
          authorization: `Bearer ${TOKEN}`,
          'x-echo': `got ${TOKEN}`,
          'content-type': 'application/scim+json',
        },
        TOKEN,
      ),
    ).toEqual({
      authorization: `Bearer ${MASK}`,
      'x-echo': `got ${MASK}`,
      'content-type': 'application/scim+json',
    })
  })

  it('returns a new object and leaves the original alone', () => {
    const headers = { authorization: `Bearer ${TOKEN}` }
    const out = maskedHeaders(headers, TOKEN)
    expect(out).not.toBe(headers)
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`)
  })
})
