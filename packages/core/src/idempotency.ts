import type { Prisma } from '@payouts/db';
import type { CoreDeps } from './deps.ts';

export interface IdempotentRequest {
  apiKeyId: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
}

export type IdempotencyState =
  | { state: 'NEW'; recordId: string }
  | { state: 'DONE'; statusCode: number; response: unknown }
  | { state: 'IN_PROGRESS' }
  | { state: 'MISMATCH' };

/**
 * Claims an Idempotency-Key for this request (insert-or-nothing on the unique (apiKeyId, key)), or says
 * what became of the request that claimed it first.
 */
export async function beginIdempotentRequest(deps: CoreDeps, request: IdempotentRequest): Promise<IdempotencyState> {
  const inserted = await deps.db.$queryRaw<{ id: string }[]>`
    INSERT INTO "IdempotencyRecord" ("id", "apiKeyId", "key", "method", "path", "requestHash")
    VALUES (gen_random_uuid()::text, ${request.apiKeyId}, ${request.key}, ${request.method}, ${request.path},
            ${request.requestHash})
    ON CONFLICT ("apiKeyId", "key") DO NOTHING
    RETURNING "id"`;
  if (inserted[0]) return { state: 'NEW', recordId: inserted[0].id };

  const first = await deps.db.idempotencyRecord.findUnique({
    where: { apiKeyId_key: { apiKeyId: request.apiKeyId, key: request.key } },
  });
  if (!first) return { state: 'IN_PROGRESS' };
  if (first.method !== request.method || first.path !== request.path || first.requestHash !== request.requestHash) {
    return { state: 'MISMATCH' };
  }
  if (first.statusCode === null) return { state: 'IN_PROGRESS' };
  return { state: 'DONE', statusCode: first.statusCode, response: first.response };
}

/** Keeps the answer of the request that claimed the key. */
export async function completeIdempotentRequest(
  deps: CoreDeps,
  recordId: string,
  statusCode: number,
  response: Prisma.InputJsonValue,
): Promise<void> {
  await deps.db.idempotencyRecord.updateMany({
    where: { id: recordId, statusCode: null },
    data: { statusCode, response, completedAt: new Date() },
  });
}

/** Frees the key after a failure on our side (5xx), so that the client's retry runs the request again. */
export async function releaseIdempotentRequest(deps: CoreDeps, recordId: string): Promise<void> {
  await deps.db.idempotencyRecord.deleteMany({ where: { id: recordId, statusCode: null } });
}
