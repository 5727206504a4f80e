import { makeTestContext, type TestContext } from '@payouts/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The CHECK constraints the init migration adds beyond schema.prisma (which cannot express them), so
// the schema comparison does not cover them: this proves they exist and hold.
describe('CHECK constraints of the init migration', () => {
  let ctx: TestContext;
  let client: pg.Client;

  beforeAll(async () => {
    ctx = await makeTestContext();
    client = new pg.Client({ connectionString: ctx.databaseUrl });
    await client.connect();
    await client.query(`
      INSERT INTO "User" ("id", "email") VALUES ('u1', 'u1@example.test');
      INSERT INTO "AffiliateProfile" ("id", "userId", "fullName", "country") VALUES ('a1', 'u1', 'A', 'US');
      INSERT INTO "AffiliateCode" ("id", "affiliateProfileId", "code") VALUES ('code1', 'a1', 'CODE1');
      INSERT INTO "Commission" ("id", "affiliateProfileId", "affiliateCodeId", "userId", "grossRevenue",
                                "discountAmount", "netRevenue", "commissionAmount", "status")
      VALUES ('c1', 'a1', 'code1', 'customer', 100, 0, 100, 60, 'APPROVED'),
             ('c2', 'a1', 'code1', 'customer', 100, 0, 100, 60, 'APPROVED');
      INSERT INTO "PaymentBatch" ("id", "batchNumber", "provider") VALUES ('b1', 'B-1', 'MOCK');`);
  });

  afterAll(async () => {
    await client?.end();
    await ctx?.cleanup();
  });

  let n = 0;
  /** Inserts a transaction of commission c1 with these columns; returns the violated constraint, if any. */
  async function insertTransaction(values: {
    live: string | null;
    status: string;
    commission?: string;
    amount?: string;
  }) {
    n += 1;
    try {
      await client.query(
        `INSERT INTO "DisbursementTransaction" ("id", "batchId", "commissionId", "liveCommissionId",
           "affiliateProfileId", "transactionId", "idempotencyKey", "provider", "amount", "status")
         VALUES ($1, 'b1', $2, $3, 'a1', $1, $1, 'MOCK', $4, $5::"DisbursementTransactionStatus")`,
        [`t${n}`, values.commission ?? 'c1', values.live, values.amount ?? '60.00', values.status],
      );
      return undefined;
    } catch (error) {
      if ((error as { code?: string }).code !== '23514') throw error;
      return (error as { constraint?: string }).constraint;
    }
  }

  async function violated(sql: string): Promise<string | undefined> {
    try {
      await client.query(sql);
      return undefined;
    } catch (error) {
      if ((error as { code?: string }).code !== '23514') throw error;
      return (error as { constraint?: string }).constraint;
    }
  }

  it('exist, and no others', async () => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT conname AS name FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
       WHERE c.contype = 'c' AND n.nspname = 'public' ORDER BY conname`,
    );
    expect(rows.map((r) => r.name)).toEqual([
      'Commission_amounts_not_negative_check',
      'DisbursementTransaction_amount_positive_check',
      'DisbursementTransaction_live_is_commission_check',
      'DisbursementTransaction_live_matches_status_check',
      'MockProviderPayment_amount_positive_check',
      'PaymentBatch_totalAmount_not_negative_check',
    ]);
  });

  it('tie liveCommissionId to the status and the commission', async () => {
    expect(await insertTransaction({ live: 'c1', status: 'CANCELLED' })).toBe(
      'DisbursementTransaction_live_matches_status_check',
    );
    expect(await insertTransaction({ live: null, status: 'PENDING' })).toBe(
      'DisbursementTransaction_live_matches_status_check',
    );
    expect(await insertTransaction({ live: 'c2', status: 'PENDING' })).toBe(
      'DisbursementTransaction_live_is_commission_check',
    );
    expect(await insertTransaction({ live: 'c1', status: 'PENDING' })).toBeUndefined();
    expect(await insertTransaction({ live: null, status: 'CANCELLED' })).toBeUndefined();
    // A reversed payment is history too: its commission is free for a new transaction.
    expect(await insertTransaction({ live: 'c1', status: 'REVERSED' })).toBe(
      'DisbursementTransaction_live_matches_status_check',
    );
    expect(await insertTransaction({ live: null, status: 'REVERSED' })).toBeUndefined();
  });

  it('keep amounts positive or not negative', async () => {
    expect(await insertTransaction({ live: 'c2', commission: 'c2', status: 'PENDING', amount: '0.00' })).toBe(
      'DisbursementTransaction_amount_positive_check',
    );
    expect(await violated(`UPDATE "Commission" SET "commissionAmount" = -0.01 WHERE "id" = 'c2'`)).toBe(
      'Commission_amounts_not_negative_check',
    );
    expect(await violated(`UPDATE "Commission" SET "commissionAmount" = 0 WHERE "id" = 'c2'`)).toBeUndefined();
    expect(await violated(`UPDATE "PaymentBatch" SET "totalAmount" = -1 WHERE "id" = 'b1'`)).toBe(
      'PaymentBatch_totalAmount_not_negative_check',
    );
    expect(
      await violated(`INSERT INTO "MockProviderPayment" ("id", "idempotencyKey", "providerTxId", "payeeId", "amount",
                        "currency") VALUES ('m1', 'k1', 'p1', 'rise_1', 0, 'USD')`),
    ).toBe('MockProviderPayment_amount_positive_check');
  });
});
