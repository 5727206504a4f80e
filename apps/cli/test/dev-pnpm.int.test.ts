import { createServer } from 'node:net';
import { makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcess, type WatchedProcess } from './run-cli.ts';

// `pnpm dev` exactly as a developer types it, through both pnpm scripts and their shells, in its own
// process group as a terminal runs it: readable logs, and Ctrl-C (SIGINT to the whole group) stops
// everything quietly with exit status 0.

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function isRunning(dev: WatchedProcess): boolean {
  return dev.child.exitCode === null && dev.child.signalCode === null;
}

describe('pnpm dev', () => {
  let ctx: TestContext;
  let dev: WatchedProcess | undefined;

  beforeAll(async () => {
    ctx = await makeTestContext();
  });
  afterAll(async () => {
    // A failed test may leave it running: the whole group, Ctrl-C first, then for good.
    const pid = dev?.child.pid;
    if (dev && pid !== undefined && isRunning(dev)) {
      process.kill(-pid, 'SIGINT');
      await Promise.race([dev.exited, new Promise((resolve) => setTimeout(resolve, 45_000))]);
      if (isRunning(dev)) process.kill(-pid, 'SIGKILL');
    }
    await ctx?.cleanup();
  }, 90_000);

  it('prints readable logs and ends with exit status 0 and no error on Ctrl-C', async () => {
    const port = await freePort();
    dev = startProcess('pnpm', ['dev'], {
      detached: true,
      env: {
        DATABASE_URL: ctx.databaseUrl,
        REDIS_URL: ctx.redisUrl,
        QUEUE_PREFIX: ctx.queuePrefix,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'info',
        NIGHTLY_PAYOUT_ENABLED: 'false',
        SHUTDOWN_TIMEOUT_MS: '15000',
        // any free port: other processes on this machine may hold the default ones
        METRICS_PORT: '0',
        WORKER_METRICS_PORT: '0',
      },
    });
    // Starting pnpm twice and three Node processes on a loaded 2-core machine: a bound, not a timing check.
    await dev.waitFor(/batches\?wait=30'\n/, 150);
    await dev.waitFor(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO \(worker\): worker started$/m, 30);
    await fetch(`http://127.0.0.1:${port}/healthz`);
    await dev.waitFor(/^\[[\d:.]+\] INFO \(api\): request completed$/m, 30);

    const pid = dev.child.pid ?? 0;
    process.kill(-pid, 'SIGINT');
    const exit = await Promise.race([dev.exited, new Promise((resolve) => setTimeout(resolve, 60_000))]);
    const output = `${dev.stdout()}\n--- stderr ---\n${dev.stderr()}`;
    expect(exit, output).toEqual({ code: 0, signal: null });

    const stdout = dev.stdout();
    // Ctrl-C signals the whole group, and pnpm also forwards a SIGTERM to its child: whichever arrives first
    // names the stop (the SIGTERM won once in a full local run).
    expect(stdout).toMatch(/^SIG(INT|TERM): stopping the API and the worker\.\.\.$/m);
    // The children's last words come through, readable, before dev exits.
    expect(stdout).toMatch(/^\[[\d:.]+\] INFO \(worker\): worker stopped$/m);
    expect(stdout).toMatch(/^ {4}signal: "SIG(INT|TERM)"$/m);
    // pino's JSON lines never reach the terminal as they are.
    expect(stdout).not.toMatch(/^\{"level":/m);
    for (const noise of ['ELIFECYCLE', 'Command failed', 'Error', /^\s+at /m]) {
      expect(stdout, output).not.toMatch(noise);
      expect(dev.stderr(), output).not.toMatch(noise);
    }
    await expect(fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  }, 300_000);
});
