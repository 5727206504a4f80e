import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SandboxContext } from './deps.ts';
import { ok, RiseError, sendError } from './envelope.ts';
import type { Operation } from './faults.ts';
import { type JwtClaims, verifyJwt } from './signatures.ts';

export interface RiseCall {
  request: FastifyRequest;
  claims: JwtClaims | undefined;
}

/**
 * Wraps a Rise route: scripted faults first (as a gateway in front of Rise would), then the bearer
 * token unless the route is public, then the handler; its result goes out in the success envelope.
 */
export function riseRoute(
  ctx: SandboxContext,
  operation: Operation,
  handler: (call: RiseCall) => Promise<{ status?: number; data: unknown }>,
  access: { public?: boolean } = {},
) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const fault = ctx.faults.take(operation);
    try {
      if (fault?.kind === 'status500') throw new RiseError(500, 'INTERNAL_SERVER_ERROR');
      if (fault?.kind === 'status429') {
        throw new RiseError(429, 'TOO_MANY_REQUESTS', { 'retry-after': String(fault.retryAfterSeconds ?? 1) });
      }
      if (fault?.kind === 'delay') await sleep(fault.delayMs ?? 1000);
      const claims = access.public ? undefined : authenticate(ctx, request);
      const result = await handler({ request, claims });
      if (fault?.kind === 'timeoutAfterPay') {
        // The work is done (and paid, on execute); the client never hears about it.
        reply.hijack();
        await holdThenDrop(ctx, request, fault.delayMs ?? 0);
        return;
      }
      return reply.status(result.status ?? 200).send(ok(result.data));
    } catch (error) {
      if (error instanceof RiseError) return sendError(reply, error);
      if (error instanceof z.ZodError) return sendError(reply, new RiseError(400, zodMessage(error)));
      throw error;
    }
  };
}

function authenticate(ctx: SandboxContext, request: FastifyRequest): JwtClaims {
  const header = request.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
  const claims = token ? verifyJwt(ctx.jwtSecret, token, ctx.now()) : undefined;
  // [ours] the code Rise sends for a missing or expired JWT is not documented.
  if (!claims) throw new RiseError(401, 'UNAUTHORIZED');
  return claims;
}

function holdThenDrop(ctx: SandboxContext, request: FastifyRequest, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const release = () => {
      clearTimeout(timer);
      ctx.holds.delete(release);
      request.raw.socket.destroy();
      resolve();
    };
    const timer = setTimeout(release, ms);
    ctx.holds.add(release);
  });
}

export function zodMessage(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
