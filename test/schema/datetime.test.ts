// Unit tests of the xsd:dateTime reader (RFC 7643 §2.3.5) behind dateTime filters.
import { parseDateTime } from '../../lib/schema/datetime'

describe('parseDateTime', () => {
  it.each([
    ['2011-05-13T04:42:34Z', Date.UTC(2011, 4, 13, 4, 42, 34)],
    ['2011-05-13t04:42:34z', Date.UTC(2011, 4, 13, 4, 42, 34)],
    ['2011-05-13T06:42:34+02:00', Date.UTC(2011, 4, 13, 4, 42, 34)],
    ['2011-05-12T23:12:34-05:30', Date.UTC(2011, 4, 13, 4, 42, 34)],
    ['2011-05-13T04:42:34', Date.UTC(2011, 4, 13, 4, 42, 34)],
    ['2011-05-13T04:42:34.5Z', Date.UTC(2011, 4, 13, 4, 42, 34, 500)],
    ['2011-05-13T04:42:34.123456789Z', Date.UTC(2011, 4, 13, 4, 42, 34, 123)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['0050-01-01T00:00:00Z', Date.parse('0050-01-01T00:00:00Z')],
  ])('reads %s', (text, expected) => {
    expect(parseDateTime(text)).toBe(expected)
  })

  it('agrees with Date.parse on the ISO forms both accept', () => {
    for (let i = 0; i < 500; i++) {
      const iso = new Date(Date.UTC(1970, 0, 1) + i * 7_919_191_919).toISOString()
      expect(parseDateTime(iso)).toBe(Date.parse(iso))
    }
  })

  it.each([
    '2011-05-13',
    '2011-05-13 04:42:34Z',
    '2011-5-13T04:42:34Z',
    '2011-13-01T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2011-04-31T00:00:00Z',
    '2011-05-13T24:00:00Z',
    '2011-05-13T04:60:00Z',
    '2011-05-13T04:42:60Z',
    '2011-05-13T04:42:34.Z',
    '2011-05-13T04:42:34ZZ',
    '2011-05-13T04:42:34+0200',
    '2011-05-13T04:42:34+24:00',
    '2011-05-13T04:42:34 +02:00',
    'May 13, 2011',
    '',
  ])('rejects %j', (text) => {
    expect(parseDateTime(text)).toBeNaN()
  })

  it('reads Date instances and rejects other types', () => {
    expect(parseDateTime(new Date(5))).toBe(5)
    expect(parseDateTime(5)).toBeNaN()
    expect(parseDateTime(null)).toBeNaN()
    expect(parseDateTime({ toString: () => '2011-05-13T04:42:34Z' })).toBeNaN()
  })
})
