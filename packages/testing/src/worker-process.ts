import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { metricsUrlIn } from './metrics-url.ts';
import { makeOutputSink, type OutputOptions } from './server-process.ts';

// A path, not an import: packages never import apps, but tests may run them as processes.
const workerDir = path.resolve(import.meta.dirname, '../../../apps/worker');

export interface WorkerProcess {
  child: ChildProcess;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: dies at once, holding whatever it holds. */
  kill(): Promise<void>;
  /** Everything it printed so far. */
  output(): string;
  /** Where its /metrics answers, from the line it logs; null when WORKER_METRICS_PORT is off or was taken. */
  metricsUrl: string | null;
}

/**
 * Starts a real worker process and resolves once it says it started: apps/worker/src/main.ts through
 * tsx, or with `compiled` the built dist/main.js under plain node, as production runs it (`pnpm build` first).
 * WORKER_METRICS_PORT is 0 (a free port) unless `env` says otherwise, so that several workers can run.
 */
export async function spawnWorker(
  env: Record<string, string>,
  options: { compiled?: boolean } & OutputOptions = {},
): Promise<WorkerProcess> {
  const args = options.compiled ? ['--conditions=payouts-dist', 'dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, args, {
    cwd: workerDir,
    env: { ...process.env, LOG_LEVEL: 'info', WORKER_METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const sink = makeOutputSink(options);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let metricsUrl: string | null = null;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running: whoever called has no handle on it.
      child.kill('SIGKILL');
      reject(new Error(`worker did not start in 30 s:\n${sink.text()}`));
    }, 30_000);
    timer.unref();
    let started = false;
    const onData = (chunk: Buffer) => {
      const output = sink.add(chunk);
      if (started || !output.includes('worker started')) return;
      started = true;
      metricsUrl = metricsUrlIn(output);
      clearTimeout(timer);
      resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => sink.add(chunk));
    void exited.then((code) => reject(new Error(`worker exited with ${code} before starting:\n${sink.text()}`)));
  });
  return {
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    output: () => sink.text(),
    // Logged before "worker started".
    metricsUrl,
  };
}
