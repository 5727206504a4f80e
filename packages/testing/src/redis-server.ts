import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './free-port.ts';

/** A Redis of a test's (or the soak's) own: a redis-server child without persistence, to kill and start again. */
export interface RedisServer {
  url: string;
  port: number;
  /** Whether a server process of ours is running now. */
  running(): boolean;
  /** SIGKILL: everything it held is gone (no persistence), every client loses its connection. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty). */
  start(): Promise<void>;
  /** FLUSHALL: everything gone, connections kept. */
  flushAll(): Promise<void>;
  /** Answers PING within a second. */
  ping(): Promise<boolean>;
  /** Stops it for good. */
  stop(): Promise<void>;
}

/** True when `redis-server` can be run here. */
export async function haveRedisServer(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('redis-server', ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

async function launch(port: number, onOutput: (text: string) => void): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    // No persistence and no eviction, as the README asks of the queues' Redis; loopback only.
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      onOutput(chunk.toString());
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)));
    setTimeout(() => reject(new Error(`redis-server not ready in 10 s:\n${output}`)), 10_000).unref();
  });
  return child;
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts redis-server on a free port; `onOutput` gets what it prints (its log). */
export async function startRedisServer(onOutput: (text: string) => void = () => {}): Promise<RedisServer> {
  let port = await freePort();
  let child: ChildProcess | undefined;
  // The free port may be taken before redis-server binds it: try another.
  for (let attempt = 1; !child; attempt++) {
    try {
      child = await launch(port, onOutput);
    } catch (error) {
      if (attempt >= 3) throw error;
      port = await freePort();
    }
  }
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
  client.on('error', () => {});
  const admin = async () => {
    if (client.status === 'wait' || client.status === 'end') await client.connect();
    return client;
  };

  return {
    url,
    port,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async kill() {
      const current = child;
      child = undefined;
      if (!current) return;
      current.kill('SIGKILL');
      await exitOf(current);
    },
    async start() {
      if (child) return;
      // The old process is gone and its port free again (SO_REUSEADDR); retried while the kernel lets go.
      for (let attempt = 1; ; attempt++) {
        try {
          child = await launch(port, onOutput);
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    },
    async flushAll() {
      await (await admin()).flushall();
    },
    async ping() {
      try {
        const answer = await Promise.race([
          (await admin()).ping(),
          new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 1000).unref()),
        ]);
        return answer === 'PONG';
      } catch {
        return false;
      }
    },
    async stop() {
      client.disconnect();
      const current = child;
      child = undefined;
      if (!current) return;
      current.kill('SIGTERM');
      await Promise.race([exitOf(current), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      if (current.exitCode === null && current.signalCode === null) current.kill('SIGKILL');
    },
  };
}
