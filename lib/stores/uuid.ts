// New resource ids for a memory store: random (version 4) UUIDs, each written as one flat string from a pool of random bytes.
import { randomFillSync } from 'node:crypto'

/** UUIDs one draw of random bytes makes (Node's `randomUUID` batches the same way). */
const PER_DRAW = 128

/** The lower-case hex digits, as character codes. */
const HEX = Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0))

/**
 * Random UUIDs (RFC 9562 §5.4), drawn from the CSPRNG 128 at a time. `randomUUID()` builds its text by
 * concatenation, and V8 keeps the result as a tree of about 14 string pieces (some 450 bytes) until
 * something flattens it: a store keeps its ids for life, in its maps and indexes, and each request that
 * creates one paid for the tree and then for the flat copy. Here each id is one flat string of 36
 * characters from the start. One source per store: no state is shared between stores.
 */
export class UuidSource {
  readonly #pool = Buffer.alloc(16 * PER_DRAW)
  #next = PER_DRAW

  /** The next random UUID, in lower case. */
  next(): string {
    if (this.#next === PER_DRAW) {
      randomFillSync(this.#pool)
      this.#next = 0
    }
    const bytes = this.#pool
    const at = this.#next * 16
    this.#next += 1
    const high = (i: number) => HEX[bytes[at + i]! >> 4]!
    const low = (i: number) => HEX[bytes[at + i]! & 15]!
    const DASH = 45
    // RFC 9562 §4.2 and §5.4: the version nibble is 4, the variant's two bits are 10.
    const version = HEX[4]!
    const variant = HEX[8 | ((bytes[at + 8]! >> 4) & 3)]!
    return String.fromCharCode(
      high(0),
      low(0),
      high(1),
      low(1),
      high(2),
      low(2),
      high(3),
      low(3),
      DASH,
      high(4),
      low(4),
      high(5),
      low(5),
      DASH,
      version,
      low(6),
      high(7),
      low(7),
      DASH,
      variant,
      low(8),
      high(9),
      low(9),
      DASH,
      high(10),
      low(10),
      high(11),
      low(11),
      high(12),
      low(12),
      high(13),
      low(13),
      high(14),
      low(14),
      high(15),
      low(15),
    )
  }
}
