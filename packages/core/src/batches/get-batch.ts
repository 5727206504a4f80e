import {
  type CommissionStatus,
  type DisbursementTransactionStatus,
  type PaymentBatchStatus,
  Prisma,
  type RiseWorksKycStatus,
} from '@payouts/db';
import type { CoreDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { sumUsd } from '../money.ts';
import { countTransactionsByStatus } from './finalize-batch.ts';

/** How many of the batch's latest audit rows its view carries (the whole trail: GET /audit-logs?batchId=). */
const recentAuditRows = 50;
const settledStatuses: readonly PaymentBatchStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

/**
 * A batch with its transactions (each with its commission and payout account), counts per status,
 * progress, its recent audit trail and, once it has run to the end, the execution summary; amounts as
 * decimal strings.
 */
export async function getBatch(deps: CoreDeps, batchId: string) {
  const batch = await deps.db.paymentBatch.findUnique({
    where: { id: batchId },
    include: {
      auditLogs: {
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: recentAuditRows,
        select: {
          id: true,
          action: true,
          status: true,
          transactionId: true,
          fromStatus: true,
          toStatus: true,
          actor: true,
          createdAt: true,
        },
      },
    },
  });
  if (!batch) throw new NotFoundError('batch', batchId);
  const counts = await countTransactionsByStatus(deps.db, batchId);
  const settled = counts.COMPLETED + counts.FAILED + counts.CANCELLED + counts.REVERSED;
  const transactions = (await selectBatchTransactions(deps, batchId)).map(
    ({ commissionAmount, commissionStatus, commissionCreatedAt, commissionPaidAt, account, ...t }) => ({
      ...t,
      commission: {
        id: t.commissionId,
        amount: commissionAmount,
        status: commissionStatus,
        createdAt: commissionCreatedAt,
        paidAt: commissionPaidAt,
      },
      payoutAccount: account,
    }),
  );
  const ranToTheEnd = batch.status === 'COMPLETED' || batch.status === 'FAILED';
  return {
    id: batch.id,
    batchNumber: batch.batchNumber,
    status: batch.status,
    provider: batch.provider,
    currency: batch.currency,
    paymentCount: batch.paymentCount,
    totalAmount: batch.totalAmount.toFixed(2),
    createdBy: batch.createdBy,
    queuedBy: batch.queuedBy,
    createdAt: batch.createdAt,
    scheduledAt: batch.scheduledAt,
    executedAt: batch.executedAt,
    completedAt: batch.completedAt,
    failedAt: batch.failedAt,
    errorMessage: batch.errorMessage,
    counts,
    progress: { settled, total: batch.paymentCount },
    summary: ranToTheEnd ? executionSummary(transactions) : null,
    transactions,
    auditLogs: batch.auditLogs,
  };
}

export type BatchView = Awaited<ReturnType<typeof getBatch>>;

interface BatchTransactionRow {
  id: string;
  transactionId: string;
  commissionId: string;
  affiliateProfileId: string;
  payeeRiseId: string | null;
  amount: string;
  currency: string;
  status: DisbursementTransactionStatus;
  providerTxId: string | null;
  retryCount: number;
  errorMessage: string | null;
  createdAt: Date;
  completedAt: Date | null;
  failedAt: Date | null;
  providerState: string | null;
  confirmedAt: Date | null;
  reversedAt: Date | null;
  commissionAmount: string;
  commissionStatus: CommissionStatus;
  commissionCreatedAt: Date;
  commissionPaidAt: Date | null;
  account: { id: string; riseId: string; email: string; kycStatus: RiseWorksKycStatus } | null;
}

/**
 * A batch's transactions in reference order, each with its commission and payout account: one joined
 * statement, in plain SQL, since Prisma's relation loading was most of the cost of a large batch's view.
 */
function selectBatchTransactions(deps: CoreDeps, batchId: string): Promise<BatchTransactionRow[]> {
  return deps.db.sql<BatchTransactionRow>(Prisma.sql`
    SELECT t."id", t."transactionId", t."commissionId", t."affiliateProfileId", t."payeeRiseId", t."amount",
           t."currency", t."status", t."providerTxId", t."retryCount", t."errorMessage", t."createdAt",
           t."completedAt", t."failedAt", t."providerState", t."confirmedAt", t."reversedAt",
           c."commissionAmount", c."status" AS "commissionStatus", c."createdAt" AS "commissionCreatedAt",
           c."paidAt" AS "commissionPaidAt",
           CASE WHEN a."id" IS NULL THEN NULL ELSE
             json_build_object('id', a."id", 'riseId', a."riseId", 'email', a."email", 'kycStatus', a."kycStatus")
           END AS "account"
    FROM "DisbursementTransaction" t
    JOIN "Commission" c ON c."id" = t."commissionId"
    LEFT JOIN "AffiliateRiseAccount" a ON a."id" = t."affiliateRiseAccountId"
    WHERE t."batchId" = ${batchId}
    ORDER BY t."transactionId"`);
}

export interface ExecutionSummary {
  /** Every payment of the batch was made. */
  success: boolean;
  successCount: number;
  failedCount: number;
  /** One line per failed payment: its reference and why. */
  errors: string[];
  /** What was paid: the sum of the COMPLETED payments. */
  totalAmount: string;
}

/** The seed's execution summary of a batch that has run to the end. */
function executionSummary(
  transactions: readonly { transactionId: string; status: string; amount: string; errorMessage: string | null }[],
): ExecutionSummary {
  const completed = transactions.filter((t) => t.status === 'COMPLETED');
  const failed = transactions.filter((t) => t.status === 'FAILED');
  return {
    success: failed.length === 0,
    successCount: completed.length,
    failedCount: failed.length,
    errors: failed.map((t) => `${t.transactionId}: ${t.errorMessage ?? 'failed'}`),
    totalAmount: sumUsd(completed.map((t) => t.amount)),
  };
}

/**
 * The batch once it has settled (COMPLETED, FAILED or CANCELLED), or as it is after `seconds`. Polls
 * Postgres, where the outcome is decided, with a growing pause (0.1 s up to 1 s).
 */
export async function waitForSettledBatch(deps: CoreDeps, batchId: string, seconds: number): Promise<BatchView> {
  const deadline = Date.now() + seconds * 1000;
  for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, 1000)) {
    const row = await deps.db.paymentBatch.findUnique({ where: { id: batchId }, select: { status: true } });
    if (!row) throw new NotFoundError('batch', batchId);
    const remaining = deadline - Date.now();
    if (settledStatuses.includes(row.status) || remaining <= 0) return getBatch(deps, batchId);
    await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, remaining)));
  }
}
