import { parseEnv } from '@payouts/config';
import { createApiKey } from '@payouts/core';
import {
  type ApiProcess,
  freePort,
  makeTestContext,
  spawnApi,
  spawnWorker,
  type TestContext,
  type WorkerProcess,
} from '@payouts/testing';
import { expect } from 'vitest';
import { makeWorkerDeps, type WorkerDeps } from '../../src/worker-deps.ts';
import { type RiseSandbox, startRiseSandbox } from './rise-ledger.ts';

// The whole system as it runs against Rise: an API process receiving the sandbox's signed webhooks, a
// worker process paying through the sandbox and applying the events, and the sandbox process itself.

export interface WebhookDelivery {
  event_type: string;
  idempotency_key: string;
  copy: number;
  attempts: number;
  last_status: number | null;
  delivered: boolean;
  given_up: boolean;
  suppressed: boolean;
  answers_lost: number;
}

export interface WebhookStack {
  ctx: TestContext;
  sandbox: RiseSandbox;
  api: ApiProcess;
  worker: WorkerProcess;
  /** Reads Postgres and the queues (adds no work of its own). */
  producer: WorkerDeps;
  /** A request to the API under /api/disbursement with an admin key, answered as JSON. */
  call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The sandbox's webhook deliveries, as GET /sandbox/webhooks lists them. */
  deliveries(): Promise<WebhookDelivery[]>;
  /** Stops the processes (each must exit 0), drops the database and the queues. */
  stop(): Promise<void>;
}

export async function startWebhookStack(
  options: {
    /** RISE_SANDBOX_* variables: webhook delay scale and settings at start. */
    sandboxEnv?: Record<string, string>;
    /** The worker's variables on top of the defaults here (PROVIDER_CONFIRM_AFTER_MS, RECONCILE_EVERY_MS...). */
    workerEnv?: Record<string, string>;
  } = {},
): Promise<WebhookStack> {
  const ctx = await makeTestContext();
  // The sandbox must know the API's address before the API can start.
  const apiPort = await freePort();
  const sandbox = await startRiseSandbox(ctx, {
    timeoutMs: 3000,
    webhookUrl: `http://127.0.0.1:${apiPort}/api/webhooks/riseworks`,
    env: options.sandboxEnv,
  });
  const common = {
    DATABASE_URL: ctx.databaseUrl,
    REDIS_URL: ctx.redisUrl,
    QUEUE_PREFIX: ctx.queuePrefix,
    ...sandbox.engineEnv,
    NIGHTLY_PAYOUT_ENABLED: 'false',
    ACCOUNT_SYNC_CRON: 'off',
  };
  const api = await spawnApi({
    ...common,
    PORT: String(apiPort),
    RATE_LIMIT_PER_MINUTE: '100000',
    BULL_BOARD_ENABLED: 'false',
  });
  const worker = await spawnWorker({
    ...common,
    WORKER_CONCURRENCY: '4',
    // The lease stays longer than the Rise timeout, so nobody takes a claim over while its PUT may still be on its way.
    PAY_CLAIM_LEASE_MS: '4000',
    PAY_BACKOFF_MS: '100',
    PAY_BACKOFF_MAX_MS: '500',
    RECONCILE_EVERY_MS: '1000',
    ...options.workerEnv,
  });
  const producer = makeWorkerDeps(parseEnv({ ...common, LOG_LEVEL: 'silent' }));
  const { key } = await createApiKey({ db: ctx.db }, { role: 'admin', name: 'webhook-test-admin' });

  return {
    ctx,
    sandbox,
    api,
    worker,
    producer,
    async call(method, path, body) {
      const response = await fetch(`${api.url}/api/disbursement${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async deliveries() {
      return (await sandbox.control<{ deliveries: WebhookDelivery[] }>('GET', '/webhooks')).deliveries;
    },
    async stop() {
      // Each step runs even when one fails, so a failed test leaves no process behind.
      const exits = await Promise.allSettled([worker.stop(), api.stop()]);
      await producer.flowProducer.close();
      await Promise.all(Object.values(producer.queues).map((q) => q.close()));
      producer.connection.disconnect();
      await producer.db.$disconnect();
      const sandboxExit = await sandbox.server.stop();
      await ctx.cleanup();
      expect(exits.map((e) => (e.status === 'fulfilled' ? e.value : e.reason))).toEqual([0, 0]);
      expect(sandboxExit).toBe(0);
    },
  };
}

/**
 * Creates one batch of everyone payable and executes it over the API, as the README's walk-through does;
 * waits until it has settled (a bound, not a timing assertion) and answers its id.
 */
export async function payEveryoneOverApi(stack: WebhookStack): Promise<{ batchId: string; paymentCount: number }> {
  const created = await stack.call('POST', '/batches?wait=30', {});
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const [batch] = created.body.batches as { id: string; paymentCount: number }[];
  if (!batch) throw new Error('no batch created');
  const executed = await stack.call('POST', `/batches/${batch.id}/execute`);
  expect(executed.status, JSON.stringify(executed.body)).toBe(202);
  const deadline = Date.now() + 90_000;
  for (;;) {
    const settled = await stack.call('GET', `/batches/${batch.id}?wait=30`);
    expect(settled.status).toBe(200);
    const status = (settled.body.batch as { status: string }).status;
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(status)) break;
    if (Date.now() > deadline) throw new Error(`batch ${batch.id} still ${status} after 90 s`);
  }
  return { batchId: batch.id, paymentCount: batch.paymentCount };
}
