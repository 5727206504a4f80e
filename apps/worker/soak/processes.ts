import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { type OutputOptions, spawnApi, spawnWorker } from '@payouts/testing';

// The API and worker processes of a soak, supervised as an orchestrator would: chaos stops and starts
// them on purpose; any other exit is recorded as unexpected, and the process is started again.

interface Running {
  child: ChildProcess;
  stop(): Promise<number | null>;
}

export interface UnexpectedExit {
  name: string;
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  atMs: number;
  /** The end of what it printed. */
  tail: string;
}

/** One supervised process (the API, or worker N) across its restarts. */
export interface Slot {
  name: string;
  running(): boolean;
  pid(): number | undefined;
  /** Starts it (tried 3 times); resolves once it is up. */
  start(extraEnv?: Record<string, string>): Promise<void>;
  /** Sends the signal and waits for the exit; answers the exit code (null after a signal). */
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<{ pid: number | undefined; code: number | null; ms: number }>;
  /** Restarts on an unexpected exit are off from here on (the soak is stopping). */
  retire(): void;
}

export interface SlotOptions {
  name: string;
  logDir: string;
  /** Milliseconds since the soak started, for the record of unexpected exits. */
  clock: () => number;
  onUnexpectedExit: (exit: UnexpectedExit) => void;
  spawn: (extraEnv: Record<string, string>, output: OutputOptions) => Promise<Running>;
}

const keepOutputChars = 64 * 1024;

export function makeSlot(options: SlotOptions): Slot {
  const log: WriteStream = createWriteStream(path.join(options.logDir, `${options.name}.log`), { flags: 'a' });
  log.on('error', () => {});
  let current: Running | undefined;
  let output = '';
  let expectingExit = false;
  let retired = false;
  let lastExtraEnv: Record<string, string> = {};
  const outputOptions: OutputOptions = {
    onOutput: (text) => {
      log.write(text);
      output = (output + text).slice(-keepOutputChars);
    },
    keepOutputChars,
  };

  let starting: Promise<void> | undefined;
  const startOnce = async (extraEnv: Record<string, string>) => {
    for (let attempt = 1; ; attempt++) {
      try {
        log.write(`\n=== soak: starting ${options.name} at ${new Date().toISOString()} ===\n`);
        const running = await options.spawn(extraEnv, outputOptions);
        current = running;
        watch(running);
        return;
      } catch (error) {
        if (attempt >= 3) throw new Error(`${options.name} did not start 3 times`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
      }
    }
  };

  const watch = (running: Running) => {
    running.child.once('exit', (code, signal) => {
      if (current !== running) return;
      current = undefined;
      if (expectingExit) return;
      log.write(`\n=== soak: ${options.name} exited unexpectedly (code ${code}, signal ${signal}) ===\n`);
      options.onUnexpectedExit({
        name: options.name,
        pid: running.child.pid,
        code,
        signal,
        atMs: options.clock(),
        tail: output.slice(-4000),
      });
      if (retired) return;
      // As an orchestrator would: start it again, with the settings it had.
      setTimeout(() => {
        if (!retired && !current) void slot.start(lastExtraEnv).catch(() => {});
      }, 1000).unref();
    });
  };

  const slot: Slot = {
    name: options.name,
    running: () => current !== undefined,
    pid: () => current?.child.pid,
    async start(extraEnv = {}) {
      // A restart after an unexpected exit may be under way: one start at a time.
      while (starting) await starting.catch(() => {});
      if (current) return;
      lastExtraEnv = extraEnv;
      starting = startOnce(extraEnv);
      try {
        await starting;
      } finally {
        starting = undefined;
      }
    },
    async stop(signal) {
      while (starting) await starting.catch(() => {});
      const running = current;
      if (!running) return { pid: undefined, code: null, ms: 0 };
      const since = Date.now();
      expectingExit = true;
      try {
        const exited = new Promise<number | null>((resolve) => {
          if (running.child.exitCode !== null || running.child.signalCode !== null) resolve(running.child.exitCode);
          else running.child.once('exit', (code) => resolve(code));
        });
        running.child.kill(signal);
        const code = await exited;
        current = undefined;
        log.write(`\n=== soak: ${options.name} stopped by ${signal} (code ${code}) ===\n`);
        return { pid: running.child.pid, code, ms: Date.now() - since };
      } finally {
        expectingExit = false;
      }
    },
    retire() {
      retired = true;
    },
  };
  return slot;
}

export interface SoakProcesses {
  api: Slot;
  workers: Slot[];
  apiUrl: string;
  unexpectedExits: UnexpectedExit[];
  /** SIGTERM everything (SIGKILL after 20 s); answers the exit codes by name. */
  stopAll(): Promise<Record<string, number | null>>;
  /** Synchronous last resort (process exit): SIGKILL whatever still runs. */
  killAll(): void;
}

export interface ProcessesOptions {
  logDir: string;
  clock: () => number;
  apiPort: number;
  apiEnv: Record<string, string>;
  workers: number;
  workerEnv: Record<string, string>;
}

/** Starts the API and the workers, each supervised. */
export async function startProcesses(options: ProcessesOptions): Promise<SoakProcesses> {
  const unexpectedExits: UnexpectedExit[] = [];
  const children = new Set<ChildProcess>();
  const track = <R extends Running>(running: R): R => {
    children.add(running.child);
    running.child.once('exit', () => children.delete(running.child));
    return running;
  };
  const common = {
    logDir: options.logDir,
    clock: options.clock,
    onUnexpectedExit: (exit: UnexpectedExit) => unexpectedExits.push(exit),
  };
  const api = makeSlot({
    ...common,
    name: 'api',
    spawn: async (extra, output) =>
      track(await spawnApi({ ...options.apiEnv, PORT: String(options.apiPort), ...extra }, output)),
  });
  const workers = Array.from({ length: options.workers }, (_, i) =>
    makeSlot({
      ...common,
      name: `worker-${i + 1}`,
      spawn: async (extra, output) => track(await spawnWorker({ ...options.workerEnv, ...extra }, output)),
    }),
  );
  const all = [api, ...workers];
  const killAll = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  try {
    // One at a time: on two cores, tsx compiling three processes at once only makes each slower.
    await api.start();
    for (const worker of workers) await worker.start();
  } catch (error) {
    killAll();
    throw error;
  }
  return {
    api,
    workers,
    apiUrl: `http://127.0.0.1:${options.apiPort}`,
    unexpectedExits,
    async stopAll() {
      for (const slot of all) slot.retire();
      const timer = setTimeout(killAll, 20_000);
      try {
        const codes = await Promise.all(all.map(async (slot) => [slot.name, (await slot.stop('SIGTERM')).code]));
        return Object.fromEntries(codes);
      } finally {
        clearTimeout(timer);
      }
    },
    killAll,
  };
}
