import type { Db } from '@payouts/db';
import type { PaymentProvider } from '@payouts/providers';
import { FlowProducer, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';

const connection = (url: string) => new Redis(url, { maxRetriesPerRequest: null });

/** (a) A bare BullMQ flow: one parent over N no-op children, drained at the given concurrency. */
export async function bareFlow(redisUrl: string, prefix: string, n: number, concurrency: number): Promise<void> {
  const opts = { connection: connection(redisUrl), prefix };
  const child = new Worker('bare-child', async () => null, { ...opts, concurrency });
  const parent = new Worker('bare-parent', async () => null, { connection: connection(redisUrl), prefix });
  const events = new QueueEvents('bare-parent', { connection: connection(redisUrl), prefix });
  const producer = new FlowProducer({ connection: connection(redisUrl), prefix });
  await events.waitUntilReady();
  const flow = await producer.add({
    name: 'parent',
    queueName: 'bare-parent',
    children: Array.from({ length: n }, (_, i) => ({ name: 'child', queueName: 'bare-child', data: { i } })),
  });
  await flow.job.waitUntilFinished(events, 600_000);
  await Promise.all([child.close(), parent.close(), events.close(), producer.close()]);
  await new Queue('bare-child', { connection: connection(redisUrl), prefix }).obliterate({ force: true });
}

async function pooled<T>(items: readonly T[], concurrency: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await run(items[next++] as T);
    }),
  );
}

/** (b) Raw SQL: only the per-payment state transitions (claim; complete + commission PAID), C at a time. */
export async function rawSqlTransitions(databaseUrl: string, transactionIds: string[], concurrency: number) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: concurrency });
  await pooled(transactionIds, concurrency, async (id) => {
    await pool.query(
      `UPDATE "DisbursementTransaction" SET "status" = 'PROCESSING', "claimedAt" = now()
                      WHERE "id" = $1 AND "status" = 'PENDING'`,
      [id],
    );
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const done = await client.query<{ commissionId: string }>(
        `UPDATE "DisbursementTransaction" SET "status" = 'COMPLETED', "completedAt" = now()
         WHERE "id" = $1 AND "status" = 'PROCESSING' RETURNING "commissionId"`,
        [id],
      );
      await client.query(`UPDATE "Commission" SET "status" = 'PAID', "paidAt" = now() WHERE "id" = $1`, [
        done.rows[0]?.commissionId,
      ]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  });
  await pool.end();
}

/** (c) The seed's literal approach: for each payment in turn, pay, then update transaction, commission, audit. */
export async function literalSequential(db: Db, provider: PaymentProvider, transactionIds: string[]) {
  for (const id of transactionIds) {
    const tx = await db.disbursementTransaction.findUniqueOrThrow({ where: { id } });
    const receipt = await provider.sendPayment({
      idempotencyKey: tx.idempotencyKey,
      payeeId: tx.payeeRiseId ?? '',
      amount: tx.amount.toFixed(2),
      currency: tx.currency,
    });
    await db.disbursementTransaction.update({
      where: { id },
      data: { status: 'COMPLETED', providerTxId: receipt.providerTxId, completedAt: new Date() },
    });
    await db.commission.update({ where: { id: tx.commissionId }, data: { status: 'PAID', paidAt: new Date() } });
    await db.disbursementAuditLog.create({
      data: { action: 'payment.completed', status: 'SUCCESS', transactionId: id, toStatus: 'COMPLETED' },
    });
  }
}
