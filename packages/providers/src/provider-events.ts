// What a provider tells us after the fact (webhooks, or a look-up when webhooks are lost), in our terms.
// Amounts are decimal USD strings; the adapter converts from the provider's units.

/** A provider event, read from its stored payload. */
export type ProviderEvent =
  | {
      kind: 'payment.sent';
      /** The provider's id of the payment (our providerTxId once recorded). */
      providerTxId: string;
      /** Our idempotency key, when the payment carries it (Rise: in the invoice description). */
      idempotencyKey: string | null;
      amount: string | null;
      providerState: string;
    }
  | {
      kind: 'payment.removed';
      providerTxId: string;
      idempotencyKey: string | null;
      amount: string | null;
      providerState: string;
      reason: string | null;
    }
  | { kind: 'payee.joined'; inviteId: string | null; payeeId: string; email: string }
  /** Stored and acknowledged; nothing to apply (deposits, payment groups, types we do not know). */
  | { kind: 'other'; eventType: string };

/** A payment event whose payload lacks what it needs: it is kept, and reported as unusable. */
export class ProviderEventUnreadableError extends Error {
  override name = 'ProviderEventUnreadableError';
}

export interface PaymentConfirmationLookup {
  providerTxId: string;
  idempotencyKey: string;
  payeeId: string;
}

/** What the provider says now of a payment it accepted. */
export type PaymentConfirmation =
  | { state: 'CONFIRMED'; providerState: string }
  | { state: 'REMOVED'; providerState: string; reason: string | null }
  /** Accepted but not final yet (e.g. scheduled): ask again later. */
  | { state: 'PENDING'; providerState: string }
  | { state: 'NOT_FOUND' };
