import http from 'node:http';
import { formatUsd, parseUsd } from '@payouts/core';
import {
  insertAffiliate,
  insertPayableAffiliates,
  makeTestContext,
  spawnWorker,
  type TestContext,
  type WorkerProcess,
} from '@payouts/testing';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/api-harness.ts';

// The reports over HTTP, on payments a real worker made (one payee refused by the mock provider, so
// batches hold COMPLETED, FAILED and PENDING payments). Every CSV is parsed back with a CSV parser and
// compared with the JSON answers and with Postgres, amounts as exact cents.

type CsvRow = Record<string, string>;

describe('reports', () => {
  let ctx: TestContext;
  let api: TestApi;
  let worker: WorkerProcess;
  let paidBatchId: string;
  let refusedAffiliateId: string;
  let paidAffiliateId: string;
  let payments: number;
  const wholeRange = 'from=2000-01-01&to=2100-01-01';

  const get = async (url: string, role: 'admin' | 'operator' | 'scheduler' | null = 'operator') => {
    const response = await api.app.inject({
      method: 'GET',
      url: `/api/disbursement${url}`,
      headers: role ? { authorization: `Bearer ${api.keys[role]}` } : {},
    });
    return response;
  };
  const csvRows = (text: string): CsvRow[] => parse(text, { columns: true, skip_empty_lines: true });
  const cents = (values: (string | undefined)[]) => formatUsd(values.reduce((sum, v) => sum + parseUsd(v ?? ''), 0n));

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
    // Amounts that a float would get wrong when summed.
    const paid = await insertAffiliate(ctx.db, { commissions: ['0.10', '0.20', '60.00'] });
    const big = await insertAffiliate(ctx.db, { commissions: ['12345678.91', '0.07'] });
    const refused = await insertAffiliate(ctx.db, { commissions: ['75.55'] });
    paidAffiliateId = paid.affiliateId;
    refusedAffiliateId = refused.affiliateId;
    worker = await spawnWorker({
      DATABASE_URL: ctx.databaseUrl,
      REDIS_URL: ctx.redisUrl,
      QUEUE_PREFIX: ctx.queuePrefix,
      PAY_ATTEMPTS: '1',
      MOCK_PROVIDER_FAULTS_BY_PAYEE: `${refused.riseId}=permanent`,
    });
    const created = await api.call('POST', '/batches?wait=30', 'admin', {
      affiliateIds: [paid.affiliateId, big.affiliateId, refused.affiliateId],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    paidBatchId = created.body.batches[0].id;
    expect((await api.call('POST', `/batches/${paidBatchId}/execute`, 'admin')).status).toBe(202);
    const deadline = Date.now() + 45_000;
    for (;;) {
      const batch = await ctx.db.paymentBatch.findUniqueOrThrow({ where: { id: paidBatchId } });
      if (batch.status === 'COMPLETED' || batch.status === 'FAILED') break;
      if (Date.now() > deadline) throw new Error(`batch still ${batch.status}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // A second batch left PENDING, large enough to cross the cursor's 500-row reads several times.
    await insertPayableAffiliates(ctx.db, 300, 5);
    expect((await api.call('POST', '/batches?wait=30', 'admin', {})).status).toBe(201);
    payments = await ctx.db.disbursementTransaction.count();
    expect(payments).toBeGreaterThan(500 * 2);
    // An audit row whose actor a spreadsheet would run as a formula, and details that need quoting.
    await ctx.db.disbursementAuditLog.create({
      data: {
        action: 'test.csv_quoting',
        status: 'INFO',
        actor: '=HYPERLINK("http://evil.test","x")',
        batchId: paidBatchId,
        details: { note: 'a "quoted", comma\nand a new line' },
      },
    });
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await ctx?.cleanup();
  });

  it('summarises a batch: counts, exact amounts per status, failures with their reason', async () => {
    const response = await get(`/reports/batches/${paidBatchId}`);
    expect(response.statusCode, response.body).toBe(200);
    const { report } = response.json();
    const rows = await ctx.db.disbursementTransaction.findMany({ where: { batchId: paidBatchId } });
    const completed = rows.filter((r) => r.status === 'COMPLETED');
    expect(report.byStatus.COMPLETED).toEqual({ count: 5, amount: cents(completed.map((r) => r.amount.toFixed(2))) });
    expect(report.paid).toEqual({ count: 5, amount: '12345739.28' });
    expect(report.byStatus.FAILED).toEqual({ count: 1, amount: '75.55' });
    expect(report.byStatus.PENDING).toEqual({ count: 0, amount: '0.00' });
    expect(report.settled).toBe(6);
    expect(report.totalAmount).toBe('12345814.83');
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0].errorMessage).toMatch(/\S/);
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
    expect((await get('/reports/batches/no-such-batch')).statusCode).toBe(404);
  });

  it("exports a batch's payments as CSV that parses back to Postgres's rows", async () => {
    const response = await get(`/reports/batches/${paidBatchId}/transactions.csv`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="batch-${paidBatchId}-transactions.csv"`,
    );
    expect(response.body.split('\r\n')[0]).toBe(
      'reference,transaction_id,batch_number,batch_id,affiliate_id,commission_id,payee_rise_id,provider,status,' +
        'amount,currency,payout_date,created_at,completed_at,failed_at,reversed_at,provider_tx_id,error',
    );
    const rows = csvRows(response.body);
    const stored = await ctx.db.disbursementTransaction.findMany({
      where: { batchId: paidBatchId },
      orderBy: { transactionId: 'asc' },
    });
    expect(rows.map((r) => [r.transaction_id, r.status, r.amount, r.completed_at, r.provider_tx_id])).toEqual(
      stored.map((t) => [
        t.id,
        t.status,
        t.amount.toFixed(2),
        t.completedAt?.toISOString() ?? '',
        t.providerTxId ?? '',
      ]),
    );
    expect(rows.find((r) => r.status === 'FAILED')?.error).toBe(
      stored.find((t) => t.status === 'FAILED')?.errorMessage,
    );
    expect((await get('/reports/batches/no-such-batch/transactions.csv')).statusCode).toBe(404);
  });

  it('gives the payouts report by day, affiliate, provider and status; its CSV parses back to the same rows and totals', async () => {
    const perPayment = csvRows((await get(`/reports/payouts.csv?${wholeRange}`)).body);
    expect(perPayment).toHaveLength(payments);
    for (const groupBy of ['day', 'affiliate', 'provider', 'status'] as const) {
      const json = await get(`/reports/payouts?${wholeRange}&groupBy=${groupBy}`);
      expect(json.statusCode, json.body).toBe(200);
      const { report } = json.json();
      // The grouped CSV is exactly the JSON's groups.
      const grouped = await get(`/reports/payouts.csv?${wholeRange}&groupBy=${groupBy}`);
      const header = { day: 'day', affiliate: 'affiliate_id', provider: 'provider', status: 'status' }[groupBy];
      expect(
        csvRows(grouped.body).map((r) => ({
          key: r[header],
          count: Number(r.count),
          amount: r.amount,
          paidCount: Number(r.paid_count),
          paidAmount: r.paid_amount,
        })),
      ).toEqual(report.groups);
      // The per-payment CSV, grouped here, gives the same groups and totals to the cent.
      const keyOf = (r: CsvRow) =>
        ({ day: r.payout_date?.slice(0, 10), affiliate: r.affiliate_id, provider: r.provider, status: r.status })[
          groupBy
        ] ?? '';
      const keys = [...new Set(perPayment.map(keyOf))].sort();
      expect(keys).toEqual(report.groups.map((g: { key: string }) => g.key));
      for (const group of report.groups) {
        const members = perPayment.filter((r) => keyOf(r) === group.key);
        const paid = members.filter((r) => r.status === 'COMPLETED');
        expect({ count: members.length, amount: cents(members.map((r) => r.amount)) }).toEqual({
          count: group.count,
          amount: group.amount,
        });
        expect({ count: paid.length, amount: cents(paid.map((r) => r.amount)) }).toEqual({
          count: group.paidCount,
          amount: group.paidAmount,
        });
      }
      expect(report.total.count).toBe(payments);
      expect(report.total.amount).toBe(cents(perPayment.map((r) => r.amount)));
      expect(report.total.paidAmount).toBe('12345739.28');
    }
  });

  it('counts a payment by its payout date in [from, to), and filters by status, provider and affiliate', async () => {
    const completed = await ctx.db.disbursementTransaction.findMany({
      where: { batchId: paidBatchId, status: 'COMPLETED' },
      orderBy: { completedAt: 'asc' },
    });
    const first = completed[0]?.completedAt?.toISOString() ?? '';
    const last = completed.at(-1)?.completedAt?.getTime() ?? 0;
    const justAfterLast = new Date(last + 1).toISOString();
    const paidOnly = `from=${encodeURIComponent(first)}&to=${encodeURIComponent(justAfterLast)}&status=COMPLETED`;
    const all = (await get(`/reports/payouts?${paidOnly}&groupBy=status`)).json().report;
    expect(all.total).toEqual({ count: 5, amount: '12345739.28', paidCount: 5, paidAmount: '12345739.28' });
    // `to` is excluded: ending at the last payment's instant leaves it out.
    const before = `from=${encodeURIComponent(first)}&to=${encodeURIComponent(new Date(last).toISOString())}&status=COMPLETED`;
    expect((await get(`/reports/payouts?${before}`)).json().report.total.count).toBeLessThan(5);
    const ofOne = (await get(`/reports/payouts?${wholeRange}&affiliateId=${paidAffiliateId}&groupBy=affiliate`)).json();
    expect(ofOne.report.groups).toEqual([
      { key: paidAffiliateId, count: 3, amount: '60.30', paidCount: 3, paidAmount: '60.30' },
    ]);
    expect((await get(`/reports/payouts?${wholeRange}&provider=RISE`)).json().report.total.count).toBe(0);
    // Days name their UTC midnight; a range in the far past has nothing.
    expect((await get('/reports/payouts?from=2001-01-01&to=2001-02-01')).json().report).toMatchObject({
      from: '2001-01-01T00:00:00.000Z',
      groups: [],
      total: { count: 0, amount: '0.00', paidCount: 0, paidAmount: '0.00' },
    });
  });

  it('refuses junk with 400 and asks for a key', async () => {
    for (const query of [
      '',
      'from=2026-01-01',
      'from=2026-02-01&to=2026-01-01',
      'from=2026-02-30&to=2026-03-01',
      'from=10000-01-01&to=10001-01-01',
      'from=0000-01-01&to=2026-01-01',
      `${wholeRange}&groupBy=week`,
      `${wholeRange}&status=paid`,
      `${wholeRange}&affiliateId=a%00b`,
      `${wholeRange}&unknown=1`,
    ]) {
      for (const path of ['/reports/payouts', '/reports/payouts.csv']) {
        const response = await get(`${path}?${query}`);
        expect(response.statusCode, `${path}?${query}`).toBe(400);
        expect(response.json().error.code).toBe('VALIDATION_FAILED');
      }
    }
    expect((await get(`/reports/payouts?${wholeRange}`, 'scheduler')).statusCode).toBe(403);
    const anonymous = await get(`/reports/payouts.csv?${wholeRange}`, null);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic/);
  });

  it("pages an affiliate's payout history newest first, with totals over all of it", async () => {
    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 5; page++) {
      const answer = await get(`/affiliates/${paidAffiliateId}/payouts?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(answer.statusCode, answer.body).toBe(200);
      const body = answer.json();
      expect(body.totals).toEqual({
        paidCount: 3,
        paidAmount: '60.30',
        byStatus: { COMPLETED: { count: 3, amount: '60.30' } },
      });
      seen.push(...body.payouts.map((p: { id: string }) => p.id));
      if (!body.nextCursor) break;
      cursor = body.nextCursor;
    }
    const stored = await ctx.db.disbursementTransaction.findMany({
      where: { affiliateProfileId: paidAffiliateId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    expect(seen).toEqual(stored.map((t) => t.id));
    const refused = (await get(`/affiliates/${refusedAffiliateId}/payouts`)).json();
    expect(refused.payouts[0]).toMatchObject({ status: 'FAILED', amount: '75.55', batchId: paidBatchId });
    expect(refused.totals).toMatchObject({ paidCount: 0, paidAmount: '0.00' });
    expect((await get('/affiliates/nobody/payouts')).statusCode).toBe(404);
    expect((await get(`/affiliates/${paidAffiliateId}/payouts?cursor=forged`)).statusCode).toBe(400);
  });

  it('exports the audit trail as CSV with the filters of GET /audit-logs, formulas defused', async () => {
    const json = (await get(`/audit-logs?batchId=${paidBatchId}&limit=200`)).json();
    const response = await get(`/audit-logs.csv?batchId=${paidBatchId}`);
    expect(response.statusCode).toBe(200);
    const rows = csvRows(response.body);
    expect(rows.map((r) => [r.id, r.action, r.created_at])).toEqual(
      json.auditLogs.map((l: { id: string; action: string; createdAt: string }) => [l.id, l.action, l.createdAt]),
    );
    const quoting = rows.find((r) => r.action === 'test.csv_quoting');
    expect(quoting?.actor).toBe('\'=HYPERLINK("http://evil.test","x")');
    expect(JSON.parse(quoting?.details ?? '')).toEqual({ note: 'a "quoted", comma\nand a new line' });
    const filtered = csvRows((await get(`/audit-logs.csv?batchId=${paidBatchId}&action=batch.created`)).body);
    expect(filtered.map((r) => r.action)).toEqual(['batch.created']);
    expect((await get('/audit-logs.csv?limit=5')).statusCode).toBe(400);
  });

  it('gives a connection back when a download is cut off half-way', async () => {
    const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const port = Number(new URL(address).port);
    // More cut-off downloads than the pool has connections: a leaked one would make the last request hang.
    const poolSize = 10;
    for (let i = 0; i < poolSize + 5; i++) {
      await new Promise<void>((resolve, reject) => {
        const request = http.get(
          {
            host: '127.0.0.1',
            port,
            path: `/api/disbursement/reports/payouts.csv?${wholeRange}`,
            headers: { authorization: `Bearer ${api.keys.operator}` },
          },
          (response) => {
            response.once('data', () => {
              request.destroy();
              resolve();
            });
          },
        );
        request.on('error', (error) => (request.destroyed ? resolve() : reject(error)));
      });
    }
    const after = await get(`/reports/payouts.csv?${wholeRange}`);
    expect(csvRows(after.body)).toHaveLength(payments);
  });
});
