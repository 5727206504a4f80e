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

/** What becomes of a process's output: by default `output()` keeps all of it. */
export interface OutputOptions {
  /** Called with every chunk it prints (stdout and stderr), e.g. to write a log file. */
  onOutput?: (text: string) => void;
  /** Keep only the last this many characters for `output()`: a long-running process must not fill memory. */
  keepOutputChars?: number;
}

/** Appends a chunk to what `output()` returns, within `keepOutputChars`, and hands it to `onOutput`. */
export function makeOutputSink(options: OutputOptions): { add(chunk: Buffer): string; text(): string } {
  let output = '';
  return {
    add(chunk) {
      const text = chunk.toString();
      options.onOutput?.(text);
      output += text;
      const keep = options.keepOutputChars;
      if (keep !== undefined && output.length > keep * 2) output = output.slice(-keep);
      return output;
    },
    text: () => (options.keepOutputChars === undefined ? output : output.slice(-options.keepOutputChars)),
  };
}

/**
 * Runs an app's src/server.ts as a process (a path, not an import: packages never import apps, but tests
 * may run them) and resolves with the URL its `listening` line names, within 30 s.
 */
export async function spawnServer(
  options: {
    /** The app's folder under apps/, e.g. 'api'. */
    app: string;
    env: Record<string, string | undefined>;
    /** Matches the line the server prints once it listens; its first group is the URL. */
    listening: RegExp;
  } & OutputOptions,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: path.resolve(import.meta.dirname, '../../../apps', options.app),
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const sink = makeOutputSink(options);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running: whoever called has no handle on it.
      child.kill('SIGKILL');
      reject(new Error(`${options.app} did not listen in 30 s:\n${sink.text()}`));
    }, 30_000);
    timer.unref();
    let listening = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      const output = sink.add(chunk);
      if (listening) return;
      const match = options.listening.exec(output);
      if (match?.[1]) {
        listening = true;
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => sink.add(chunk));
    void exited.then((code) =>
      reject(new Error(`${options.app} exited with ${code} before listening:\n${sink.text()}`)),
    );
  });
  return {
    child,
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    output: () => sink.text(),
  };
}
