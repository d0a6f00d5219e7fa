// Splits and decodes a resource path: an HTTP request's, or a /Bulk operation's.

/**
 * Splits and decodes a path (an HTTP request's, or a /Bulk operation's); undefined when it cannot be
 * decoded.
 */
export function pathSegments(pathname: string): string[] | undefined {
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
