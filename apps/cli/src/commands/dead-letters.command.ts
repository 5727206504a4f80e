import { loadEnv } from '@payouts/config';
import { discardTransaction, replayTransaction } from '@payouts/core';
import { enqueueReplay, listDeadLetters, removeDeadLetters } from '@payouts/queue';
import { withDb } from '../db.ts';
import { withQueues } from '../queue-client.ts';
import { UsageError } from '../usage.ts';

const actor = { actor: 'cli:dead-letters' };

/** `dead-letters list | replay <transactionId> | discard <transactionId>`: what the API's routes do. */
export async function runDeadLettersCommand(args: string[]): Promise<number> {
  const [action, transactionId, ...rest] = args;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  const env = loadEnv();
  if (action === 'list') {
    if (transactionId !== undefined) throw new UsageError('dead-letters list takes no argument');
    const page = await withQueues(env, ({ queues }) => listDeadLetters(queues, { limit: 200 }));
    if (page.items.length === 0) process.stdout.write('No dead letters.\n');
    for (const { data } of page.items) {
      process.stdout.write(
        `${data.transactionId}  ${data.amount}  ${data.payeeId ?? '-'}  ${data.failedAt}  ${data.error}\n`,
      );
    }
    return 0;
  }
  if (action !== 'replay' && action !== 'discard') throw new UsageError('dead-letters needs list, replay or discard');
  if (!transactionId) throw new UsageError(`dead-letters ${action} needs a transaction id`);

  return withDb(env.DATABASE_URL, (db) =>
    withQueues(env, async ({ queues, flowProducer }) => {
      if (action === 'replay') {
        const replay = await replayTransaction({ db }, transactionId, actor);
        const { jobId } = await enqueueReplay(flowProducer, replay, env.PAY_ATTEMPTS);
        await removeDeadLetters(queues, transactionId);
        process.stdout.write(`replayed ${transactionId} (round ${replay.round}) as job ${jobId}\n`);
      } else {
        await discardTransaction({ db }, transactionId, actor);
        await removeDeadLetters(queues, transactionId);
        process.stdout.write(`discarded ${transactionId}; its commission is free for a later batch\n`);
      }
      return 0;
    }),
  );
}
