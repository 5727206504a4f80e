import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export interface ServerProcess {
  child: ChildProcess;
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
  /** Everything it printed so far. */
  output(): string;
}

/**
 * Runs an app's src/server.ts as a process (a path, not an import: packages never import apps, but tests
 * may run them) and resolves with the URL its `listening` line names, within 30 s.
 */
export async function spawnServer(options: {
  /** The app's folder under apps/, e.g. 'api'. */
  app: string;
  env: Record<string, string | undefined>;
  /** Matches the line the server prints once it listens; its first group is the URL. */
  listening: RegExp;
}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: path.resolve(import.meta.dirname, '../../../apps', options.app),
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = options.listening.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((code) => reject(new Error(`${options.app} exited with ${code} before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`${options.app} did not listen in 30 s:\n${output}`)), 30_000).unref();
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
