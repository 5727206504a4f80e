import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SandboxContext } from './deps.ts';
import { RiseError } from './envelope.ts';
import { findMember, getBalance, listMembers } from './ledger.ts';
import { riseRoute } from './rise-route.ts';

const teamParams = z.object({ te: z.string() });
const memberParams = z.object({ te: z.string(), us: z.string() });

export function payeesRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const assertTeam = (te: string) => {
    if (te !== ctx.team.nanoid) throw new RiseError(404, 'team not found');
  };

  app.get(
    '/v2/balance',
    riseRoute(ctx, 'lookup', async ({ request }) => {
      const { nanoid } = z.object({ nanoid: z.string() }).parse(request.query);
      assertTeam(nanoid);
      const balance = await getBalance(ctx.pool, nanoid);
      if (balance === undefined) throw new RiseError(404, 'team not found');
      return { data: { balance_cents: balance } };
    }),
  );

  app.get(
    '/v2/teams/:te/users',
    riseRoute(ctx, 'lookup', async ({ request }) => {
      const { te } = teamParams.parse(request.params);
      assertTeam(te);
      return { data: { users: await listMembers(ctx.pool, te) } };
    }),
  );

  app.get(
    '/v2/teams/:te/member/:us/summary',
    riseRoute(ctx, 'lookup', async ({ request }) => {
      const { te, us } = memberParams.parse(request.params);
      assertTeam(te);
      const member = await findMember(ctx.pool, te, us);
      if (!member) throw new RiseError(404, 'member not found');
      return { data: member };
    }),
  );
}
