// isoTimeOf: the same text as Date.prototype.toISOString for every instant, by property and at the edges.
import fc from 'fast-check'
import { isoTimeOf } from '../../lib/representation/iso-time'

const iso = (ms: number) => new Date(ms).toISOString()

describe('isoTimeOf', () => {
  it('writes what toISOString writes, for any instant a Date can hold', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(isoTimeOf(ms)).toBe(iso(ms))
      }),
      { numRuns: 5_000 },
    )
  })

  it('writes what toISOString writes, for any instant of the four-digit years it formats itself', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(isoTimeOf(ms)).toBe(iso(ms))
      }),
      { numRuns: 20_000 },
    )
  })

  it('writes what toISOString writes, around every day, month and leap day of years 1899-2101', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1899, 0, 1), max: Date.UTC(2101, 11, 31) }), (day) => {
        const midnight = Math.floor(day / 86_400_000) * 86_400_000
        for (const ms of [midnight - 1, midnight, midnight + 1, midnight + 86_399_999]) {
          expect(isoTimeOf(ms)).toBe(iso(ms))
        }
      }),
      { numRuns: 5_000 },
    )
  })

  it.each([
    ['the epoch', 0],
    ['just before it', -1],
    ['a leap day', Date.UTC(2024, 1, 29, 23, 59, 59, 999)],
    ['the day after a century without one', Date.UTC(2100, 2, 1)],
    ['a 400-year leap day', Date.UTC(2000, 1, 29, 12)],
    ['the first instant of year 0000', -62_167_219_200_000],
    ['the last of year 9999', 253_402_300_799_999],
    ['year 10000, written with a sign', 253_402_300_800_000],
    ['year -1, written with a sign', -62_167_219_200_001],
    ['the last instant a Date holds', 8.64e15],
  ])('writes %s as toISOString does', (_, ms) => {
    expect(isoTimeOf(ms)).toBe(iso(ms))
  })

  it('throws as toISOString does for an instant no Date can hold', () => {
    expect(() => isoTimeOf(Number.NaN)).toThrow(RangeError)
    expect(() => isoTimeOf(8.64e15 + 1)).toThrow(RangeError)
  })

  it('leaves a fractional millisecond to toISOString, which drops it', () => {
    expect(isoTimeOf(1.5)).toBe(iso(1.5))
  })
})
