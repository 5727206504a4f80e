import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Env, loadEnv } from '@payouts/config';
import { createApiKey } from '@payouts/core';
import { withDb } from '../db.ts';
import {
  type ChildExit,
  describeExit,
  type SupervisedChild,
  spawnTsx,
  stopChildren,
} from '../dev/process-supervisor.ts';
import { repoRoot } from '../paths.ts';
import { DEFAULT_SEED_OPTIONS } from '../seed/seed-data.generator.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';
import { migrateDatabase } from './migrate.command.ts';
import { describeSeed, seedDatabase } from './seed.command.ts';

const READY_TIMEOUT_MS = 60_000;

/** The base URL to reach the API at; a wildcard bind address is reached through loopback. */
export function apiBaseUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** Resolves when GET /readyz answers 200; rejects on timeout or when `gaveUp` settles first. */
async function waitForReady(baseUrl: string, timeoutMs: number, gaveUp: Promise<unknown>): Promise<void> {
  let stop = false;
  void gaveUp.then(() => {
    stop = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!stop && Date.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(
    stop ? 'a process exited before the API was ready' : `no 200 from ${baseUrl}/readyz within ${timeoutMs / 1000} s`,
  );
}

async function prepareDatabase(env: Env): Promise<string> {
  process.stdout.write(`${await migrateDatabase(env.DATABASE_URL)}\n`);
  return withDb(env.DATABASE_URL, async (db) => {
    if ((await db.affiliateProfile.count()) === 0) {
      const started = performance.now();
      const data = await seedDatabase(db, { ...DEFAULT_SEED_OPTIONS, reset: false, minimumPayout: env.MIN_PAYOUT_USD });
      process.stdout.write(`${describeSeed(data, performance.now() - started)}\n`);
    } else {
      process.stdout.write('Database already has affiliates: not seeding (use "payouts seed --reset" to reseed).\n');
    }
    const key = await createApiKey({ db }, { role: 'admin', name: 'dev-admin' });
    return key.key;
  });
}

function printBanner(env: Env, baseUrl: string, key: string): void {
  const lines = [
    '',
    'Payouts is running (Ctrl-C stops the API and the worker).',
    `  API         ${baseUrl}/api/disbursement`,
    `  Bull Board  ${env.BULL_BOARD_ENABLED ? `${baseUrl}/admin/queues   (any user name, the key as password)` : '(disabled: BULL_BOARD_ENABLED=false)'}`,
    `  Admin key   ${key}   (name dev-admin, role admin; shown once, a new one on every start)`,
    '',
    'Create a batch of all payable affiliates:',
    `  curl -X POST -H "Authorization: Bearer ${key}" -H 'content-type: application/json' -d '{}' '${baseUrl}/api/disbursement/batches?wait=30'`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function runDevCommand(args: string[]): Promise<number> {
  parseCommandArgs(args, {});
  const env = loadEnv();
  if (env.PORT === 0) throw new UsageError('dev needs a fixed PORT (PORT=0 would make the API unreachable)');
  const key = await prepareDatabase(env);
  const baseUrl = apiBaseUrl(env.HOST, env.PORT);

  const children: SupervisedChild[] = [
    spawnTsx('api', path.join(repoRoot, 'apps/api/src/server.ts')),
    spawnTsx('worker', path.join(repoRoot, 'apps/worker/src/main.ts')),
  ];
  const forceAfterMs = env.SHUTDOWN_TIMEOUT_MS + 5_000;
  // in an object: TypeScript would otherwise keep a narrowed `null` across the awaits below
  const shutdown: { stopping: Promise<ChildExit[]> | null; signalAt: number } = { stopping: null, signalAt: 0 };
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal, not the same one relayed by a wrapper a moment later, forces the children down.
    if (shutdown.stopping && Date.now() - shutdown.signalAt > 1_000) {
      process.stderr.write(`${signal} again: killing the API and the worker\n`);
      void stopChildren(children, 'SIGKILL', 0);
      return;
    }
    if (shutdown.stopping) return;
    shutdown.signalAt = Date.now();
    process.stdout.write(`\n${signal}: stopping the API and the worker...\n`);
    shutdown.stopping = stopChildren(children, signal, forceAfterMs);
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
      await waitForReady(baseUrl, READY_TIMEOUT_MS, firstExit);
      printBanner(env, baseUrl, key);
    } catch (error) {
      if (!shutdown.stopping) {
        process.stderr.write(`payouts dev: ${(error as Error).message}\n`);
        if (children.every((c) => c.alive())) {
          await stopChildren(children, 'SIGTERM', forceAfterMs);
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
    const exits = await stopChildren(children, 'SIGTERM', forceAfterMs);
    for (const e of exits) if (e !== exit) process.stderr.write(`payouts dev: ${describeExit(e)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killLeftovers);
  }
}
