import { loadEnv } from '@payouts/config';
import { listReversals } from '@payouts/core';
import { withOperations } from '../operations-client.ts';
import { parseCommandArgs, parseIntegerFlag, UsageError } from '../usage.ts';

/** `reversals list [--limit N]`: payments the provider removed, newest first, as GET /reversals shows them. */
export async function runReversalsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'list') throw new UsageError('reversals needs list');
  const { values } = parseCommandArgs(rest, { limit: { type: 'string' } });
  const limit = parseIntegerFlag('limit', values.limit, 50, 1, 200);

  return withOperations(loadEnv(), async (deps) => {
    const page = await listReversals(deps, { limit });
    if (page.items.length === 0) process.stdout.write('No reversals.\n');
    for (const reversal of page.items) {
      const repaid = reversal.repayment
        ? `repaid by ${reversal.repayment.id} (${reversal.repayment.status})`
        : 'not repaid yet';
      process.stdout.write(
        `${reversal.id}  ${reversal.amount}  ${reversal.reversedAt.toISOString()}  ` +
          `commission ${reversal.commissionStatus}  ${repaid}  ${reversal.reason ?? '-'}\n`,
      );
    }
    if (page.nextCursor) process.stderr.write(`(newest ${limit} shown: more with --limit, up to 200)\n`);
    return 0;
  });
}
