import { writeAudit } from '@payouts/core';
import { QueueName } from '@payouts/queue';
import type { OperationsDeps } from './deps.ts';

const actor = { actor: 'system:pay-transaction' };
const suspensionKey = 'provider-suspension';

/** Why paying is paused: a provider-wide refusal (balance too low, wrong wallet or team settings, sign-in refused). */
export interface ProviderSuspension {
  code: string;
  message: string;
  since: string;
}

/**
 * Pauses paying for every worker (a queue-level rate limit on pay-transaction) for `pauseMs`, and
 * records the first refusal of an episode: an audit row, an error log, and a Redis key that /readyz
 * reads. After the pause the next payments are the probe: one that succeeds ends the episode
 * (`endProviderSuspension`), one refused again pauses once more. The key outlives a few pauses and then
 * expires by itself, so a process that died mid-episode cannot leave it behind for good.
 */
export async function suspendPaying(
  deps: OperationsDeps,
  cause: { code: string; message: string },
  pauseMs: number,
): Promise<void> {
  const queue = deps.queues[QueueName.payTransaction];
  await queue.rateLimit(pauseMs);
  const client = deps.redis;
  const suspension: ProviderSuspension = {
    code: cause.code,
    message: cause.message.slice(0, 500),
    since: new Date().toISOString(),
  };
  const key = queue.toKey(suspensionKey);
  const first = await client.set(key, JSON.stringify(suspension), 'PX', pauseMs * 10, 'NX');
  if (first !== 'OK') {
    await client.pexpire(key, pauseMs * 10);
    return;
  }
  deps.logger.error({ code: cause.code, pauseMs }, 'the provider refuses every payment: paying is paused');
  await writeAudit(deps.db, actor, {
    action: 'provider.suspended',
    status: 'FAILURE',
    details: { code: suspension.code, message: suspension.message, pauseMs },
  });
}

/** Ends a suspension episode once a payment went through again; answers whether one was open. */
export async function endProviderSuspension(deps: OperationsDeps): Promise<boolean> {
  const queue = deps.queues[QueueName.payTransaction];
  const client = deps.redis;
  const raw = await client.getdel(queue.toKey(suspensionKey));
  if (!raw) return false;
  const suspension = JSON.parse(raw) as ProviderSuspension;
  deps.logger.info({ code: suspension.code, since: suspension.since }, 'the provider pays again: paying resumed');
  await writeAudit(deps.db, actor, {
    action: 'provider.resumed',
    status: 'SUCCESS',
    details: { code: suspension.code, since: suspension.since },
  });
  return true;
}

/** The open suspension episode, if any (for /readyz and operators). */
export async function readProviderSuspension(
  deps: Pick<OperationsDeps, 'queues' | 'redis'>,
): Promise<ProviderSuspension | null> {
  const queue = deps.queues[QueueName.payTransaction];
  const raw = await deps.redis.get(queue.toKey(suspensionKey));
  return raw ? (JSON.parse(raw) as ProviderSuspension) : null;
}
