// Every choice of ours that Rise's v2 documentation leaves open lives in this file, one comment per
// choice, so each is changed in one place once Rise answers the question.
import { z } from 'zod';

// --- Invoice description: our only idempotency carrier -------------------------------------------------
// Rise v2 has no idempotency key. We put ours at the end of `invoice_description`, in square brackets,
// after the human-readable reference: "Commission May 2026 [tx_abc123]". The parser reads only the last
// bracketed group at the very end, so a reference may contain anything, and keys are compared whole
// ("tx_1" never matches "tx_10").

const keyPattern = /^[A-Za-z0-9_.:-]{1,128}$/;
const describedKeyPattern = /\[([^[\]]+)\]$/;

export function isUsableIdempotencyKey(key: string): boolean {
  return keyPattern.test(key);
}

export function formatInvoiceDescription(idempotencyKey: string, reference?: string): string {
  if (!isUsableIdempotencyKey(idempotencyKey)) {
    throw new RangeError('idempotency key must be 1-128 characters of letters, digits, _ . : -');
  }
  const human = reference?.trim();
  return human ? `${human} [${idempotencyKey}]` : `[${idempotencyKey}]`;
}

/** The idempotency key a description carries, or undefined when it carries none. */
export function parseInvoiceDescription(description: string | null | undefined): string | undefined {
  if (typeof description !== 'string') return undefined;
  const key = describedKeyPattern.exec(description.trimEnd())?.[1];
  return key !== undefined && isUsableIdempotencyKey(key) ? key : undefined;
}

// --- Look-up window ------------------------------------------------------------------------------------
// The payments query needs a date range. An unknown outcome is resolved within minutes (the claim lease),
// so 30 days back is ample; the end is tomorrow so that a payment made late today in any time zone is
// inside. Dates are UTC calendar days (YYYY-MM-DD).
export const LOOKUP_WINDOW_DAYS_BACK = 30;
export const LOOKUP_WINDOW_DAYS_AHEAD = 1;

export function lookupWindow(now: Date): { startDate: string; endDate: string } {
  const day = 24 * 60 * 60 * 1000;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return {
    startDate: iso(now.getTime() - LOOKUP_WINDOW_DAYS_BACK * day),
    endDate: iso(now.getTime() + LOOKUP_WINDOW_DAYS_AHEAD * day),
  };
}

// --- Prepare body --------------------------------------------------------------------------------------
// One `to` entry per request: our jobs pay one transaction each. Always "USD", pay now, on Arbitrum.
export function preparePaymentBody(input: {
  teamNanoid: string;
  payeeId: string;
  amountCents: number;
  invoiceDescription: string;
}) {
  return {
    from: input.teamNanoid,
    to: [
      {
        to: input.payeeId,
        amount_cents: input.amountCents,
        currency_symbol: 'USD',
        invoice_description: input.invoiceDescription,
      },
    ],
    pay_now: true,
    network: 'arbitrum',
  };
}

/** How many times one sendPayment prepares again after EXPIRED_TYPED_DATA before giving up (transient). */
export const MAX_PREPARES_PER_PAYMENT = 3;

// --- Execute body --------------------------------------------------------------------------------------
// The docs do not show the PUT body: we send the signer's address, the typed data exactly as received,
// and the EIP-712 signature.
export function executePaymentBody(input: { signer: string; typedData: unknown; signature: string }) {
  return { signer: input.signer, typed_data: input.typedData, signature: input.signature };
}

export const executedPaymentsSchema = z.object({
  payment_group_nanoid: z.string().optional(),
  payments: z
    .array(
      z.object({
        nanoid: z.string().min(1),
        state: z.string().optional(),
        invoice_description: z.string().nullish(),
      }),
    )
    .min(1),
});

// --- Re-authentication ---------------------------------------------------------------------------------
// The JWT lifetime is undocumented: on a 401 from any call we sign in once more and repeat the call once
// (not when the 401 carries a provider-wide code such as INVALID_SIGNATURE: a new JWT cannot cure that).
// Concurrent callers that meet the same expired JWT share one sign-in.
// A second 401 (or a 401 twice in a row on sign-in itself) means the wallet is refused: provider-wide.
export const MAX_REAUTH_PER_CALL = 1;
export const MAX_SIGN_IN_ATTEMPTS = 2;

// --- Error codes ---------------------------------------------------------------------------------------
// Codes Rise documents, plus SALT_ALREADY_USED (ours: the answer to executing a salt twice) and
// AUTH_REFUSED (ours: the code our suspended error carries when sign-in is refused).
export const riseCodes = {
  insufficientBalance: 'INSUFFICIENT_BALANCE',
  invalidSignature: 'INVALID_SIGNATURE',
  expiredTypedData: 'EXPIRED_TYPED_DATA',
  invalidRecipient: 'INVALID_RECIPIENT',
  teamRoleSettingsNotFound: 'TEAM_ROLE_SETTINGS_NOT_FOUND',
  saltAlreadyUsed: 'SALT_ALREADY_USED',
  authRefused: 'AUTH_REFUSED',
} as const;

/** Codes that mean every payment fails the same way until someone fixes the team or wallet. */
export const providerWideCodes: ReadonlySet<string> = new Set([
  riseCodes.insufficientBalance,
  riseCodes.invalidSignature,
  riseCodes.teamRoleSettingsNotFound,
]);

// --- Answer shapes of ours -----------------------------------------------------------------------------
// Member summary: `{nanoid, email, first_name, last_name, riseid, onboarding_status, can_receive_payments}`.
export const memberSummarySchema = z.object({
  nanoid: z.string(),
  onboarding_status: z.string(),
  can_receive_payments: z.boolean(),
});

// Balance: `{balance_cents}` as an integer.
export const balanceSchema = z.object({ balance_cents: z.number().int() });

// Look-up items: `invoice.description` is what we sent as `invoice_description`.
// --- Payment states -------------------------------------------------------------------------------------
// The look-up's states [doc: intent, scheduled, complete, removed]; compared in lower case. `complete` is
// final unless the payment is later removed; `removed` moved no money or took it back.
export const riseStates = { complete: 'complete', removed: 'removed' } as const;

export const paymentItemsSchema = z.object({
  items: z.array(
    z.object({
      invoice: z.object({ description: z.string().nullish() }).nullish(),
      payment: z.object({ nanoid: z.string(), state: z.string() }),
    }),
  ),
});

// --- Webhooks ------------------------------------------------------------------------------------------
// The signature is HMAC-SHA256 over "<t>.<raw body>" (Stripe's scheme; Rise documents the header and the
// HMAC, not the signed text). The `payment` object of payment.sent / payment.removed: Rise's documented
// fields are nanoid and payment_group_nanoid; state, amount_cents, invoice_description and reason are ours.
export function webhookSignedText(timestampSeconds: number, rawBody: string): string {
  return `${timestampSeconds}.${rawBody}`;
}

export const webhookPaymentPayload = z.looseObject({
  nanoid: z.string().min(1).max(500),
  state: z.string().max(100).optional(),
  amount_cents: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  invoice_description: z.string().max(2000).nullish(),
  reason: z.string().max(2000).nullish(),
});
