// Splits and decodes a resource path: an HTTP request's, or a /Bulk operation's.

const SLASH = 0x2f

/**
 * Splits and decodes a path (an HTTP request's, or a /Bulk operation's); undefined when it cannot be
 * decoded.
 */
export function pathSegments(pathname: string): string[] | undefined {
  // The common path (`/Users/<id>`: a leading slash, no empty segment, no escape) splits as it is.
  if (
    pathname.length > 1 &&
    pathname.charCodeAt(0) === SLASH &&
    pathname.charCodeAt(pathname.length - 1) !== SLASH &&
    !pathname.includes('%') &&
    !pathname.includes('//')
  ) {
    return pathname.slice(1).split('/')
  }
  const segments: string[] = []
  for (const segment of pathname.split('/')) {
    if (segment === '') continue
    // Only a segment with an escape needs decoding (and can fail to decode).
    if (!segment.includes('%')) segments.push(segment)
    else {
      try {
        segments.push(decodeURIComponent(segment))
      } catch {
        return undefined
      }
    }
  }
  return segments
}
