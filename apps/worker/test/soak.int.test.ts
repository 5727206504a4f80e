import { haveRedisServer, testServerUrl } from '@payouts/testing';
import { describe, expect, it } from 'vitest';
import { injectedByKind } from '../soak/report.ts';
import { runSoak } from '../soak/run-soak.ts';
import { faultKindsOf } from '../soak/schedule.ts';

// `pnpm soak`, short: two minutes of workload over the API with every kind of fault injected at least
// once (worker SIGKILL and SIGTERM, Redis killed and flushed, the workers' Postgres connections
// terminated, mock provider faults, an API restart), then the drain and every check. It runs its own
// redis-server, which CI installs (.ci/run); elsewhere the test says how to get it when it is missing.
const haveRedis = await haveRedisServer();
if (!haveRedis && process.env.CI) throw new Error('CI needs redis-server on the PATH: apt-get install redis-server');
if (!haveRedis) console.warn('soak test skipped: no redis-server on the PATH (apt-get install redis-server)');

describe.skipIf(!haveRedis)('the soak', () => {
  // About 3 minutes alone; on two cores beside the other test files it takes longer.
  it('2 minutes at seed 7, mock provider, 2 workers: every fault kind injected, VERDICT: PASS', {
    timeout: 6 * 60_000,
  }, async () => {
    const progress: string[] = [];
    const result = await runSoak({
      minutes: 2,
      seed: 7,
      provider: 'mock',
      workers: 2,
      // Light, beside the other test files: 50 payments/s in batches of 100-500.
      rate: 50,
      batchMin: 100,
      batchMax: 500,
      inFlight: 2,
      maxBacklog: 500,
      affiliates: 1000,
      // Few connections: other test files run beside it on the same Postgres.
      concurrency: 5,
      latencyMs: 20,
      meanGapSeconds: 30,
      drainSeconds: 120,
      serverUrl: testServerUrl(),
      keepLogs: false,
      keepDatabase: false,
      log: (line) => progress.push(line),
      signal: new AbortController().signal,
    });
    const report = result.report.join('\n');
    console.log(`${progress.join('\n')}\n${report}`);

    const injected = injectedByKind(result.records);
    for (const kind of faultKindsOf('mock')) expect(injected[kind] ?? 0, `${kind} injected`).toBeGreaterThanOrEqual(1);
    expect(result.report.at(-1), report).toBe('VERDICT: PASS');
    expect(result.pass).toBe(true);
  });
});
