// pathSegments: splits and decodes a resource path; the common-path shortcut answers what the full walk does.
import fc from 'fast-check'
import { pathSegments } from '../../lib/resources/path-segments'

/** The rule, written plainly: empty segments dropped, each segment percent-decoded, undefined when one cannot be. */
function reference(pathname: string): string[] | undefined {
  const out: string[] = []
  for (const segment of pathname.split('/')) {
    if (segment === '') continue
    try {
      out.push(decodeURIComponent(segment))
    } catch {
      return undefined
    }
  }
  return out
}

describe('pathSegments', () => {
  it.each<[string, string[] | undefined]>([
    ['/Users', ['Users']],
    ['/Users/2819c223', ['Users', '2819c223']],
    ['/v2/Users/.search', ['v2', 'Users', '.search']],
    ['/', []],
    ['', []],
    ['/Users/', ['Users']],
    ['//Users//a', ['Users', 'a']],
    ['Users/a', ['Users', 'a']],
    ['/Users/a%2Fb', ['Users', 'a/b']],
    ['/Users/%E2%82%AC', ['Users', '€']],
    ['/Users/%E2%82', undefined],
    ['/Users/%zz', undefined],
  ])('splits %j', (path, segments) => {
    expect(pathSegments(path)).toEqual(segments)
  })

  it('answers as the plain rule for any path of slashes, escapes and names', () => {
    const part = fc.constantFrom(
      '/',
      '/',
      'Users',
      'a',
      '.search',
      '%2F',
      '%',
      '%4',
      '%41',
      '%E2%82%AC',
      '%C3',
      ' ',
    )
    fc.assert(
      fc.property(fc.array(part, { maxLength: 12 }), (parts) => {
        const path = parts.join('')
        expect(pathSegments(path)).toEqual(reference(path))
      }),
      { numRuns: 5_000 },
    )
  })
})
