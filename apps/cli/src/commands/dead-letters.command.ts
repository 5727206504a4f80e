import { loadEnv } from '@payouts/config';
import { discardDeadLetter, replayDeadLetter } from '@payouts/operations';
import { listDeadLetters } from '@payouts/queue';
import { withOperations } from '../operations-client.ts';
import { UsageError } from '../usage.ts';

const actor = { actor: 'cli:dead-letters' };

/** `dead-letters list | replay <transactionId> | discard <transactionId>`: what the API's routes do. */
export async function runDeadLettersCommand(args: string[]): Promise<number> {
  const [action, transactionId, ...rest] = args;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  if (action === 'list' && transactionId !== undefined) throw new UsageError('dead-letters list takes no argument');
  if (action !== 'list' && action !== 'replay' && action !== 'discard') {
    throw new UsageError('dead-letters needs list, replay or discard');
  }
  if (action !== 'list' && !transactionId) throw new UsageError(`dead-letters ${action} needs a transaction id`);

  return withOperations(loadEnv(), async (deps) => {
    if (action === 'list') {
      const page = await listDeadLetters(deps.queues, { limit: 200 });
      if (page.items.length === 0) process.stdout.write('No dead letters.\n');
      for (const { data } of page.items) {
        process.stdout.write(
          `${data.transactionId}  ${data.amount}  ${data.payeeId ?? '-'}  ${data.failedAt}  ${data.error}\n`,
        );
      }
    } else if (action === 'replay') {
      const replay = await replayDeadLetter(deps, transactionId ?? '', actor);
      process.stdout.write(`replayed ${replay.transactionId} (round ${replay.round}) as job ${replay.jobId}\n`);
    } else {
      const discarded = await discardDeadLetter(deps, transactionId ?? '', actor);
      process.stdout.write(`discarded ${discarded.transactionId}; its commission is free for a later batch\n`);
    }
    return 0;
  });
}
