import type { Db } from '@payouts/db';
import { allQueueNames, closeQueues, makeQueues, makeRedis, QueueName, type Queues } from '@payouts/queue';
import { findInvariantViolations } from '@payouts/testing';
import { pause } from './api-client.ts';
import { checkMockLedger, checkRiseLedger } from './ledger-checks.ts';
import type { SoakSandbox } from './rise-sandbox.ts';

// After the chaos and the workload: wait until everything has settled, then check what must hold.

export interface Check {
  name: string;
  problems: string[];
}

export interface Leftovers {
  batches: Record<string, number>;
  transactions: Record<string, number>;
  /** Provider events stored but not applied yet (RECEIVED, WAITING). */
  events: number;
  /** Payments removed at the provider not REVERSED here yet. */
  reversalsMissing: number;
}

const unsettledBatch = ['PENDING', 'QUEUED', 'PROCESSING'];
const unsettledTransaction = ['PENDING', 'PROCESSING', 'UNKNOWN'];

/** What is still unsettled: nothing, once the system is quiet. */
export async function leftovers(db: Db, removedPayments: readonly string[]): Promise<Leftovers> {
  const [batches, transactions, events, reversed] = await Promise.all([
    db.paymentBatch.groupBy({ by: ['status'], _count: { _all: true } }),
    db.disbursementTransaction.groupBy({ by: ['status'], _count: { _all: true } }),
    db.riseWorksWebhookEvent.count({ where: { status: { in: ['RECEIVED', 'WAITING'] } } }),
    db.disbursementTransaction.count({ where: { id: { in: [...removedPayments] }, status: 'REVERSED' } }),
  ]);
  return {
    batches: Object.fromEntries(batches.map((g) => [g.status, g._count._all])),
    transactions: Object.fromEntries(transactions.map((g) => [g.status, g._count._all])),
    events,
    reversalsMissing: removedPayments.length - reversed,
  };
}

export function isQuiet(left: Leftovers): boolean {
  return (
    unsettledBatch.every((s) => !left.batches[s]) &&
    unsettledTransaction.every((s) => !left.transactions[s]) &&
    left.events === 0 &&
    left.reversalsMissing === 0
  );
}

/** Waits until nothing is unsettled (true), or the deadline (false); answers what was left either way. */
export async function waitForQuiet(
  db: Db,
  removedPayments: readonly string[],
  deadline: number,
  signal: AbortSignal,
): Promise<{ quiet: boolean; left: Leftovers }> {
  for (;;) {
    const left = await leftovers(db, removedPayments);
    if (isQuiet(left)) return { quiet: true, left };
    if (Date.now() > deadline || signal.aborted) return { quiet: false, left };
    await pause(1000, signal);
  }
}

/** DESIGN.md's I3 and I4 as SQL, over a quiet system. */
async function checkSettled(db: Db): Promise<Check[]> {
  const unsettled = await db.$queryRaw<{ what: string; id: string; status: string }[]>`
    SELECT 'batch' AS "what", "id", "status"::text FROM "PaymentBatch" WHERE "status" IN ('QUEUED', 'PROCESSING', 'PENDING')
    UNION ALL
    SELECT 'transaction', "id", "status"::text FROM "DisbursementTransaction" WHERE "status" IN ('PROCESSING', 'UNKNOWN', 'PENDING')
    LIMIT 20`;
  const disagreeing = await db.$queryRaw<{ id: string; status: string; counts: unknown }[]>`
    SELECT b."id", b."status"::text, jsonb_object_agg(s."status", s."n") AS "counts"
    FROM "PaymentBatch" b
    JOIN (SELECT "batchId", "status"::text, count(*)::int AS "n" FROM "DisbursementTransaction" GROUP BY 1, 2) s
      ON s."batchId" = b."id"
    WHERE b."status" IN ('COMPLETED', 'FAILED')
    GROUP BY b."id", b."status"
    HAVING (b."status" = 'COMPLETED' AND bool_or(s."status" NOT IN ('COMPLETED', 'REVERSED')))
        OR (b."status" = 'FAILED' AND (NOT bool_or(s."status" IN ('FAILED', 'CANCELLED'))
                                       OR bool_or(s."status" IN ('PENDING', 'PROCESSING', 'UNKNOWN'))))
    LIMIT 20`;
  return [
    {
      name: 'I3 nothing PENDING, PROCESSING or UNKNOWN; no batch PENDING, QUEUED or PROCESSING',
      problems: unsettled.map((r) => JSON.stringify(r)),
    },
    {
      name: 'I4 every executed batch ended COMPLETED or FAILED as its payments did',
      problems: disagreeing.map((r) => JSON.stringify(r)),
    },
  ];
}

/** No job left active, waiting, delayed or waiting for children, but the schedulers' next runs and the dead letters. */
async function checkJobs(queues: Queues): Promise<Check> {
  const problems: string[] = [];
  const states = ['active', 'waiting', 'delayed', 'waiting-children', 'prioritized'] as const;
  for (const name of allQueueNames) {
    const queue = queues[name];
    // The dead letters wait in their queue for an operator: checked below.
    const counted = name === QueueName.deadLetter ? states.filter((s) => s !== 'waiting') : states;
    const jobs = (await queue.getJobs([...counted], 0, 1000)).filter((job) => job !== undefined && job !== null);
    // A job scheduler's next run (reconcile every few seconds) is expected; nothing else.
    const stuck = jobs.filter((job) => !job.repeatJobKey);
    for (const job of stuck.slice(0, 5)) {
      problems.push(`${name}: job ${job.id} (${job.name}) is still ${await job.getState()}`);
    }
    if (stuck.length > 5) problems.push(`${name}: ... and ${stuck.length - 5} more`);
  }
  return { name: 'no job stuck (every queue empty but for the schedulers and the dead letters)', problems };
}

/** Each dead letter names a FAILED transaction; each FAILED transaction has its dead letter (or was replayed or discarded). */
async function checkDeadLetters(db: Db, queues: Queues): Promise<{ check: Check; deadLetters: number }> {
  const jobs = await queues[QueueName.deadLetter].getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
  const letters = new Set(
    jobs.flatMap((job) => (job ? [(job.data as { transactionId?: string }).transactionId ?? `(job ${job.id})`] : [])),
  );
  const failed = await db.disbursementTransaction.findMany({
    where: { status: 'FAILED' },
    select: { id: true, failedAt: true },
  });
  const failedIds = new Set(failed.map((t) => t.id));
  const problems: string[] = [];
  for (const id of letters) {
    if (!failedIds.has(id)) problems.push(`dead letter for ${id}, which is not FAILED`);
  }
  const withoutLetter = failed.filter((t) => !letters.has(t.id)).map((t) => t.id);
  const handled = new Set(
    (
      await db.disbursementAuditLog.findMany({
        where: { transactionId: { in: withoutLetter }, action: { in: ['payment.discarded', 'payment.replayed'] } },
        select: { transactionId: true },
      })
    ).map((a) => a.transactionId),
  );
  for (const id of withoutLetter) {
    if (!handled.has(id))
      problems.push(`FAILED transaction ${id} has no dead letter, and was neither replayed nor discarded`);
  }
  return {
    check: { name: 'every dead letter accounted for', problems: problems.slice(0, 20) },
    deadLetters: letters.size,
  };
}

/** Provider events that ended in CONFLICT or FAILED: the system contradicted itself or gave up on one. */
async function checkProviderEvents(db: Db): Promise<Check> {
  const bad = await db.riseWorksWebhookEvent.findMany({
    where: { status: { in: ['CONFLICT', 'FAILED'] } },
    select: { id: true, eventType: true, status: true },
    take: 20,
  });
  return { name: 'no provider event in CONFLICT or FAILED', problems: bad.map((e) => JSON.stringify(e)) };
}

export interface FinalChecks {
  checks: Check[];
  deadLetters: number;
  ledger: { payments: number; total: string };
}

export async function runFinalChecks(options: {
  db: Db;
  redisUrl: string;
  queuePrefix: string;
  sandbox?: SoakSandbox;
  log: (line: string) => void;
}): Promise<FinalChecks> {
  const { db, sandbox } = options;
  const connection = makeRedis(options.redisUrl, 'producer');
  const queues = makeQueues({ connection, prefix: options.queuePrefix });
  const timed = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await run();
    } finally {
      options.log(`checked ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  };
  try {
    // Statistics first: tables that grew from nothing in minutes may still be planned as empty, and an
    // anti-join planned as a nested loop over 100,000 rows takes hours instead of a second.
    await timed('the table statistics (ANALYZE)', () => db.$executeRawUnsafe('ANALYZE'));
    const ledger = await timed('the ledger', () => (sandbox ? checkRiseLedger(db, sandbox) : checkMockLedger(db)));
    const invariants = await timed('the invariants', () =>
      findInvariantViolations(db, sandbox ? { providerLedgerTotal: ledger.total } : {}),
    );
    const letters = await timed('the dead letters', () => checkDeadLetters(db, queues));
    const checks: Check[] = [
      { name: 'I1 I2 I5 I6 (findInvariantViolations)', problems: invariants },
      ...(await timed('I3 and I4', () => checkSettled(db))),
      {
        name: "the provider's ledger = the COMPLETED transactions, payment by payment, to the cent",
        problems: ledger.problems,
      },
      await timed('the queues', () => checkJobs(queues)),
      letters.check,
      await timed('the provider events', () => checkProviderEvents(db)),
    ];
    return { checks, deadLetters: letters.deadLetters, ledger: { payments: ledger.payments, total: ledger.total } };
  } finally {
    await closeQueues(queues);
    connection.disconnect();
  }
}
