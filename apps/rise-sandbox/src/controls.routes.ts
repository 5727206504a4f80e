import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { SandboxContext } from './deps.ts';
import { faultSchema } from './faults.ts';
import { nanoidPattern } from './ids.ts';
import { ledgerTotals, queryPayments, removePayment, resetLedger, setBalance, upsertMembers } from './ledger.ts';
import { zodMessage } from './rise-route.ts';
import { paymentPayload } from './webhooks.ts';

// Test controls: no Rise auth, mounted only when the sandbox runs with `controls: true`.
// They answer in Rise's envelope too, so one client helper reads both.

const membersBody = z.strictObject({
  team: z.string().optional(),
  members: z
    .array(
      z.strictObject({
        nanoid: z.string().regex(nanoidPattern('us')),
        email: z.string().min(1),
        first_name: z.string().optional(),
        last_name: z.string().optional(),
        riseid: z.string().optional(),
        onboarding_status: z.enum(['pending', 'submitted', 'approved', 'rejected', 'expired']).optional(),
        can_receive_payments: z.boolean().optional(),
      }),
    )
    .min(1),
});

const removeBody = z.strictObject({ reason: z.string().min(1).max(500).optional() }).optional();

const webhookSettingsBody = z
  .strictObject({
    enabled: z.boolean().optional(),
    duplicates: z.boolean().optional(),
    loseFirstAnswer: z.boolean().optional(),
  })
  .optional();

const cents = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const balanceBody = z.union([
  z.strictObject({ team: z.string().optional(), balance_cents: cents }),
  z.strictObject({ team: z.string().optional(), add_cents: cents }),
]);

export function controlsRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const handle =
    (work: (body: unknown, params: Record<string, string>) => Promise<unknown>) =>
    async (request: { body: unknown; params: unknown }, reply: FastifyReply) => {
      try {
        return reply.send({ success: true, data: await work(request.body, request.params as Record<string, string>) });
      } catch (error) {
        if (error instanceof z.ZodError) return reply.status(400).send({ success: false, data: zodMessage(error) });
        throw error;
      }
    };

  app.post(
    '/sandbox/members',
    handle(async (body) => {
      const input = membersBody.parse(body);
      return { members: await upsertMembers(ctx.pool, input.team ?? ctx.team.nanoid, input.members) };
    }),
  );

  app.post(
    '/sandbox/balance',
    handle(async (body) => {
      const input = balanceBody.parse(body);
      const team = input.team ?? ctx.team.nanoid;
      const change = 'balance_cents' in input ? { set: input.balance_cents } : { add: input.add_cents };
      return { team, balance_cents: await setBalance(ctx.pool, team, change) };
    }),
  );

  app.get(
    '/sandbox/ledger',
    handle(async () => {
      const [payments, totals] = await Promise.all([queryPayments(ctx.pool, {}), ledgerTotals(ctx.pool)]);
      return {
        payments,
        totals: { by_state: totals.byState, live_amount_cents: totals.liveAmountCents, count: payments.length },
        balances: totals.balances,
      };
    }),
  );

  app.get(
    '/sandbox/faults',
    handle(async () => ({ faults: ctx.faults.pending() })),
  );

  app.post(
    '/sandbox/faults',
    handle(async (body) => {
      ctx.faults.add(faultSchema.parse(body));
      return { faults: ctx.faults.pending() };
    }),
  );

  app.delete(
    '/sandbox/faults',
    handle(async () => {
      ctx.faults.clear();
      return { faults: [] };
    }),
  );

  app.post('/sandbox/payments/:pa/remove', async (request: { params: unknown; body: unknown }, reply: FastifyReply) => {
    const { pa } = z.object({ pa: z.string() }).parse(request.params);
    const parsed = removeBody.safeParse(request.body ?? undefined);
    if (!parsed.success) return reply.status(400).send({ success: false, data: zodMessage(parsed.error) });
    const payment = await removePayment(ctx.pool, pa);
    if (!payment) return reply.status(404).send({ success: false, data: 'payment not found or already removed' });
    // [ours] the reason Rise gives is not documented; the control may name one.
    const reason = parsed.data?.reason ?? 'removed_by_sandbox';
    ctx.webhooks.emit('payment.removed', 'payment', paymentPayload(payment, { reason }));
    return reply.send({ success: true, data: { payment } });
  });

  app.get(
    '/sandbox/webhooks',
    handle(async () => ({ deliveries: ctx.webhooks.list() })),
  );

  app.get(
    '/sandbox/webhooks/settings',
    handle(async () => ctx.webhooks.settings()),
  );

  // Omitted settings stay as they are; a reset restores the ones the sandbox started with.
  app.post(
    '/sandbox/webhooks/settings',
    handle(async (body) => ctx.webhooks.configure(webhookSettingsBody.parse(body) ?? {})),
  );

  app.post(
    '/sandbox/reset',
    handle(async () => {
      ctx.faults.clear();
      ctx.webhooks.reset();
      ctx.nonces.clear();
      ctx.prepared.clear();
      await resetLedger(ctx.pool, ctx.team);
      return { reset: true };
    }),
  );
}
