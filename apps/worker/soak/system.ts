import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { createApiKey } from '@payouts/core';
import { type Db, makeDb, migrate } from '@payouts/db';
import {
  dropAbandonedDatabases,
  dropDatabase,
  freePort,
  insertPayableAffiliates,
  type OutputOptions,
  type RedisServer,
  startRedisServer,
  uniqueName,
  withDatabase,
} from '@payouts/testing';
import { workerApplicationName } from './chaos-actions.ts';
import { type SoakProcesses, startProcesses } from './processes.ts';
import { registerPayees, type SoakSandbox, startSoakSandbox } from './rise-sandbox.ts';
import type { SoakProvider } from './schedule.ts';

// Everything a soak runs on, its own: a Redis server, a fresh database, the API, the workers and (with
// Rise) the sandbox. close() takes it all down, whatever state it is in.

export interface SystemOptions {
  /** A Postgres server URL (its database part is replaced). */
  serverUrl: string;
  provider: SoakProvider;
  workers: number;
  concurrency: number;
  /** MOCK_PROVIDER_LATENCY_MS (the mock provider only). */
  latencyMs: number;
  affiliates: number;
  perAffiliate: number;
  /** How often the reconciler runs (and the schedulers are checked). */
  reconcileEveryMs: number;
  logDir: string;
  /** Leave the database for a post-mortem instead of dropping it. */
  keepDatabase: boolean;
  log: (line: string) => void;
  /** Milliseconds since the soak started. */
  clock: () => number;
}

export interface SoakSystem {
  db: Db;
  databaseName: string;
  redis: RedisServer;
  processes: SoakProcesses;
  sandbox?: SoakSandbox;
  adminKey: string;
  queuePrefix: string;
  close(): Promise<void>;
  /** Synchronous last resort when the soak's own process exits: SIGKILL every child. */
  killAll(): void;
}

const queuePrefix = 'soak';

function withApplicationName(url: string, name: string): string {
  const next = new URL(url);
  next.searchParams.set('application_name', name);
  return next.toString();
}

function logTo(logDir: string, name: string): OutputOptions {
  const stream = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
  stream.on('error', () => {});
  return { onOutput: (text) => stream.write(text), keepOutputChars: 64 * 1024 };
}

export async function startSystem(options: SystemOptions): Promise<SoakSystem> {
  const closers: (() => Promise<unknown>)[] = [];
  const killers: (() => void)[] = [];
  const close = async () => {
    for (const closer of closers.reverse())
      await closer().catch((error: Error) => options.log(`cleanup: ${error.message}`));
    closers.length = 0;
  };
  const killAll = () => {
    for (const kill of killers) kill();
  };
  try {
    const redisLog = logTo(options.logDir, 'redis');
    const redis = await startRedisServer((text) => redisLog.onOutput?.(text));
    closers.push(() => redis.stop());
    killers.push(() => void redis.kill());
    options.log(`redis-server on ${redis.url}`);

    // Databases of soaks killed before they could clean up (SIGKILL, power cut) go first.
    await dropAbandonedDatabases(options.serverUrl, ['payouts_soak']);
    const databaseName = uniqueName('payouts_soak');
    const databaseUrl = withDatabase(options.serverUrl, databaseName);
    closers.push(async () => {
      if (!options.keepDatabase) return dropDatabase(options.serverUrl, databaseName);
      options.log(`database ${databaseName} kept (--keep-database): DROP DATABASE "${databaseName}" WITH (FORCE)`);
    });
    await migrate(databaseUrl);
    const db = makeDb(withApplicationName(databaseUrl, 'payouts-soak'), { max: 6 });
    closers.push(() => db.$disconnect());
    await insertPayableAffiliates(db, options.affiliates, options.perAffiliate);
    options.log(
      `database ${databaseName}: ${options.affiliates} payable affiliates, ${options.perAffiliate} commissions each`,
    );

    const apiPort = await freePort();
    let sandbox: SoakSandbox | undefined;
    if (options.provider === 'rise') {
      sandbox = await startSoakSandbox({
        databaseUrl: withApplicationName(databaseUrl, 'payouts-soak-sandbox'),
        apiPort,
        output: logTo(options.logDir, 'rise-sandbox'),
      });
      const started = sandbox;
      closers.push(() => started.process.stop());
      killers.push(() => started.process.child.kill('SIGKILL'));
      const members = await registerPayees(db, sandbox);
      options.log(`Rise sandbox on ${sandbox.process.url}: ${members} payees are members of its team`);
    }

    const { key: adminKey } = await createApiKey({ db }, { role: 'admin', name: 'soak-admin' });
    const common = {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: queuePrefix,
      NIGHTLY_PAYOUT_ENABLED: 'false',
      ACCOUNT_SYNC_CRON: 'off',
      MAX_BATCH_SIZE: '5000',
      LOG_LEVEL: 'info',
      ...(sandbox?.engineEnv ?? {}),
    };
    const processes = await startProcesses({
      logDir: options.logDir,
      clock: options.clock,
      apiPort,
      apiEnv: {
        ...common,
        DATABASE_URL: withApplicationName(databaseUrl, 'payouts-soak-api'),
        DATABASE_POOL_SIZE: '6',
        RATE_LIMIT_PER_MINUTE: '1000000',
        WEBHOOK_RATE_LIMIT_PER_MINUTE: '1000000',
        BULL_BOARD_ENABLED: 'false',
      },
      workers: options.workers,
      workerEnv: {
        ...common,
        // pg-terminate finds the workers' connections by this name.
        DATABASE_URL: withApplicationName(databaseUrl, workerApplicationName),
        WORKER_CONCURRENCY: String(options.concurrency),
        MOCK_PROVIDER_LATENCY_MS: String(options.latencyMs),
        // Room for three workers, the API, the sandbox and the soak under Postgres's 100 connections
        // (payments share statements: a pool smaller than the concurrency is no bottleneck).
        DATABASE_POOL_SIZE: String(Math.min(12, options.concurrency + 2)),
        // Short locks and leases, so that a dead worker's payments are repaired within the soak.
        WORKER_LOCK_DURATION_MS: '5000',
        PAY_CLAIM_LEASE_MS: '5000',
        PAY_ATTEMPTS: '6',
        PAY_BACKOFF_MS: '200',
        PAY_BACKOFF_MAX_MS: '2000',
        RECONCILE_EVERY_MS: String(options.reconcileEveryMs),
        SHUTDOWN_TIMEOUT_MS: '20000',
        PROVIDER_PAUSE_MS: '2000',
        // Rise: a webhook lost during an API restart is made up for by a look-up, within the soak.
        ...(sandbox ? { PROVIDER_CONFIRM_AFTER_MS: '30000' } : {}),
      },
    });
    closers.push(async () => {
      await processes.stopAll();
    });
    killers.unshift(() => processes.killAll());
    options.log(`api on ${processes.apiUrl}, ${options.workers} workers`);
    return {
      db,
      databaseName,
      redis,
      processes,
      sandbox,
      adminKey,
      queuePrefix,
      close,
      killAll,
    };
  } catch (error) {
    killAll();
    await close();
    throw error;
  }
}
