import { describe, expect, it } from 'vitest';
import { makeBatcher } from '../src/statement-batcher.ts';

function recordingBatcher(options: { maxBatch?: number; maxInFlight?: number; fail?: (items: number[]) => boolean }) {
  const statements: number[][] = [];
  let release: () => void = () => {};
  let gate = Promise.resolve();
  const batcher = makeBatcher<number, number>({
    maxBatch: options.maxBatch ?? 10,
    maxInFlight: options.maxInFlight ?? 1,
    keyOf: (n) => String(n % 100),
    async run(items) {
      statements.push(items);
      await gate;
      if (options.fail?.(items)) throw new Error(`failed ${items.join(',')}`);
      return items.map((n) => n * 2);
    },
  });
  return {
    batcher,
    statements,
    hold() {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    release: () => release(),
  };
}

describe('statement batcher', () => {
  it('sends requests of one turn together, and what comes while a statement runs in the next one', async () => {
    const b = recordingBatcher({ maxInFlight: 1 });
    b.hold();
    const first = [1, 2, 3].map((n) => b.batcher(n));
    await Promise.resolve();
    await Promise.resolve();
    const second = [4, 5].map((n) => b.batcher(n));
    b.release();
    expect(await Promise.all([...first, ...second])).toEqual([2, 4, 6, 8, 10]);
    expect(b.statements).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('never puts one key twice in a statement, and caps a statement at maxBatch', async () => {
    const b = recordingBatcher({ maxBatch: 2 });
    const answers = await Promise.all([7, 107, 8, 9].map((n) => b.batcher(n)));
    expect(answers).toEqual([14, 214, 16, 18]);
    expect(b.statements).toEqual([
      [7, 8],
      [107, 9],
    ]);
  });

  it('fails the requests of a failed statement only', async () => {
    const b = recordingBatcher({ maxBatch: 2, fail: (items) => items.includes(3) });
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => b.batcher(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
  });
});
