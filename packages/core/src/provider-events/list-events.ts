import type { CommissionStatus, DisbursementTransactionStatus, Prisma, ProviderEventStatus } from '@payouts/db';
import type { CoreDeps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { decodeCursor, encodeCursor, type Page, type PageRequest } from '../paging.ts';

export interface ProviderEventQuery extends PageRequest {
  status?: ProviderEventStatus;
  eventType?: string;
  transactionId?: string;
  providerPaymentId?: string;
  /** Received at or after. */
  from?: Date;
  /** Received before. */
  to?: Date;
}

/** What a stored event shows in a list: everything but the raw signature header and the payload. */
const eventSelect = {
  id: true,
  providerEventId: true,
  eventType: true,
  status: true,
  errorMessage: true,
  transactionId: true,
  providerPaymentId: true,
  eventCreatedAt: true,
  receivedAt: true,
  processed: true,
  processedAt: true,
  attempts: true,
  lastAttemptAt: true,
  requeueCount: true,
} as const satisfies Prisma.RiseWorksWebhookEventSelect;

export type ProviderEventSummary = Prisma.RiseWorksWebhookEventGetPayload<{ select: typeof eventSelect }>;
export type ProviderEventDetails = ProviderEventSummary & { payload: Prisma.JsonValue };

/**
 * Stored provider events, newest received first, filtered by status, type, transaction, provider
 * payment and time received [from, to); keyset paged by (receivedAt, id).
 */
export async function listProviderEvents(
  deps: CoreDeps,
  query: ProviderEventQuery,
): Promise<Page<ProviderEventSummary>> {
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await deps.db.riseWorksWebhookEvent.findMany({
    where: {
      AND: [
        query.status ? { status: query.status } : {},
        query.eventType ? { eventType: query.eventType } : {},
        query.transactionId ? { transactionId: query.transactionId } : {},
        query.providerPaymentId ? { providerPaymentId: query.providerPaymentId } : {},
        query.from || query.to ? { receivedAt: { gte: query.from, lt: query.to } } : {},
        after
          ? {
              OR: [{ receivedAt: { lt: after.createdAt } }, { receivedAt: after.createdAt, id: { lt: after.id } }],
            }
          : {},
      ],
    },
    orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
    take: query.limit + 1,
    select: eventSelect,
  });
  return pageBy(rows, query.limit, (event) => event.receivedAt);
}

/** One stored event with its payload (never its signature); NOT_FOUND when there is none. */
export async function getProviderEvent(deps: CoreDeps, eventId: string): Promise<ProviderEventDetails> {
  const event = await deps.db.riseWorksWebhookEvent.findUnique({
    where: { id: eventId },
    select: { ...eventSelect, payload: true },
  });
  if (!event) throw new NotFoundError('provider event', eventId);
  return event;
}

export interface ReversalView {
  /** The REVERSED transaction. */
  id: string;
  /** Its payment reference. */
  transactionId: string;
  batchId: string;
  commissionId: string;
  affiliateProfileId: string;
  amount: string;
  providerTxId: string | null;
  reversedAt: Date;
  /** Why the provider removed the payment, as it said (null when it gave no reason). */
  reason: string | null;
  /** The commission's status now: APPROVED until it is paid again, PAID once it is. */
  commissionStatus: CommissionStatus;
  /** The live transaction that pays the commission again, if one does. */
  repayment: { id: string; batchId: string; status: DisbursementTransactionStatus } | null;
}

/**
 * Payments the provider removed (REVERSED), newest reversal first, keyset paged by (reversedAt, id),
 * each with its commission's status now and the live transaction paying that commission again, if any.
 * The one writer of REVERSED sets reversedAt in the same statement, so every reversal has one.
 */
export async function listReversals(deps: CoreDeps, page: PageRequest): Promise<Page<ReversalView>> {
  const after = page.cursor ? decodeCursor(page.cursor) : undefined;
  const rows = await deps.db.disbursementTransaction.findMany({
    where: {
      status: 'REVERSED',
      ...(after
        ? { OR: [{ reversedAt: { lt: after.createdAt } }, { reversedAt: after.createdAt, id: { lt: after.id } }] }
        : { reversedAt: { not: null } }),
    },
    orderBy: [{ reversedAt: 'desc' }, { id: 'desc' }],
    take: page.limit + 1,
    select: {
      id: true,
      transactionId: true,
      batchId: true,
      commissionId: true,
      affiliateProfileId: true,
      amount: true,
      providerTxId: true,
      reversedAt: true,
      errorMessage: true,
      commission: {
        select: {
          status: true,
          // Live transactions hold the commission in liveCommissionId; a REVERSED one no longer does.
          disbursementTransactions: {
            where: { liveCommissionId: { not: null } },
            select: { id: true, batchId: true, status: true },
            take: 1,
          },
        },
      },
    },
  });
  const reversals = rows.map(
    ({ commission, errorMessage, amount, reversedAt, ...row }): ReversalView => ({
      ...row,
      amount: amount.toFixed(2),
      // Never the fallback: the query keeps only rows with a reversedAt.
      reversedAt: reversedAt ?? new Date(0),
      reason: errorMessage,
      commissionStatus: commission.status,
      repayment: commission.disbursementTransactions.find((t) => t.id !== row.id) ?? null,
    }),
  );
  return pageBy(reversals, page.limit, (reversal) => reversal.reversedAt);
}

/** Rows fetched with `take: limit + 1`, the cursor made of `at` and the id of the page's last row. */
function pageBy<T extends { id: string }>(rows: T[], limit: number, at: (row: T) => Date): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: at(last), id: last.id }) : null };
}
