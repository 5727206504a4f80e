import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../src/errors.ts';
import { decodeCursor, encodeCursor, isIssuedCursor, isStorableInstant } from '../src/paging.ts';

const cursorOf = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const storableTime = fc.integer({
  min: Date.parse('0001-01-01T00:00:00.000Z'),
  max: Date.parse('9999-12-31T23:59:59.999Z'),
});
const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,100}$/);

describe('cursors', () => {
  it('decodes every cursor it encodes, to the same position', () => {
    fc.assert(
      fc.property(storableTime, id, (time, anId) => {
        const position = { createdAt: new Date(time), id: anId };
        expect(decodeCursor(encodeCursor(position))).toEqual(position);
      }),
    );
  });

  it('refuses anything else as VALIDATION_FAILED', () => {
    const refused = [
      '',
      cursorOf('2026-01-01T00:00:00.000Z|ab\u0000cd'),
      cursorOf('2026-01-01T00:00:00.000Z\u0000|abcd'),
      cursorOf('+275760-09-13T00:00:00.000Z|abcd'),
      cursorOf('+010000-01-01T00:00:00.000Z|abcd'),
      cursorOf('-000001-01-01T00:00:00.000Z|abcd'),
      cursorOf('0000-12-31T23:59:59.999Z|abcd'),
      cursorOf('2026-02-29T00:00:00.000Z|abcd'),
      cursorOf('2026-01-01T00:00:00Z|abcd'),
      cursorOf('2026-01-01|abcd'),
      cursorOf('Thu Jan 01 2026|abcd'),
      cursorOf('2026-01-01T00:00:00.000Z|'),
      cursorOf('2026-01-01T00:00:00.000Z|a b'),
      cursorOf('2026-01-01T00:00:00.000Z|a|b'),
      cursorOf(`2026-01-01T00:00:00.000Z|${'a'.repeat(101)}`),
      // Node ignores what is not base64url; a cursor must re-encode to itself.
      `${cursorOf('2026-01-01T00:00:00.000Z|abcd')}.`,
      `!${cursorOf('2026-01-01T00:00:00.000Z|abcd')}`,
      'x'.repeat(201),
    ];
    for (const cursor of refused) {
      expect(isIssuedCursor(cursor), cursor).toBe(false);
      expect(() => decodeCursor(cursor), cursor).toThrow(DomainError);
      expect(() => decodeCursor(cursor), cursor).toThrow('cursor is not one this API issued');
    }
  });

  it('never throws anything but its own refusal, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.string().map(cursorOf)), (cursor) => {
        try {
          decodeCursor(cursor);
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
        }
      }),
    );
  });
});

describe('storable instants', () => {
  it('are those of years 0001 to 9999', () => {
    expect(isStorableInstant(new Date('0001-01-01T00:00:00.000Z'))).toBe(true);
    expect(isStorableInstant(new Date('9999-12-31T23:59:59.999Z'))).toBe(true);
    expect(isStorableInstant(new Date('0000-12-31T23:59:59.999Z'))).toBe(false);
    expect(isStorableInstant(new Date('+010000-01-01T00:00:00.000Z'))).toBe(false);
    expect(isStorableInstant(new Date(Number.NaN))).toBe(false);
  });
});
