import type { FastifyReply } from 'fastify';

/** A Rise error answer: `{ success: false, data: code }` with an HTTP status. */
export class RiseError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code);
  }
}

export function ok<T>(data: T): { success: true; data: T } {
  return { success: true, data };
}

export function sendError(reply: FastifyReply, error: RiseError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.status(error.status).send({ success: false, data: error.code });
}
