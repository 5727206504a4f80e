import { loadEnv } from '@payouts/config';
import { type NightlyPayoutReport, startNightlyRun } from '@payouts/operations';
import { QueueName } from '@payouts/queue';
import type { Queue } from 'bullmq';
import { type Interrupt, listenForInterrupt, pause } from '../interrupt.ts';
import { withOperations } from '../operations-client.ts';
import { parseActorFlag, parseCommandArgs, parseIntegerFlag, UsageError } from '../usage.ts';

const pollEveryMs = 250;

type RunOutcome =
  | { state: 'completed'; report: NightlyPayoutReport }
  | { state: 'failed'; reason: string }
  | { state: 'pending' }
  | { state: 'interrupted'; exitCode: number };

/** `nightly run --actor NAME [--execute|--no-execute] [--wait S]`: what POST /schedules/nightly-payout/run does. */
export async function runNightlyCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'run') throw new UsageError('nightly needs run');
  const { values } = parseCommandArgs(rest, {
    actor: { type: 'string' },
    execute: { type: 'boolean' },
    'no-execute': { type: 'boolean' },
    wait: { type: 'string' },
  });
  if (values.execute && values['no-execute']) throw new UsageError('--execute and --no-execute exclude each other');
  // Neither: the run executes its batches when the schedule in Postgres says so.
  const autoExecute = values.execute ? true : values['no-execute'] ? false : undefined;
  const who = parseActorFlag('nightly run', values.actor);
  const waitSeconds = values.wait === undefined ? 0 : parseIntegerFlag('wait', values.wait, 0, 1, 3600);

  const interrupt = listenForInterrupt();
  try {
    return await withOperations(loadEnv(), async (deps) => {
      const job = await startNightlyRun(deps, { autoExecute }, who);
      const jobId = job.id ?? '';
      const executes = autoExecute === undefined ? 'as the schedule says' : autoExecute ? 'yes' : 'no';
      process.stdout.write(
        `nightly run started as job ${jobId} (executes its batches: ${executes}; by ${who.actor})\n`,
      );
      if (waitSeconds === 0) return 0;
      return reportOutcome(await waitForRun(deps.queues[QueueName.maintenance], jobId, waitSeconds, interrupt), jobId);
    });
  } finally {
    interrupt.dispose();
  }
}

/** Polls the job's state in Redis until it finished, `seconds` passed or Ctrl-C. */
async function waitForRun(queue: Queue, jobId: string, seconds: number, interrupt: Interrupt): Promise<RunOutcome> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const state = await queue.getJobState(jobId);
    if (state === 'completed' || state === 'failed') {
      const job = await queue.getJob(jobId);
      if (state === 'failed') return { state, reason: job?.failedReason ?? 'failed' };
      return { state, report: job?.returnvalue as NightlyPayoutReport };
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { state: 'pending' };
    if (!(await pause(Math.min(pollEveryMs, remaining), interrupt.signal))) {
      return { state: 'interrupted', exitCode: interrupt.exitCode() ?? 130 };
    }
  }
}

function reportOutcome(outcome: RunOutcome, jobId: string): number {
  switch (outcome.state) {
    case 'interrupted':
      return outcome.exitCode;
    case 'pending':
      process.stderr.write(`payouts nightly run: job ${jobId} has not finished yet; it goes on\n`);
      return 1;
    case 'failed':
      process.stderr.write(`payouts nightly run: job ${jobId} failed: ${outcome.reason}\n`);
      return 1;
    case 'completed': {
      const { batchIds, executed } = outcome.report;
      if (batchIds.length === 0) {
        process.stdout.write('nobody is payable: no batch created\n');
        return 0;
      }
      const what = executed ? 'their execution is queued' : 'not executed';
      process.stdout.write(`created ${batchIds.length} batch${batchIds.length === 1 ? '' : 'es'} (${what}):\n`);
      for (const id of batchIds) process.stdout.write(`${id}\n`);
      return 0;
    }
  }
}
