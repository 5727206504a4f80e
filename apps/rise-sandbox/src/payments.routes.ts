import type { FastifyInstance } from 'fastify';
import { getAddress, isAddress, isAddressEqual } from 'viem';
import { z } from 'zod';
import { forwarderDomain, teamAddress } from './config.ts';
import type { SandboxContext } from './deps.ts';
import { RiseError } from './envelope.ts';
import { emailsOf, executePayments, findMember, type PaymentRow, queryPayments, saltUsed } from './ledger.ts';
import { riseRoute } from './rise-route.ts';
import {
  buildPaymentRequest,
  type PaymentRequest,
  paymentTypes,
  primaryType,
  sameRequest,
  verifyPaymentSignature,
} from './signatures.ts';
import { paymentPayload } from './webhooks.ts';

const cents = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const prepareBody = z.strictObject({
  from: z.string().min(1),
  to: z
    .array(
      z.strictObject({
        // Any malformed or unknown payee nanoid answers INVALID_RECIPIENT (checked below), not a 400 message.
        to: z.string().min(1).max(64),
        amount_cents: cents,
        currency_symbol: z.literal('USD'),
        invoice_description: z.string().min(1).max(1000),
      }),
    )
    .min(1)
    .max(100),
  // [ours] only immediate payments on Arbitrum are imitated.
  pay_now: z.literal(true).optional(),
  network: z.literal('arbitrum').optional(),
});

const hexAddress = z.string().refine((v) => isAddress(v, { strict: false }), 'not an address');

const typedDataSchema = z.object({
  from: hexAddress,
  to: hexAddress,
  salt: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
  expires: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String),
  data: z
    .array(
      z.object({
        recipient: z.string(),
        amount_cents: z.union([cents, z.string().regex(/^\d+$/).transform(Number).pipe(cents)]),
        currency_symbol: z.literal('USD'),
        invoice_description: z.string(),
      }),
    )
    .min(1),
});

const executeBody = z.object({
  signer: hexAddress,
  typed_data: typedDataSchema,
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/),
});

const dateParam = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const lookupQuery = z.object({
  team_nanoid: z.string(),
  query_type: z.literal('payable').default('payable'),
  state: z.enum(['all', 'intent', 'scheduled', 'complete', 'removed']).default('all'),
  recipient: z.string().optional(),
  start_date: dateParam.optional(),
  end_date: dateParam.optional(),
});

export function paymentsRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.post(
    '/v2/payments',
    riseRoute(ctx, 'prepare', async ({ request }) => {
      const body = prepareBody.parse(request.body);
      // [ours] a team this wallet does not act for is a configuration error.
      if (body.from !== ctx.team.nanoid) throw new RiseError(400, 'TEAM_ROLE_SETTINGS_NOT_FOUND');
      await assertRecipients(
        ctx,
        body.to.map((t) => t.to),
      );
      const request_ = buildPaymentRequest({
        teamAddress: teamAddress(ctx.team.nanoid),
        expiresAtSeconds: Math.floor(ctx.now() / 1000) + ctx.typedDataTtlSeconds,
        data: body.to.map((t) => ({
          recipient: t.to,
          amount_cents: t.amount_cents,
          currency_symbol: t.currency_symbol,
          invoice_description: t.invoice_description,
        })),
      });
      ctx.prepared.set(request_.salt.toLowerCase(), { team: ctx.team.nanoid, request: request_ });
      return {
        data: { domain: forwarderDomain, types: paymentTypes, typed_data: request_, primary_type: primaryType },
      };
    }),
  );

  app.put(
    '/v2/payments',
    riseRoute(ctx, 'execute', async ({ request }) => {
      const body = executeBody.parse(request.body);
      const signer = getAddress(body.signer.toLowerCase());
      const given = { ...body.typed_data } as PaymentRequest;
      if (!(await verifyPaymentSignature(signer, given, body.signature))) {
        throw new RiseError(401, 'INVALID_SIGNATURE');
      }
      if (!isAddressEqual(signer, ctx.team.walletAddress as `0x${string}`)) {
        throw new RiseError(403, 'INVALID_SIGNATURE');
      }
      const salt = given.salt.toLowerCase();
      if (await saltUsed(ctx.pool, salt)) throw new RiseError(409, 'SALT_ALREADY_USED');
      const prepared = ctx.prepared.get(salt);
      if (!prepared) throw new RiseError(400, 'EXPIRED_TYPED_DATA');
      // Signed by the right wallet, but not what we prepared under this salt.
      if (!sameRequest(prepared.request, given)) throw new RiseError(401, 'INVALID_SIGNATURE');
      if (Number(prepared.request.expires) * 1000 <= ctx.now()) {
        ctx.prepared.delete(salt);
        throw new RiseError(400, 'EXPIRED_TYPED_DATA');
      }
      await assertRecipients(
        ctx,
        prepared.request.data.map((d) => d.recipient),
      );
      const outcome = await executePayments(ctx.pool, { team: prepared.team, salt, data: prepared.request.data });
      if (outcome.kind === 'salt_used') throw new RiseError(409, 'SALT_ALREADY_USED');
      if (outcome.kind === 'insufficient_balance') throw new RiseError(400, 'INSUFFICIENT_BALANCE');
      ctx.prepared.delete(salt);
      for (const paid of outcome.payments) ctx.webhooks.emit('payment.sent', 'payment', paymentPayload(paid));
      return {
        data: {
          payment_group_nanoid: outcome.groupNanoid,
          payments: outcome.payments.map((p) => ({
            nanoid: p.nanoid,
            state: p.state,
            amount_cents: p.amount_cents,
            invoice_description: p.invoice_description,
          })),
        },
      };
    }),
  );

  app.get(
    '/v2/payments',
    riseRoute(ctx, 'lookup', async ({ request }) => {
      const query = lookupQuery.parse(request.query);
      if (query.team_nanoid !== ctx.team.nanoid) throw new RiseError(404, 'team not found');
      const rows = await queryPayments(ctx.pool, {
        team: query.team_nanoid,
        recipient: query.recipient,
        state: query.state === 'all' ? undefined : query.state,
        startDate: query.start_date,
        endDate: query.end_date,
      });
      const emails = await emailsOf(
        ctx.pool,
        query.team_nanoid,
        rows.map((r) => r.recipient),
      );
      return { data: { items: rows.map((r) => lookupItem(r, emails.get(r.recipient) ?? '')) } };
    }),
  );
}

async function assertRecipients(ctx: SandboxContext, recipients: string[]): Promise<void> {
  for (const nanoid of new Set(recipients)) {
    const member = await findMember(ctx.pool, ctx.team.nanoid, nanoid);
    // [ours] a member who may not receive payments (onboarding not approved) is refused the same way.
    if (!member?.can_receive_payments) throw new RiseError(400, 'INVALID_RECIPIENT');
  }
}

function lookupItem(row: PaymentRow, email: string) {
  return {
    recipient: { nanoid: row.recipient, email },
    payer: { nanoid: row.team },
    invoice: {
      nanoid: row.invoice_nanoid,
      amount_cents: row.amount_cents,
      currency: 'USD',
      group_nanoid: row.group_nanoid,
      description: row.invoice_description,
    },
    payment: {
      nanoid: row.nanoid,
      payment_group_nanoid: row.group_nanoid,
      state: row.state,
      amount_cents: row.amount_cents,
      currency_symbol: 'USD',
      // USDC has 6 decimals: one cent is 10^4 token units.
      token_amount: (BigInt(row.amount_cents) * 10_000n).toString(),
      token_decimals: 6,
      created_at: row.created_at,
      updated_at: row.updated_at,
    },
  };
}
