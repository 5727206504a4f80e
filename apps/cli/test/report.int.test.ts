import { createBatches, formatUsd, parseUsd } from '@payouts/core';
import { insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess, runCliProcess } from './run-cli.ts';

// `payouts report payouts` as a finance operator runs it, on batches in a fresh database: the table,
// the JSON and the CSV agree with each other to the cent.
describe('payouts report payouts', () => {
  let ctx: TestContext;
  let env: Record<string, string>;
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    ctx = await makeTestContext();
    env = { DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: ctx.queuePrefix };
    await insertAffiliate(ctx.db, { commissions: ['0.10', '0.20', '60.00'] });
    await insertAffiliate(ctx.db, { commissions: ['12345678.91'] });
    await createBatches({ db: ctx.db }, { provider: 'MOCK', minPayout: '50.00', maxBatchSize: 100 }, { actor: 'test' });
  });
  afterAll(async () => ctx?.cleanup());

  it('prints the report as a table, as JSON and as CSV that add up to the same totals', async () => {
    const json = await runCliProcess(['report', 'payouts', '--from', today, '--to', tomorrow, '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.groups).toEqual([{ key: today, count: 4, amount: '12345739.21', paidCount: 0, paidAmount: '0.00' }]);

    const table = await runCliProcess(
      ['report', 'payouts', '--from', today, '--to', tomorrow, '--group-by', 'status'],
      env,
    );
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^PENDING\s+4\s+12345739\.21\s+0\s+0\.00$/m);
    expect(table.stdout).toMatch(/^total\s+4\s+12345739\.21\s+0\s+0\.00$/m);

    const csv = await runCliProcess(['report', 'payouts', '--from', today, '--to', tomorrow, '--csv'], env);
    expect(csv.code, csv.stderr).toBe(0);
    const rows: { amount: string; status: string }[] = parse(csv.stdout, { columns: true });
    expect(rows).toHaveLength(4);
    expect(formatUsd(rows.reduce((sum, r) => sum + parseUsd(r.amount), 0n))).toBe(report.total.amount);

    const grouped = await runCliProcess(
      ['report', 'payouts', `--from=${today}`, `--to=${tomorrow}`, '--csv', '--group-by', 'day'],
      env,
    );
    expect(parse(grouped.stdout, { columns: true })).toEqual([
      { day: today, count: '4', amount: '12345739.21', paid_count: '0', paid_amount: '0.00' },
    ]);
  });

  it('refuses a wrong command line with exit 2 and the reason', async () => {
    for (const [args, reason] of [
      [['report'], 'report needs payouts'],
      [['report', 'payouts', '--to', tomorrow], 'needs --from'],
      [['report', 'payouts', '--from', '2026-02-30', '--to', tomorrow], '--from must be a day'],
      [['report', 'payouts', '--from', '10000-01-01', '--to', tomorrow], '--from must be a day'],
      [['report', 'payouts', '--from', tomorrow, '--to', today], '--from must not be after --to'],
      [['report', 'payouts', '--from', today, '--to', tomorrow, '--group-by', 'week'], '--group-by must be one of'],
      [['report', 'payouts', '--from', today, '--to', tomorrow, '--csv', '--json'], 'exclude each other'],
    ] as const) {
      const result = await runCliInProcess([...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(reason);
      expect(result.stdout).toBe('');
    }
  });
});
