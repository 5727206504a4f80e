import type { FastifyInstance, FastifyRequest } from 'fastify';
import { nulMessage } from '../routes/schemas.ts';
import { HttpError } from './error-handler.ts';

interface NulFound {
  in: 'params' | 'querystring' | 'body' | 'headers';
  path: string;
}

/**
 * The first string (or object key) holding a NUL character, as a JSON pointer. Iterative, so that a
 * deeply nested body cannot overflow the stack.
 */
export function findNul(value: unknown): string | null {
  const pending: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (pending.length > 0) {
    const next = pending.pop();
    if (!next) break;
    if (typeof next.value === 'string') {
      if (next.value.includes('\u0000')) return next.path || '/';
      continue;
    }
    if (typeof next.value !== 'object' || next.value === null || ArrayBuffer.isView(next.value)) continue;
    for (const [key, child] of Object.entries(next.value)) {
      const path = `${next.path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (key.includes('\u0000')) return path;
      pending.push({ value: child, path });
    }
  }
  return null;
}

function nulIn(request: FastifyRequest): NulFound | null {
  const idempotencyKey = request.headers['idempotency-key'];
  const sources: [NulFound['in'], unknown][] = [
    ['params', request.params],
    ['querystring', request.query],
    ['body', request.body],
    ['headers', idempotencyKey === undefined ? undefined : { 'idempotency-key': idempotencyKey }],
  ];
  for (const [where, value] of sources) {
    const path = findNul(value);
    if (path !== null) return { in: where, path };
  }
  return null;
}

/**
 * Refuses NUL in every text a client sends (params, query, JSON body, Idempotency-Key) with 400, for every
 * route, before any schema or handler sees it. A preValidation hook: it runs after authentication (in
 * onRequest), so a request without a valid key still gets 401 first.
 */
export function registerInputGuard(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    const found = nulIn(request);
    if (!found) return;
    throw new HttpError('VALIDATION_FAILED', `invalid ${found.in}`, [{ ...found, message: nulMessage }]);
  });
}
