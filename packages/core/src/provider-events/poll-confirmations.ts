import type { PaymentConfirmation, PaymentProvider } from '@payouts/providers';
import type { Actor, CoreDeps } from '../deps.ts';
import { type ApplyOutcome, applyPaymentRemoved, applyPaymentSent } from './payment-events.ts';

export interface ConfirmationPollReport {
  asked: number;
  confirmed: number;
  reversed: number;
  /** Not final at the provider yet, or not found there: asked again next time. */
  unsettled: number;
  failed: number;
}

interface Unconfirmed {
  id: string;
  idempotencyKey: string;
  providerTxId: string;
  payeeRiseId: string | null;
}

/**
 * Webhooks get lost. Asks the provider about COMPLETED payments no webhook confirmed within `afterMs`,
 * oldest first, and applies its answer exactly as it would apply the webhook: a confirmation, or a
 * reversal when the payment was removed.
 */
export async function pollUnconfirmedPayments(
  deps: CoreDeps & { provider: PaymentProvider },
  options: {
    afterMs: number;
    limit: number;
    /** Aborted: no further look-up (the process is shutting down); the rest wait for the next run. */
    signal?: AbortSignal;
  },
  who: Actor,
): Promise<ConfirmationPollReport> {
  const payments = await deps.db.$queryRaw<Unconfirmed[]>`
    SELECT "id", "idempotencyKey", "providerTxId", "payeeRiseId" FROM "DisbursementTransaction"
    WHERE "status" = 'COMPLETED' AND "confirmedAt" IS NULL AND "providerTxId" IS NOT NULL
      AND "provider" = ${deps.provider.name}::"DisbursementProvider"
      AND "completedAt" < now() - ${options.afterMs} * interval '1 millisecond'
    ORDER BY "completedAt", "id"
    LIMIT ${options.limit}`;
  const report: ConfirmationPollReport = { asked: 0, confirmed: 0, reversed: 0, unsettled: 0, failed: 0 };
  for (const payment of payments) {
    if (options.signal?.aborted) break;
    let answer: PaymentConfirmation;
    try {
      report.asked++;
      answer = await deps.provider.getPaymentConfirmation({
        providerTxId: payment.providerTxId,
        idempotencyKey: payment.idempotencyKey,
        payeeId: payment.payeeRiseId ?? '',
      });
    } catch {
      report.failed++;
      continue;
    }
    const outcome = await applyAnswer(deps, payment, answer, who);
    if (outcome?.status !== 'APPLIED') report.unsettled++;
    else if (answer.state === 'REMOVED') report.reversed++;
    else report.confirmed++;
  }
  return report;
}

async function applyAnswer(
  deps: CoreDeps,
  payment: Unconfirmed,
  answer: PaymentConfirmation,
  who: Actor,
): Promise<ApplyOutcome | undefined> {
  if (answer.state !== 'CONFIRMED' && answer.state !== 'REMOVED') return undefined;
  const word = {
    providerTxId: payment.providerTxId,
    idempotencyKey: payment.idempotencyKey,
    amount: null,
    providerState: answer.providerState,
    source: { lookUp: true as const },
  };
  return deps.db.$transaction((tx) =>
    answer.state === 'CONFIRMED'
      ? applyPaymentSent(tx, word, who)
      : applyPaymentRemoved(tx, { ...word, reason: answer.reason }, who),
  );
}
