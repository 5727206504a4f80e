import type { FastifyInstance } from 'fastify';
import { getAddress, isAddress, isAddressEqual } from 'viem';
import { parseSiweMessage } from 'viem/siwe';
import { z } from 'zod';
import type { SandboxContext } from './deps.ts';
import { RiseError } from './envelope.ts';
import { riseRoute } from './rise-route.ts';
import { issueSiwe, signJwt, verifySiweSignature } from './signatures.ts';

const siweQuery = z.object({
  wallet: z.string().refine((v) => isAddress(v, { strict: false }), 'not an address'),
  riseid: z.string().min(1),
});

const verifyBody = z.object({ message: z.string().min(1), sig: z.string().min(1), nonce: z.string().min(1) });

export function authRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.get(
    '/v2/auth/siwe',
    riseRoute(
      ctx,
      'auth',
      async ({ request }) => {
        const query = siweQuery.parse(request.query);
        // [ours] both the company RiseID and the team nanoid name this team.
        if (query.riseid !== ctx.team.riseId && query.riseid !== ctx.team.nanoid) {
          throw new RiseError(404, 'RiseID not found');
        }
        if (!isAddressEqual(getAddress(query.wallet.toLowerCase()), ctx.team.walletAddress as `0x${string}`)) {
          throw new RiseError(403, 'wallet not allowed for this RiseID');
        }
        const wallet = getAddress(query.wallet.toLowerCase());
        const now = ctx.now();
        forgetExpiredNonces(ctx, now);
        const issued = issueSiwe({ wallet, domain: ctx.siweDomain, nonceTtlMs: ctx.nonceTtlMs, now });
        ctx.nonces.set(issued.nonce, {
          wallet,
          riseId: query.riseid,
          message: issued.message,
          expiresAt: issued.expiresAt,
        });
        return { data: { siwe: issued.message } };
      },
      { public: true },
    ),
  );

  app.post(
    '/v2/auth/verify',
    riseRoute(
      ctx,
      'auth',
      async ({ request }) => {
        const body = verifyBody.parse(request.body);
        const issued = ctx.nonces.get(body.nonce);
        // Single use: any attempt spends the nonce [ours: a failed attempt spends it too].
        ctx.nonces.delete(body.nonce);
        if (!issued || issued.expiresAt <= ctx.now()) throw new RiseError(401, 'nonce expired or already used');
        const parsed = safeParse(body.message);
        if (
          parsed?.nonce !== body.nonce ||
          !parsed.address ||
          !isAddressEqual(parsed.address, issued.wallet) ||
          body.message !== issued.message
        ) {
          throw new RiseError(401, 'INVALID_SIGNATURE');
        }
        if (!(await verifySiweSignature(issued.wallet, body.message, body.sig))) {
          throw new RiseError(401, 'INVALID_SIGNATURE');
        }
        const jwt = signJwt(ctx.jwtSecret, {
          sub: issued.wallet,
          riseid: issued.riseId,
          team: ctx.team.nanoid,
          exp: ctx.now() + ctx.jwtTtlMs,
        });
        return { data: { jwt } };
      },
      { public: true },
    ),
  );
}

function safeParse(message: string) {
  try {
    return parseSiweMessage(message);
  } catch {
    return undefined;
  }
}

function forgetExpiredNonces(ctx: SandboxContext, now: number): void {
  for (const [nonce, issued] of ctx.nonces) if (issued.expiresAt <= now) ctx.nonces.delete(nonce);
}
