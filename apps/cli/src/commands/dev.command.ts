import path from 'node:path';
import { type Env, loadEnv } from '@payouts/config';
import { createApiKey } from '@payouts/core';
import type { Db } from '@payouts/db';
import { withDb } from '../db.ts';
import { reachableBaseUrl, waitFor200 } from '../dev/http-wait.ts';
import { copyPrettyLines } from '../dev/pretty-logs.ts';
import {
  type ChildExit,
  describeExit,
  type SupervisedChild,
  spawnTsx,
  stopChildren,
  stopInStages,
} from '../dev/process-supervisor.ts';
import {
  payThroughSandboxEnv,
  RISE_WEBHOOK_PATH,
  registerSandboxMembers,
  SANDBOX_TEAM_NANOID,
  type SandboxAddress,
  sandboxAddress,
  sandboxEnv,
} from '../dev/rise-sandbox.ts';
import { repoRoot } from '../paths.ts';
import { type SandboxMember, sandboxMembersOf } from '../seed/sandbox-members.ts';
import { DEFAULT_SEED_OPTIONS } from '../seed/seed-data.generator.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';
import { migrateDatabase } from './migrate.command.ts';
import { describeSeed, seedDatabase } from './seed.command.ts';

const READY_TIMEOUT_MS = 60_000;
/** How long the children's last lines may take to come through once they have exited. */
const OUTPUT_DRAIN_MS = 2_000;

export type DevProvider = 'mock' | 'rise';

export function parseDevArgs(args: string[]): { provider: DevProvider; jsonLogs: boolean } {
  const { values } = parseCommandArgs(args, {
    provider: { type: 'string', default: 'mock' },
    'json-logs': { type: 'boolean', default: false },
  });
  const provider = values.provider.toLowerCase();
  if (provider !== 'mock' && provider !== 'rise') {
    throw new UsageError(`--provider must be mock or rise, got '${values.provider}'`);
  }
  return { provider, jsonLogs: values['json-logs'] };
}

/**
 * Copies each child's stdout and stderr to ours through pino-pretty (the API and the worker log JSON
 * lines, as in production). Answers a function that waits for the last lines once the children have
 * exited, and then lets go of what a grandchild might still hold open.
 */
function prettyPrintOutput(children: readonly SupervisedChild[]): () => Promise<void> {
  const streams = children.flatMap((c) => [
    { from: c.process.stdout, to: process.stdout },
    { from: c.process.stderr, to: process.stderr },
  ]);
  const copies = streams.flatMap(({ from, to }) => (from ? [copyPrettyLines(from, to)] : []));
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((resolve) => {
      timer = setTimeout(resolve, OUTPUT_DRAIN_MS);
    });
    await Promise.race([Promise.all(copies), late]);
    clearTimeout(timer);
    for (const { from } of streams) from?.destroy();
  };
}

/** The payees as sandbox members, read back from the database (seeded now or earlier). */
async function payeesAsMembers(db: Db): Promise<SandboxMember[]> {
  const accounts = await db.affiliateRiseAccount.findMany({
    select: { riseId: true, email: true, kycStatus: true },
    orderBy: { riseId: 'asc' },
  });
  const { members, skipped } = sandboxMembersOf(accounts);
  if (skipped.length > 0) {
    process.stderr.write(
      `payouts dev: ${skipped.length} payout accounts have a riseId that is not a Rise user nanoid ` +
        `(us- and 12 characters; e.g. '${skipped[0]}'): the sandbox does not know them and refuses to pay them. ` +
        'Reseed with "payouts seed --reset".\n',
    );
  }
  return members;
}

async function prepareDatabase(env: Env, withMembers: boolean): Promise<{ key: string; members: SandboxMember[] }> {
  process.stdout.write(`${await migrateDatabase(env.DATABASE_URL)}\n`);
  return withDb(env.DATABASE_URL, async (db) => {
    if ((await db.affiliateProfile.count()) === 0) {
      const started = performance.now();
      const data = await seedDatabase(db, { ...DEFAULT_SEED_OPTIONS, reset: false, minimumPayout: env.MIN_PAYOUT_USD });
      process.stdout.write(`${describeSeed(data, performance.now() - started)}\n`);
    } else {
      process.stdout.write('Database already has affiliates: not seeding (use "payouts seed --reset" to reseed).\n');
    }
    const members = withMembers ? await payeesAsMembers(db) : [];
    const key = await createApiKey({ db }, { role: 'admin', name: 'dev-admin' });
    return { key: key.key, members };
  });
}

interface RunningSandbox {
  url: string;
  members: number;
}

function printBanner(env: Env, baseUrl: string, key: string, what: string, sandbox: RunningSandbox | null): void {
  const lines = [
    '',
    `Payouts is running (Ctrl-C stops ${what}).`,
    `  API         ${baseUrl}/api/disbursement`,
    `  Bull Board  ${env.BULL_BOARD_ENABLED ? `${baseUrl}/admin/queues   (any user name, the key as password)` : '(disabled: BULL_BOARD_ENABLED=false)'}`,
    `  Admin key   ${key}   (name dev-admin, role admin; shown once, a new one on every start)`,
    ...(sandbox
      ? [
          `  Sandbox     ${sandbox.url}   (Rise v2 stand-in the worker pays through: team ${SANDBOX_TEAM_NANOID}, ` +
            `${sandbox.members} payees; what it paid: /sandbox/ledger)`,
          `  Webhooks    sandbox -> ${baseUrl}${RISE_WEBHOOK_PATH}   (signed; sent: ${sandbox.url}/sandbox/webhooks, ` +
            'switched off, doubled or answers lost: /sandbox/webhooks/settings)',
        ]
      : []),
    '',
    'Create a batch of all payable affiliates:',
    `  curl -X POST -H "Authorization: Bearer ${key}" -H 'content-type: application/json' -d '{}' '${baseUrl}/api/disbursement/batches?wait=30'`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function runDevCommand(args: string[]): Promise<number> {
  const { provider, jsonLogs } = parseDevArgs(args);
  const output = jsonLogs ? 'inherit' : 'pipe';
  const sandbox: SandboxAddress | null = provider === 'rise' ? sandboxAddress(process.env) : null;
  // The API and the worker get the provider chosen here, whatever PAYOUT_PROVIDER says.
  const appEnv = { ...process.env, ...(sandbox ? payThroughSandboxEnv(sandbox) : { PAYOUT_PROVIDER: 'MOCK' }) };
  const env = loadEnv(appEnv);
  if (env.PORT === 0) throw new UsageError('dev needs a fixed PORT (PORT=0 would make the API unreachable)');
  const { key, members } = await prepareDatabase(env, sandbox !== null);
  const baseUrl = reachableBaseUrl(env.HOST, env.PORT);

  const apps: SupervisedChild[] = [
    spawnTsx('api', path.join(repoRoot, 'apps/api/src/server.ts'), appEnv, output),
    spawnTsx('worker', path.join(repoRoot, 'apps/worker/src/main.ts'), appEnv, output),
  ];
  const services: SupervisedChild[] = sandbox
    ? [
        spawnTsx(
          'rise-sandbox',
          path.join(repoRoot, 'apps/rise-sandbox/src/server.ts'),
          { ...process.env, ...sandboxEnv(env.DATABASE_URL, sandbox, baseUrl) },
          output,
        ),
      ]
    : [];
  const children = [...apps, ...services];
  const outputDrained = jsonLogs ? async () => {} : prettyPrintOutput(children);
  // The sandbox stops after the worker, which may still be paying through it while it finishes its jobs.
  const stages = [apps, services];
  const what = sandbox ? 'the API, the worker and the Rise sandbox' : 'the API and the worker';
  const forceAfterMs = env.SHUTDOWN_TIMEOUT_MS + 5_000;
  // in an object: TypeScript would otherwise keep a narrowed `null` across the awaits below
  const shutdown: { stopping: Promise<ChildExit[]> | null; signalAt: number } = { stopping: null, signalAt: 0 };
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal, not the same one relayed by a wrapper a moment later, forces the children down.
    if (shutdown.stopping && Date.now() - shutdown.signalAt > 1_000) {
      process.stderr.write(`${signal} again: killing ${what}\n`);
      void stopChildren(children, 'SIGKILL', 0);
      return;
    }
    if (shutdown.stopping) return;
    shutdown.signalAt = Date.now();
    process.stdout.write(`\n${signal}: stopping ${what}...\n`);
    shutdown.stopping = stopInStages(stages, signal, forceAfterMs);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const killLeftovers = () => {
    for (const child of children) if (child.alive()) child.process.kill('SIGKILL');
  };
  process.on('exit', killLeftovers);

  const firstExit = Promise.race(children.map((c) => c.exited));
  try {
    try {
      if (sandbox) {
        await waitFor200(`${sandbox.url}/sandbox/faults`, 'the Rise sandbox', READY_TIMEOUT_MS, firstExit);
        await registerSandboxMembers(sandbox.url, members);
      }
      await waitFor200(`${baseUrl}/readyz`, 'the API', READY_TIMEOUT_MS, firstExit);
      if (!shutdown.stopping)
        printBanner(env, baseUrl, key, what, sandbox && { url: sandbox.url, members: members.length });
    } catch (error) {
      if (!shutdown.stopping) {
        process.stderr.write(`payouts dev: ${(error as Error).message}\n`);
        if (children.every((c) => c.alive())) {
          await stopInStages(stages, 'SIGTERM', forceAfterMs);
          return 1;
        }
      }
    }
    const exit = await firstExit;
    if (shutdown.stopping) {
      const exits = await shutdown.stopping;
      const clean = exits.every((e) => e.code === 0 || (e.code === null && e.signal !== 'SIGKILL'));
      return clean ? 0 : 1;
    }
    process.stderr.write(`payouts dev: ${describeExit(exit)}; stopping the rest\n`);
    const exits = await stopInStages(stages, 'SIGTERM', forceAfterMs);
    for (const e of exits) if (e !== exit) process.stderr.write(`payouts dev: ${describeExit(e)}\n`);
    return 1;
  } finally {
    await outputDrained();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killLeftovers);
  }
}
