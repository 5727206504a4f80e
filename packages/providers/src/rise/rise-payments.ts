// Paying through Rise (prepare, sign EIP-712, execute) and looking a payment up by our idempotency key.
import type { PrivateKeyAccount } from 'viem/accounts';
import { z } from 'zod';
import type { PaymentLookup, PaymentReceipt, PaymentRequest, PaymentStatus } from '../payment-provider.ts';
import {
  ProviderDuplicatePaymentError,
  ProviderOutcomeUnknownError,
  ProviderPermanentError,
  ProviderTransientError,
} from '../provider-errors.ts';
import type { PaymentConfirmation, PaymentConfirmationLookup } from '../provider-events.ts';
import { asProviderError, type RiseClient } from './rise-client.ts';
import {
  executedPaymentsSchema,
  executePaymentBody,
  formatInvoiceDescription,
  lookupWindow,
  MAX_PREPARES_PER_PAYMENT,
  parseInvoiceDescription,
  paymentItemsSchema,
  preparePaymentBody,
  riseCodes,
  riseStates,
} from './rise-contract.ts';
import { RiseCallError } from './rise-http.ts';
import { usdToCents } from './usd-cents.ts';

export interface RisePaymentsDeps {
  client: RiseClient;
  account: PrivateKeyAccount;
  teamNanoid: string;
  now: () => Date;
}

const preparedSchema = z.object({
  domain: z.record(z.string(), z.unknown()),
  types: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string() }))),
  typed_data: z.record(z.string(), z.unknown()),
  primary_type: z.string().min(1),
});
type Prepared = z.infer<typeof preparedSchema>;
type TypedDataToSign = Parameters<PrivateKeyAccount['signTypedData']>[0];

export async function sendRisePayment(deps: RisePaymentsDeps, request: PaymentRequest): Promise<PaymentReceipt> {
  const { amountCents, invoiceDescription } = checkRequest(request);
  const body = preparePaymentBody({
    teamNanoid: deps.teamNanoid,
    payeeId: request.payeeId,
    amountCents,
    invoiceDescription,
  });

  for (let prepares = 1; ; prepares += 1) {
    const prepared = await prepare(deps, body);
    const signature = await signPrepared(deps.account, prepared);
    try {
      const executed = await deps.client.send({
        method: 'PUT',
        path: '/v2/payments',
        body: executePaymentBody({ signer: deps.account.address, typedData: prepared.typed_data, signature }),
      });
      return receiptOf(executed, request.idempotencyKey);
    } catch (error) {
      const code = error instanceof RiseCallError && error.failure.kind === 'http' ? error.failure.code : undefined;
      // The typed data expired before Rise executed it: nothing was paid, prepare a fresh one.
      if (code === riseCodes.expiredTypedData && prepares < MAX_PREPARES_PER_PAYMENT) continue;
      // This salt went through before (an earlier answer was lost): the payment exists, find it.
      if (code === riseCodes.saltAlreadyUsed) return findAfterSaltReuse(deps, request);
      throw asProviderError(error, 'execute');
    }
  }
}

function checkRequest(request: PaymentRequest): { amountCents: number; invoiceDescription: string } {
  if (request.currency !== 'USD') throw new ProviderPermanentError(`Rise pays USD only, not ${request.currency}`);
  let amountCents: number;
  try {
    amountCents = usdToCents(request.amount);
  } catch {
    throw new ProviderPermanentError('amount is not a USD amount with at most 2 decimals');
  }
  if (amountCents <= 0) throw new ProviderPermanentError('amount must be above zero');
  let invoiceDescription: string;
  try {
    invoiceDescription = formatInvoiceDescription(request.idempotencyKey, request.reference);
  } catch (error) {
    throw new ProviderPermanentError((error as Error).message);
  }
  return { amountCents, invoiceDescription };
}

async function prepare(deps: RisePaymentsDeps, body: unknown): Promise<Prepared> {
  const data = await deps.client.call('read', { method: 'POST', path: '/v2/payments', body });
  const prepared = preparedSchema.safeParse(data);
  if (!prepared.success) throw new ProviderTransientError('Rise POST /v2/payments: unexpected typed data');
  return prepared.data;
}

async function signPrepared(account: PrivateKeyAccount, prepared: Prepared): Promise<string> {
  // viem derives the domain type itself and refuses it among the types.
  const { EIP712Domain: _domainType, ...types } = prepared.types;
  try {
    return await account.signTypedData({
      domain: prepared.domain,
      types,
      primaryType: prepared.primary_type,
      message: prepared.typed_data,
    } as TypedDataToSign);
  } catch {
    // Nothing was sent yet; the typed data Rise gave us could not be signed.
    throw new ProviderTransientError('Rise typed data could not be signed');
  }
}

function receiptOf(executed: unknown, idempotencyKey: string): PaymentReceipt {
  const parsed = executedPaymentsSchema.safeParse(executed);
  // Rise accepted the PUT but the answer is unreadable: the payment probably exists; look it up.
  if (!parsed.success) throw new ProviderOutcomeUnknownError('Rise PUT /v2/payments: unexpected answer');
  const { payments } = parsed.data;
  const ours = payments.find((payment) => parseInvoiceDescription(payment.invoice_description) === idempotencyKey);
  const payment = ours ?? (payments.length === 1 ? payments[0] : undefined);
  if (!payment) throw new ProviderOutcomeUnknownError('Rise PUT /v2/payments: our payment is not in the answer');
  return { providerTxId: payment.nanoid };
}

async function findAfterSaltReuse(deps: RisePaymentsDeps, request: PaymentRequest): Promise<PaymentReceipt> {
  let status: PaymentStatus;
  try {
    status = await lookUpRisePayment(deps, request);
  } catch (error) {
    if (error instanceof ProviderDuplicatePaymentError) throw error;
    throw new ProviderOutcomeUnknownError('Rise answered SALT_ALREADY_USED and the look-up failed');
  }
  if (status.state === 'PAID') return { providerTxId: status.providerTxId };
  throw new ProviderOutcomeUnknownError('Rise answered SALT_ALREADY_USED but the payment is not found yet');
}

/** The payments Rise holds for one recipient within the look-up window, with our key where they carry one. */
async function recipientPayments(deps: RisePaymentsDeps, payeeId: string) {
  const { startDate, endDate } = lookupWindow(deps.now());
  const data = await deps.client.call('read', {
    method: 'GET',
    path: '/v2/payments',
    query: {
      team_nanoid: deps.teamNanoid,
      query_type: 'payable',
      state: 'all',
      recipient: payeeId,
      start_date: startDate,
      end_date: endDate,
    },
  });
  const parsed = paymentItemsSchema.safeParse(data);
  if (!parsed.success) throw new ProviderTransientError('Rise GET /v2/payments: unexpected answer');
  return parsed.data.items.map((item) => ({
    nanoid: item.payment.nanoid,
    state: item.payment.state.toLowerCase(),
    idempotencyKey: parseInvoiceDescription(item.invoice?.description),
  }));
}

export async function lookUpRisePayment(deps: RisePaymentsDeps, lookup: PaymentLookup): Promise<PaymentStatus> {
  const ours = (await recipientPayments(deps, lookup.payeeId)).filter(
    (p) => p.idempotencyKey === lookup.idempotencyKey,
  );
  // A removed payment was cancelled or failed: no money moved under it, so it does not count. With only
  // removed ones the key is NOT_FOUND and may be paid again.
  const live = ours.filter((payment) => payment.state !== 'removed');
  const [only, ...others] = live;
  if (!only) return { state: 'NOT_FOUND' };
  if (others.length > 0) {
    const ids = live.map((payment) => payment.nanoid);
    throw new ProviderDuplicatePaymentError(
      `Rise holds ${ids.length} live payments for one idempotency key: ${ids.join(', ')}`,
      ids,
    );
  }
  return { state: 'PAID', providerTxId: only.nanoid };
}

/** Rise's word now on a payment it accepted: complete (confirmed), removed, or not final yet. */
export async function confirmRisePayment(
  deps: RisePaymentsDeps,
  lookup: PaymentConfirmationLookup,
): Promise<PaymentConfirmation> {
  const payment = (await recipientPayments(deps, lookup.payeeId)).find((p) => p.nanoid === lookup.providerTxId);
  if (!payment) return { state: 'NOT_FOUND' };
  if (payment.state === riseStates.complete) return { state: 'CONFIRMED', providerState: payment.state };
  // The look-up carries no reason; the webhook, when it comes, does.
  if (payment.state === riseStates.removed) return { state: 'REMOVED', providerState: payment.state, reason: null };
  return { state: 'PENDING', providerState: payment.state };
}
