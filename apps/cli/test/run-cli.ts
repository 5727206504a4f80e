import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a subprocess, the way `pnpm payouts` does (node + tsx). */
export function runCliProcess(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'apps/cli/src/main.ts'), ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface WatchedProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `pattern` in stdout; rejects on exit or after `seconds`. */
  waitFor(pattern: RegExp, seconds: number): Promise<RegExpExecArray>;
}

/** Starts a command with piped output that a test follows while it runs. */
export function startProcess(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; detached?: boolean } = {},
): WatchedProcess {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor(pattern, seconds) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout);
          if (match) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} within ${seconds} s:\n${stdout}\n${stderr}`));
        }, seconds * 1000);
        void exited.then(({ code }) => reject(new Error(`exited with ${code}:\n${stdout}\n${stderr}`)));
        listeners.add(check);
        check();
      });
    },
  };
}

/** The CLI as `pnpm payouts` runs it (node + tsx), followed while it runs. */
export function startCliProcess(args: string[], env: Record<string, string> = {}): WatchedProcess {
  return startProcess(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'apps/cli/src/main.ts'), ...args], {
    env,
  });
}

/**
 * Runs a command line in this process (runCli, as main.ts calls it) with stdout and stderr captured: for
 * command lines refused before any connection, without the seconds a new process takes to start.
 */
export async function runCliInProcess(args: string[]): Promise<CliResult> {
  const { runCli } = await import('../src/cli.ts');
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await runCli(args), stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
