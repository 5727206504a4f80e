import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeTestContext, type TestContext } from '@payouts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The compiled API and worker as production runs them (apps/Dockerfile, docker-compose.yml, `pnpm start:*`):
// plain node on dist/, the workspace packages resolved to their dist/ by the payouts-dist condition of
// their package.json "exports". Node 20 cannot load a .ts file, so anything still reaching for the
// TypeScript sources fails here.
const root = path.resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);
const compiledNode = [process.execPath, '--conditions=payouts-dist'];

let ctx: TestContext;
let env: Record<string, string | undefined>;
const started: ChildProcess[] = [];

beforeAll(async () => {
  ctx = await makeTestContext();
  // No NODE_OPTIONS from the test runner: nothing but node and the flags above.
  env = { ...process.env, NODE_OPTIONS: undefined, NODE_ENV: 'production', LOG_LEVEL: 'info' };
  env.DATABASE_URL = ctx.databaseUrl;
  env.REDIS_URL = ctx.redisUrl;
  env.QUEUE_PREFIX = ctx.queuePrefix;
  // `pnpm build` for the API, the worker and the packages they import, in dependency order. Without its
  // `prisma generate` (postinstall ran it): generating again would rewrite the client under test files
  // running beside this one.
  await run('pnpm', ['--filter', '@payouts/api...', '--filter', '@payouts/worker...', 'run', 'build'], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: undefined },
  });
}, 180_000);

afterAll(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await ctx?.cleanup();
});

describe('compiled processes', () => {
  it('the compiled migration runner finds the migrations from dist/', async () => {
    const { stdout } = await run(compiledNode[0] as string, [...compiledNode.slice(1), 'dist/migrate.cli.js'], {
      cwd: path.join(root, 'packages/db'),
      env,
    });
    expect(stdout).toMatch(/^migrations: 0 applied, [1-9]\d* already applied$/m);
  });

  it('the API runs as one node process, answers /readyz and exits 0 on SIGTERM', async () => {
    const api = await startCompiled(
      'apps/api',
      'dist/server.js',
      { HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0' },
      /Server listening at (http:\/\/[^"\s]+)/,
    );
    const readyz = await fetch(`${api.match[1]}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toMatchObject({ status: 'ready', postgres: 'ok', redis: 'ok' });
    expect(await scrapeLoggedMetrics(api.output())).toContain('payouts_http_requests_total{');
    expect(childrenOf(api.child.pid)).toEqual([]);

    api.child.kill('SIGTERM');
    expect(await api.exited).toEqual({ code: 0, signal: null });
  });

  it('the worker runs as one node process and exits 0 on SIGTERM', async () => {
    const worker = await startCompiled('apps/worker', 'dist/main.js', { WORKER_METRICS_PORT: '0' }, /worker started/);
    expect(childrenOf(worker.child.pid)).toEqual([]);
    expect(await scrapeLoggedMetrics(worker.output())).toContain('payouts_payment_attempts_total{');

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.output()).toMatch(/"msg":"worker stopped"/);
  });
});

/** Runs `node --conditions=payouts-dist <entry>` in `dir` and resolves once its output matches `ready`. */
async function startCompiled(dir: string, entry: string, extraEnv: Record<string, string>, ready: RegExp) {
  const child = spawn(compiledNode[0] as string, [...compiledNode.slice(1), entry], {
    cwd: path.join(root, dir),
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = ready.exec(output);
      if (found) resolve(found);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then(({ code }) => reject(new Error(`${dir} exited with ${code} before it was ready:\n${output}`)));
    setTimeout(() => reject(new Error(`${dir} was not ready in 30 s:\n${output}`)), 30_000).unref();
  });
  return { child, match, exited, output: () => output };
}

/** GET of the /metrics URL a process logged (prom-client from dist/, served on its own port). */
async function scrapeLoggedMetrics(output: string): Promise<string> {
  const url = /metrics listening at (http:\/\/[^"\s]+)/.exec(output)?.[1];
  expect(url, output).toBeDefined();
  const response = await fetch(url ?? '');
  expect(response.status).toBe(200);
  return response.text();
}

/** The pids whose parent is `pid` (Linux /proc; elsewhere none are found). */
function childrenOf(pid: number | undefined): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  return entries.map(Number).filter((candidate) => {
    try {
      const stat = readFileSync(`/proc/${candidate}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;
    }
  });
}
