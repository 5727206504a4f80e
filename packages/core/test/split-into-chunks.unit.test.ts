import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitIntoChunks } from '../src/batches/create-batches.ts';

describe('splitIntoChunks', () => {
  it('keeps every item once, in order, in chunks of at most the size', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer({ min: 1, max: 50 }), (items, size) => {
        const chunks = splitIntoChunks(items, size);
        expect(chunks.flat()).toEqual(items);
        expect(chunks.every((chunk) => chunk.length >= 1 && chunk.length <= size)).toBe(true);
        expect(chunks.length).toBe(Math.ceil(items.length / size));
      }),
    );
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => splitIntoChunks([1], 0)).toThrow(RangeError);
    expect(() => splitIntoChunks([1], 1.5)).toThrow(RangeError);
  });
});
