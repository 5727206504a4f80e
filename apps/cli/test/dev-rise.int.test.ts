import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { parseUsd } from '@payouts/core';
import { makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxMembersOf } from '../src/seed/sandbox-members.ts';
import { generateSeedData } from '../src/seed/seed-data.generator.ts';
import { repoRoot } from './run-cli.ts';

// `payouts dev --provider rise` as a developer runs it, on this test file's database, queue prefix and
// free ports: it must seed, start the API, the worker and the Rise sandbox, pay a batch through the
// sandbox, and stop everything cleanly on Ctrl-C.

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface DevProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` in the output; rejects on exit or after `seconds`. */
  waitFor(pattern: RegExp, seconds: number): Promise<RegExpExecArray>;
}

function startDev(env: Record<string, string>): DevProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'apps/cli/src/main.ts'), 'dev', '--provider', 'rise'],
    { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, seconds) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} within ${seconds} s:\n${output}`));
        }, seconds * 1000);
        void exited.then((code) => reject(new Error(`payouts dev exited with ${code}:\n${output}`)));
        listeners.add(check);
        check();
      });
    },
  };
}

async function call(method: string, url: string, key: string, body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('payouts dev --provider rise', () => {
  let ctx: TestContext;
  let dev: DevProcess | undefined;

  beforeAll(async () => {
    ctx = await makeTestContext();
  });
  afterAll(async () => {
    // A failed test may leave it running: Ctrl-C it (it stops its children), then force.
    if (dev && dev.child.exitCode === null && dev.child.signalCode === null) {
      dev.child.kill('SIGINT');
      const stopped = await Promise.race([dev.exited.then(() => true), sleepSeconds(60).then(() => false)]);
      if (!stopped) dev.child.kill('SIGKILL');
    }
    await ctx?.cleanup();
  }, 90_000);

  it('pays a batch of the seeded payees through the sandbox, then stops cleanly on SIGINT', async () => {
    const [apiPort, sandboxPort] = [await freePort(), await freePort()];
    dev = startDev({
      DATABASE_URL: ctx.databaseUrl,
      REDIS_URL: ctx.redisUrl,
      QUEUE_PREFIX: ctx.queuePrefix,
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      RISE_SANDBOX_PORT: String(sandboxPort),
      MIN_PAYOUT_USD: '50.00',
      LOG_LEVEL: 'warn',
      NIGHTLY_PAYOUT_ENABLED: 'false',
      SHUTDOWN_TIMEOUT_MS: '15000',
      // whatever the developer's shell says: dev chooses the provider
      PAYOUT_PROVIDER: 'MOCK',
    });
    // Starting four Node processes on a loaded 2-core machine: a bound, not a timing check.
    const banner = await dev.waitFor(/Admin key +(pyk_\S+)[\s\S]*batches\?wait=30'\n/, 150);
    const key = banner[1] ?? '';
    const output = dev.output();
    expect(output).toContain('Ctrl-C stops the API, the worker and the Rise sandbox');
    const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
    expect(output).toContain(`Sandbox     ${sandboxUrl}   `);
    expect(output).toContain(`Webhooks    sandbox -> http://127.0.0.1:${apiPort}/api/webhooks/riseworks   `);
    const api = `http://127.0.0.1:${apiPort}/api/disbursement`;

    // The sandbox knows every seeded payee, in the onboarding state matching its KYC.
    const seeded = generateSeedData({ affiliates: 24, commissionsPerAffiliate: 4, seed: 42 });
    const expectedMembers = sandboxMembersOf(seeded.riseAccounts).members;
    expect(output).toContain(`${expectedMembers.length} payees`);
    const stored = await ctx.db.$queryRaw<
      { nanoid: string; onboarding_status: string; can_receive_payments: boolean }[]
    >`
      SELECT nanoid, onboarding_status, can_receive_payments FROM rise_sandbox.members ORDER BY nanoid`;
    expect(stored).toEqual(
      expectedMembers
        .map((m) => ({
          nanoid: m.nanoid,
          onboarding_status: m.onboarding_status,
          can_receive_payments: m.can_receive_payments,
        }))
        .sort((a, b) => (a.nanoid < b.nanoid ? -1 : 1)),
    );

    const created = await call('POST', `${api}/batches?wait=30`, key, {});
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const [batch] = created.body.batches as { id: string; paymentCount: number; totalAmount: string }[];
    expect(batch?.totalAmount).toBe(seeded.payableTotal);
    const batchId = batch?.id ?? '';

    const executed = await call('POST', `${api}/batches/${batchId}/execute`, key);
    expect(executed.status, JSON.stringify(executed.body)).toBe(202);
    const settled = await call('GET', `${api}/batches/${batchId}?wait=60`, key);
    expect(settled.status).toBe(200);
    const result = settled.body.batch as { status: string; counts: Record<string, number> };
    expect(result.status, JSON.stringify(result)).toBe('COMPLETED');
    expect(result.counts.COMPLETED).toBe(batch?.paymentCount);

    // The sandbox paid each transaction once, to the payee's nanoid, to the cent.
    const ledgerResponse = await fetch(`${sandboxUrl}/sandbox/ledger`);
    const ledger = (
      (await ledgerResponse.json()) as { data: { payments: { recipient: string; amount_cents: number }[] } }
    ).data;
    expect(ledger.payments).toHaveLength(batch?.paymentCount ?? -1);
    const paidCents = ledger.payments.reduce((sum, p) => sum + BigInt(p.amount_cents), 0n);
    expect(paidCents).toBe(parseUsd(seeded.payableTotal));
    const approved = new Set(expectedMembers.filter((m) => m.can_receive_payments).map((m) => m.nanoid));
    for (const p of ledger.payments) expect(approved.has(p.recipient), p.recipient).toBe(true);
    const transactions = await ctx.db.disbursementTransaction.findMany({ where: { batchId } });
    expect(transactions.every((t) => t.provider === 'RISE' && t.providerTxId?.startsWith('pa-'))).toBe(true);

    // The sandbox's signed payment.sent webhooks reach the API, and the worker confirms every payment.
    const deadline = Date.now() + 60_000;
    let unconfirmed = transactions.length;
    while (unconfirmed > 0 && Date.now() < deadline) {
      await sleepSeconds(0.2);
      unconfirmed = await ctx.db.disbursementTransaction.count({ where: { batchId, confirmedAt: null } });
    }
    expect(unconfirmed, 'payments no webhook confirmed').toBe(0);
    const hooks = (await (await fetch(`${sandboxUrl}/sandbox/webhooks`)).json()) as {
      data: { deliveries: { event_type: string; delivered: boolean; last_status: number | null }[] };
    };
    expect(hooks.data.deliveries).toHaveLength(batch?.paymentCount ?? -1);
    for (const d of hooks.data.deliveries) {
      expect(d).toMatchObject({ event_type: 'payment.sent', delivered: true, last_status: 200 });
    }

    dev.child.kill('SIGINT');
    expect(await dev.exited, dev.output()).toBe(0);
    expect(dev.output()).toContain('SIGINT: stopping the API, the worker and the Rise sandbox');
    // Nothing listens any more: the children stopped with it.
    for (const url of [`${sandboxUrl}/sandbox/faults`, `http://127.0.0.1:${apiPort}/healthz`]) {
      await expect(fetch(url, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    }
  }, 300_000);
});

function sleepSeconds(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}
