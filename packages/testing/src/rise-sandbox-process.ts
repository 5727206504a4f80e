import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

// A path, not an import: packages never import apps, but tests may run them as processes.
const sandboxDir = path.resolve(import.meta.dirname, '../../../apps/rise-sandbox');

export interface RiseSandboxProcess {
  child: ChildProcess;
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
  /** Everything it printed so far. */
  output(): string;
}

/**
 * Starts the Rise sandbox (apps/rise-sandbox/src/server.ts) and resolves once it listens.
 * Needs DATABASE_URL; RISE_SANDBOX_PORT defaults to 0 here (a free port).
 */
export async function spawnRiseSandbox(env: Record<string, string>): Promise<RiseSandboxProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: sandboxDir,
    env: { ...process.env, RISE_SANDBOX_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /rise-sandbox listening on (\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((code) => reject(new Error(`rise sandbox exited with ${code} before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`rise sandbox did not listen in 30 s:\n${output}`)), 30_000).unref();
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
