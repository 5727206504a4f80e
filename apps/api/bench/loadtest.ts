// The API under fixed-rate load: `pnpm loadtest [--seconds 20] [--rate 500] [--url URL --key KEY]`.
//
// By default it starts its own system (loadtest-system.ts: a fresh database, the API and a worker as
// processes) and runs, each at a fixed rate (fixed-rate.ts):
//   reads     each read a dashboard makes, alone at --rate; then all of them together, each at --mix-rate (the mix);
//   batch     the mix again while a 10,000-payment batch executes, against the idle mix;
//   writes    previews and creations together, a new payable affiliate written before each creation;
//   overload  the heaviest read far above what the API serves, with load shedding and (a second API
//             process on the same database) without: 503 UNAVAILABLE instead of timeouts.
// With --url and --key it aims at a running system instead: the reads (and --phases reads,overload), of
// --batch-id (else the largest batch on the first page) and --job-id (else no job read). Never in tests.

import os from 'node:os';
import { parseArgs } from 'node:util';
import { watchEventLoopDelay } from './event-loop-delay.ts';
import { type RunResult, runAtFixedRate, runTogether, type Target } from './fixed-rate.ts';
import { type SeededSystem, startSeededSystem } from './loadtest-system.ts';
import { formatRatios, formatRuns } from './loadtest-table.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    key: { type: 'string' },
    'batch-id': { type: 'string' },
    'job-id': { type: 'string' },
    phases: { type: 'string' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '100' },
    'mix-rate': { type: 'string', default: '10' },
    'preview-rate': { type: 'string', default: '20' },
    'create-rate': { type: 'string', default: '10' },
    'overload-rate': { type: 'string', default: '1000' },
    'overload-connections': { type: 'string', default: '500' },
  },
});
const positive = (name: keyof typeof values) => {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const rate = positive('rate');
const seconds = positive('seconds');
const connections = positive('connections');
const mixRate = positive('mix-rate');
const external = values.url !== undefined;
if (external && !values.key) throw new Error('--url needs --key (an admin or operator API key)');
const phases = new Set((values.phases ?? (external ? 'reads' : 'reads,batch,writes,overload')).split(','));
if (external && [...phases].some((phase) => phase !== 'reads' && phase !== 'overload')) {
  throw new Error('with --url only the reads and the overload run: the others seed the database');
}
const out = (text = '') => process.stdout.write(`${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Api {
  baseUrl: string;
  key: string;
  metricsUrl: string | null;
}

/** One request of the test's own (not of a run), asked again after Retry-After while the API sheds it (503). */
async function call<T>(api: Api, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${api.baseUrl}/api/disbursement${path}`, {
      method,
      headers: {
        authorization: `Bearer ${api.key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = { status: response.status, body: (await response.json()) as T };
    if (response.status !== 503 || attempt >= 20) return answer;
    await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
  }
}

interface CreatedAnswer {
  jobId: string;
  batches: { id: string; paymentCount: number }[];
}

async function createBatchOf(api: Api, affiliateIds: string[]): Promise<CreatedAnswer> {
  const created = await call<CreatedAnswer>(api, 'POST', '/batches?wait=60', { affiliateIds });
  if (created.status !== 201) throw new Error(`POST /batches: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

function readTargets(batchId: string, jobId: string | undefined): Target[] {
  const targets: Target[] = [
    { name: 'GET batches', method: 'GET', path: '/api/disbursement/batches' },
    { name: 'GET batches/:id (500 tx)', method: 'GET', path: `/api/disbursement/batches/${batchId}` },
    { name: 'GET affiliates/payable', method: 'GET', path: '/api/disbursement/affiliates/payable' },
  ];
  if (jobId) targets.push({ name: 'GET jobs/:jobId', method: 'GET', path: `/api/disbursement/jobs/${jobId}` });
  return targets;
}

/** The reads together, each `perRead` a second. */
function mixOf(targets: Target[], perRead: number) {
  return targets.map((target) => ({
    target: { ...target, name: `mix: ${target.name}` },
    rate: perRead,
    connections: Math.max(10, Math.ceil(connections / targets.length)),
  }));
}

const readOptions = (api: Api) => ({ baseUrl: api.baseUrl, key: api.key, seconds, timeoutSeconds: 10 });

/** A light read: once it answers 200 quickly again, the previous run's queue has drained. */
const lightPath = '/api/disbursement/batches?limit=1';

/** Runs `run` while watching the API's event-loop delay, and adds the delay to each result. */
async function watchingLoop(api: Api, run: () => Promise<RunResult[]>): Promise<RunResult[]> {
  const watcher = watchEventLoopDelay(api.metricsUrl);
  const results = await run();
  const loopDelay = await watcher.stop();
  return results.map((result) => ({ ...result, loopDelay }));
}

async function readsPhase(api: Api, targets: Target[]): Promise<RunResult[]> {
  out(`\n== Reads, idle: each alone at ${rate}/s for ${seconds} s, then all together at ${mixRate}/s each (the mix)`);
  // Warm-up, not counted: the JIT, the pools, Postgres's caches.
  await runTogether(mixOf(targets, mixRate), { ...readOptions(api), seconds: 5 });
  const alone: RunResult[] = [];
  for (const target of targets) {
    await drained(api);
    alone.push(
      ...(await watchingLoop(api, async () => [
        await runAtFixedRate(target, { ...readOptions(api), rate, connections }),
      ])),
    );
  }
  await drained(api);
  const mix = await watchingLoop(api, () => runTogether(mixOf(targets, mixRate), readOptions(api)));
  out(formatRuns([...alone, ...mix]));
  for (const r of alone) {
    const allServed = r.non2xx === 0 && r.errors === 0 && r.timeouts === 0 && r.achievedRate >= rate * 0.95;
    const verdict = allServed && r.p99 < 50 ? 'yes' : 'no';
    out(
      `${r.name} at ${rate}/s, every answer 2xx with p99 < 50 ms: ${verdict} ` +
        `(${r.achievedRate.toFixed(0)}/s answered, ${r.non2xx} not 2xx, p99 ${r.p99} ms)`,
    );
  }
  return mix;
}

interface BatchReport {
  report: { status: string; durationMs: number | null; paymentCount: number; paid: { count: number } };
}

/** Polls the batch's report (a small answer) until the batch has settled; the last report. */
async function settled(api: Api, batchId: string) {
  for (;;) {
    const { status, body } = await call<BatchReport>(api, 'GET', `/reports/batches/${batchId}`);
    if (status !== 200) throw new Error(`GET reports/batches/${batchId}: ${status} ${JSON.stringify(body)}`);
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(body.report.status)) return body.report;
    await sleep(500);
  }
}

async function batchPhase(system: SeededSystem, targets: Target[], idleMix: RunResult[]) {
  out(`\n== Reads while a 10,000-payment batch executes: the mix (${mixRate}/s each) until the batch has settled`);
  const affiliateIds = await system.addPayableAffiliates(10_000 / 5);
  const created = await createBatchOf(system, affiliateIds);
  const batch = created.batches[0];
  if (!batch || created.batches.length !== 1 || batch.paymentCount !== 10_000) {
    throw new Error(`expected one batch of 10,000 payments: ${JSON.stringify(created.batches)}`);
  }
  await drained(system);
  const started = performance.now();
  const executed = await call(system, 'POST', `/batches/${batch.id}/execute`);
  if (executed.status !== 202) throw new Error(`execute: ${executed.status} ${JSON.stringify(executed.body)}`);
  const report = settled(system, batch.id);
  const mix = await watchingLoop(system, () =>
    runTogether(mixOf(targets, mixRate), { ...readOptions(system), seconds: 600, until: report }),
  );
  const { status, durationMs, paid, paymentCount } = await report;
  const wall = (performance.now() - started) / 1000;
  out(formatRuns(mix));
  out(
    `batch ${status}: ${paid.count}/${paymentCount} paid, ${wall.toFixed(1)} s from the execute request ` +
      `(${((durationMs ?? 0) / 1000).toFixed(1)} s from executedAt to finishedAt), ${(paid.count / wall).toFixed(0)} payments/s`,
  );
  out('\nThe mix under the batch against the idle mix:');
  out(formatRatios(idleMix, mix, ['idle', 'batch']));
}

async function writesPhase(system: SeededSystem) {
  const previewRate = positive('preview-rate');
  const createRate = positive('create-rate');
  out(
    `\n== Writes for ${seconds} s: POST batches/preview at ${previewRate}/s with POST batches?wait=30 at ` +
      `${createRate}/s, each creation for the affiliate written just before it`,
  );
  // One new payable affiliate a creation, written ahead of it (a second's worth first, then one per creation
  // interval). A creation that finds none waiting names an affiliate that does not exist and gets 422
  // NO_PAYABLE_AFFILIATES: an answer, counted apart from errors and timeouts.
  const waiting = await system.addPayableAffiliates(createRate);
  let feeding = true;
  const feeder = (async () => {
    for (let next = performance.now(); feeding; ) {
      waiting.push(...(await system.addPayableAffiliates(1)));
      next += 1000 / createRate;
      await sleep(Math.max(0, next - performance.now()));
    }
  })();
  const preview: Target = { name: 'POST batches/preview', method: 'POST', path: '/api/disbursement/batches/preview' };
  const create: Target = {
    name: 'POST batches?wait=30',
    method: 'POST',
    path: '/api/disbursement/batches?wait=30',
    bodyPerRequest: () => JSON.stringify({ affiliateIds: [waiting.shift() ?? 'aff_none'] }),
  };
  await drained(system);
  const results = await watchingLoop(system, () =>
    runTogether(
      [
        { target: { ...preview, body: '{}' }, rate: previewRate, connections: Math.max(10, previewRate / 5) },
        { target: create, rate: createRate, connections: createRate * 4 },
      ],
      { baseUrl: system.baseUrl, key: system.key, seconds, timeoutSeconds: 40 },
    ),
  );
  feeding = false;
  await feeder;
  out(formatRuns(results));
}

/** Waits (at most a minute) until a light read answers 200 within 100 ms again: the last run's queue has drained. */
async function drained(api: Api) {
  for (let i = 0; i < 60; i++) {
    const started = performance.now();
    const response = await fetch(`${api.baseUrl}${lightPath}`, { headers: { authorization: `Bearer ${api.key}` } });
    await response.arrayBuffer();
    if (response.status === 200 && performance.now() - started < 100) return;
    await sleep(1000);
  }
}

async function overloadPhase(api: Api, target: Target, withoutShedding: Api | null) {
  const overloadRate = positive('overload-rate');
  const overloadConnections = positive('overload-connections');
  out(
    `\n== Overload: ${target.name} at ${overloadRate}/s over ${overloadConnections} connections for ${seconds} s, ` +
      'far above what one API process serves',
  );
  const runs: RunResult[] = [];
  const apis: [string, Api | null][] = [
    ['shedding on', api],
    ['shedding off', withoutShedding],
  ];
  for (const [label, server] of apis) {
    if (!server) continue;
    await drained(server);
    const options = { ...readOptions(server), rate: overloadRate, connections: overloadConnections };
    runs.push(
      ...(await watchingLoop(server, async () => [
        await runAtFixedRate({ ...target, name: `${target.name}, ${label}` }, options),
      ])),
    );
  }
  out(formatRuns(runs));
  for (const r of runs) {
    out(`${r.name}: 503 UNAVAILABLE ${r.statuses['503'] ?? 0}, timeouts ${r.timeouts}, errors ${r.errors}`);
  }
}

/** An API process with every load-shedding check off, to compare with. */
const noShedding = { MAX_EVENT_LOOP_DELAY_MS: '0', MAX_EVENT_LOOP_UTILIZATION: '0', MAX_REQUESTS_IN_FLIGHT: '0' };

async function main() {
  out(
    `load test: ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const system = external ? null : await startSeededSystem();
  const api: Api = system ?? { baseUrl: values.url ?? '', key: values.key ?? '', metricsUrl: null };
  const stop = async () => {
    await system?.stop();
    process.exit(130);
  };
  process.once('SIGINT', () => void stop());
  try {
    let batchId = values['batch-id'];
    let jobId = values['job-id'];
    if (system) {
      batchId = system.readBatchId;
      // A job to read: the creation of a one-affiliate batch.
      jobId = (await createBatchOf(system, await system.addPayableAffiliates(1))).jobId;
    } else if (!batchId) {
      const page = await call<{ batches: { id: string; paymentCount: number }[] }>(api, 'GET', '/batches');
      batchId = page.body.batches.sort((a, b) => b.paymentCount - a.paymentCount)[0]?.id ?? 'none';
    }
    const targets = readTargets(batchId ?? 'none', jobId);
    let idleMix: RunResult[] = [];
    if (phases.has('reads')) idleMix = await readsPhase(api, targets);
    if (system && phases.has('batch')) await batchPhase(system, targets, idleMix);
    if (system && phases.has('writes')) await writesPhase(system);
    const heaviest = targets[1];
    if (phases.has('overload') && heaviest) {
      const off = system ? { ...(await system.startAnotherApi(noShedding)), key: api.key } : null;
      await overloadPhase(api, heaviest, off);
    }
  } finally {
    await system?.stop();
  }
}

await main();
