import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

// A path, not an import: packages never import apps, but tests may run them as processes.
const apiDir = path.resolve(import.meta.dirname, '../../../apps/api');

export interface ApiProcess {
  child: ChildProcess;
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
  /** Everything it printed so far. */
  output(): string;
}

/**
 * Starts the API (apps/api/src/server.ts) and resolves once it listens. HOST defaults to 127.0.0.1 and
 * PORT to 0 (a free port) here; LOG_LEVEL must let Fastify's "Server listening at" line through (info).
 */
export async function spawnApi(env: Record<string, string>): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: apiDir,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Server listening at (http:\/\/[^"\s]+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((code) => reject(new Error(`api exited with ${code} before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`api did not listen in 30 s:\n${output}`)), 30_000).unref();
  });
  return {
    child,
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    output: () => output,
  };
}
