import { loadEnv } from '@payouts/config';
import { listProviderEvents } from '@payouts/core';
import { ProviderEventStatus } from '@payouts/db';
import { replayProviderEvent } from '@payouts/operations';
import { withOperations } from '../operations-client.ts';
import { parseActorFlag, parseCommandArgs, parseIntegerFlag, UsageError } from '../usage.ts';

const statuses = Object.values(ProviderEventStatus);
const eventTypePattern = /^[A-Za-z0-9_.-]{1,100}$/;

/** `provider-events list [--status S] [--type T] [--limit N] | replay <eventId> --actor <name>`: what the API's routes do. */
export async function runProviderEventsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'list') return list(rest);
  if (action === 'replay') return replay(rest);
  throw new UsageError('provider-events needs list or replay');
}

async function list(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    status: { type: 'string' },
    type: { type: 'string' },
    limit: { type: 'string' },
  });
  const status = values.status?.toUpperCase();
  if (status !== undefined && !isStatus(status)) {
    throw new UsageError(`--status must be one of ${statuses.join(', ')}, got '${values.status}'`);
  }
  if (values.type !== undefined && !eventTypePattern.test(values.type)) {
    throw new UsageError(`--type must be 1-100 letters, digits, _, . or -, got '${values.type}'`);
  }
  const limit = parseIntegerFlag('limit', values.limit, 50, 1, 200);

  return withOperations(loadEnv(), async (deps) => {
    const page = await listProviderEvents(deps, { limit, status, eventType: values.type });
    if (page.items.length === 0) process.stdout.write('No provider events.\n');
    for (const event of page.items) {
      process.stdout.write(
        `${event.id}  ${event.status}  ${event.eventType}  ${event.receivedAt.toISOString()}  ` +
          `${event.transactionId ?? '-'}  ${event.errorMessage ?? ''}\n`,
      );
    }
    if (page.nextCursor) process.stderr.write(`(newest ${limit} shown: more with --limit, up to 200)\n`);
    return 0;
  });
}

async function replay(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { actor: { type: 'string' } }, 1);
  const [eventId] = positionals;
  if (!eventId) throw new UsageError('provider-events replay needs an event id');
  const actor = parseActorFlag('provider-events replay', values.actor);

  return withOperations(loadEnv(), async (deps) => {
    const replayed = await replayProviderEvent(deps, eventId, actor);
    process.stdout.write(
      `replayed event ${replayed.eventId} (was ${replayed.previousStatus}) as job ${replayed.jobId}\n`,
    );
    return 0;
  });
}

function isStatus(value: string): value is ProviderEventStatus {
  return (statuses as string[]).includes(value);
}
