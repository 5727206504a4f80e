import type { PaymentConfirmation, PaymentConfirmationLookup } from './provider-events.ts';

/** What the payout system needs from a provider. Amounts are decimal strings in USD ("12.50"). */
export interface PaymentProvider {
  readonly name: 'MOCK' | 'RISE';
  /** Pays once per idempotency key: a repeated key returns the first payment and moves no money. */
  sendPayment(request: PaymentRequest): Promise<PaymentReceipt>;
  /**
   * What the provider knows about a key: asked before paying again after an unknown outcome. The payee
   * narrows the search where a provider has no idempotency key and is searched by recipient (Rise).
   */
  getPaymentStatus(lookup: PaymentLookup): Promise<PaymentStatus>;
  /** Its word now on a payment it accepted: asked when no webhook confirmed it in time. */
  getPaymentConfirmation(lookup: PaymentConfirmationLookup): Promise<PaymentConfirmation>;
  getPayeeStatus(payeeId: string): Promise<PayeeStatus>;
}

export interface PaymentRequest {
  idempotencyKey: string;
  payeeId: string;
  amount: string;
  currency: string;
  reference?: string;
}

export interface PaymentLookup {
  idempotencyKey: string;
  payeeId: string;
}

export interface PaymentReceipt {
  providerTxId: string;
}

export type PaymentStatus = { state: 'PAID'; providerTxId: string } | { state: 'NOT_FOUND' };

export interface PayeeStatus {
  payeeId: string;
  kycStatus: 'PENDING' | 'SUBMITTED' | 'APPROVED' | 'REJECTED' | 'EXPIRED';
  canReceivePayments: boolean;
}
