// Idle memory of the API and of a worker, run from TypeScript through tsx (as the services ran before
// `pnpm build`) and as compiled JavaScript under plain node. By hand, never in tests; Linux only (/proc).
//
//   pnpm build && pnpm bench:idle-rss [--runs 3] [--idle 10]
//
// Each run starts the service as its container did, waits until it is ready (API: /readyz answers 200;
// worker: it logs "worker started"), then sums the resident memory (VmRSS) of the process and of every
// process below it (for tsx: the tsx CLI, the app's node process and esbuild's service), once at ready and
// once after --idle seconds. Needs Postgres and Redis; it migrates its own database (payouts_idle_rss) and
// uses its own queue prefix. DATABASE_URL (a server URL) and REDIS_URL as for the apps.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '../../..');
// pg is not a dependency of the workspace root: borrow the database package's.
const pg = createRequire(path.join(root, 'packages/db/package.json'))('pg');
const { Redis } = createRequire(path.join(root, 'packages/queue/package.json'))('ioredis');
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, idle: { type: 'string', default: '10' } },
});
const runs = Number(values.runs);
const idleSeconds = Number(values.idle);

const serverUrl = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const queuePrefix = `idle-rss-${process.pid}`;
const databaseUrl = new URL(serverUrl);
databaseUrl.pathname = '/payouts_idle_rss';
const tsx = path.join(root, 'node_modules/.bin/tsx');
const compiled = [process.execPath, '--conditions=payouts-dist'];

const services = [
  { name: 'api', dir: 'apps/api', tsx: [tsx, 'src/server.ts'], node: [...compiled, 'dist/server.js'] },
  { name: 'worker', dir: 'apps/worker', tsx: [tsx, 'src/main.ts'], node: [...compiled, 'dist/main.js'] },
];

/** Resident memory in KiB of pid and all its descendants, and how many processes that is. */
function treeRss(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {}
  }
  let kib = 0;
  let processes = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop();
    try {
      const status = readFileSync(`/proc/${current}/status`, 'utf8');
      kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      processes++;
    } catch {}
    pending.push(...(children.get(current) ?? []));
  }
  return { mib: kib / 1024, processes };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function ready(service, child, port, output) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${service.name} exited:\n${output()}`);
    if (service.name === 'worker' && output().includes('worker started')) return;
    if (service.name === 'api') {
      const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
    }
    await sleep(100);
  }
  throw new Error(`${service.name} not ready in 60 s:\n${output()}`);
}

async function measure(service, how, run) {
  const [command, ...args] = service[how];
  const port = String(3900 + run);
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: path.join(root, service.dir),
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrl.href,
      QUEUE_PREFIX: queuePrefix,
      HOST: '127.0.0.1',
      PORT: port,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk) => {
    text += chunk;
  });
  child.stderr.on('data', (chunk) => {
    text += chunk;
  });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  await ready(service, child, port, () => text);
  const readyMs = performance.now() - started;
  const atReady = treeRss(child.pid);
  await sleep(idleSeconds * 1000);
  const afterIdle = treeRss(child.pid);
  child.kill('SIGTERM');
  const code = await exited;
  return { readyMs, atReady, afterIdle, code };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** "median (min-max)" of the runs. */
const spread = (xs, digits) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;

async function main() {
  await dropDatabase();
  // The compiled migration runner creates the database and migrates it.
  execFileSync(process.execPath, [...compiled.slice(1), 'packages/db/dist/migrate.cli.js'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl.href },
    stdio: 'ignore',
  });

  console.log(`median (min-max) of ${runs} runs, tsx and node alternating; RSS summed over the service's processes`);
  console.log(
    `service  run as  processes  ready (ms)         RSS at ready (MiB)   RSS after ${idleSeconds} s idle (MiB)  exit codes`,
  );
  for (const service of services) {
    const results = { tsx: [], node: [] };
    for (let run = 0; run < runs; run++) {
      for (const how of ['tsx', 'node']) results[how].push(await measure(service, how, run));
    }
    for (const how of ['tsx', 'node']) {
      const rs = results[how];
      console.log(
        [
          service.name.padEnd(7),
          how.padEnd(6),
          String(rs[0].atReady.processes).padStart(9),
          spread(
            rs.map((r) => r.readyMs),
            0,
          ).padEnd(17),
          spread(
            rs.map((r) => r.atReady.mib),
            1,
          ).padEnd(19),
          spread(
            rs.map((r) => r.afterIdle.mib),
            1,
          ).padEnd(27),
          rs.map((r) => r.code).join(','),
        ].join('  '),
      );
    }
  }
  await dropDatabase();
  await deleteQueueKeys();
}

async function deleteQueueKeys() {
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${queuePrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

async function dropDatabase() {
  const admin = new pg.Client({ connectionString: serverUrl.href });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS payouts_idle_rss WITH (FORCE)');
  await admin.end();
}

await main();
