import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export interface ChildExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SupervisedChild {
  name: string;
  process: ChildProcess;
  exited: Promise<ChildExit>;
  alive(): boolean;
}

function tsxLoader(): string {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return 'tsx';
  }
}

/**
 * Runs a TypeScript entry file under tsx in its own process group with the given environment (ours by
 * default) and our stdio, or with `output: 'pipe'` its stdout and stderr as streams for us to copy. Its
 * own group: a Ctrl-C in the terminal reaches only us, and we forward it once (otherwise the children
 * would get it twice and could take the second one as "force quit").
 */
export function spawnTsx(
  name: string,
  entryFile: string,
  env: NodeJS.ProcessEnv = process.env,
  output: 'inherit' | 'pipe' = 'inherit',
): SupervisedChild {
  const child = spawn(process.execPath, ['--import', tsxLoader(), entryFile], {
    cwd: path.dirname(path.dirname(entryFile)),
    env,
    stdio: ['inherit', output, output],
    detached: true,
  });
  let running = true;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ name, code, signal });
    });
    child.once('error', (error) => {
      process.stderr.write(`${name}: ${error.message}\n`);
      running = false;
      resolve({ name, code: 1, signal: null });
    });
  });
  return { name, process: child, exited, alive: () => running };
}

export function signalChild(child: SupervisedChild, signal: NodeJS.Signals): void {
  if (!child.alive() || child.process.pid === undefined) return;
  try {
    // The negative pid addresses the child's whole process group.
    process.kill(-child.process.pid, signal);
  } catch {
    child.process.kill(signal);
  }
}

/**
 * Stops children: each gets `signal`, and SIGKILL when it is still running after `forceAfterMs`.
 * Resolves when all have exited.
 */
export async function stopChildren(
  children: readonly SupervisedChild[],
  signal: NodeJS.Signals,
  forceAfterMs: number,
): Promise<ChildExit[]> {
  for (const child of children) signalChild(child, signal);
  const force = setTimeout(() => {
    for (const child of children) {
      if (child.alive()) {
        process.stderr.write(`${child.name} did not stop within ${forceAfterMs} ms: killing it\n`);
        signalChild(child, 'SIGKILL');
      }
    }
  }, forceAfterMs);
  force.unref();
  try {
    return await Promise.all(children.map((c) => c.exited));
  } finally {
    clearTimeout(force);
  }
}

/**
 * Stops children stage by stage: a stage gets its signal once every child of the stages before it has
 * exited (so that a service outlives the processes still using it while they finish their work).
 */
export async function stopInStages(
  stages: readonly (readonly SupervisedChild[])[],
  signal: NodeJS.Signals,
  forceAfterMs: number,
): Promise<ChildExit[]> {
  const exits: ChildExit[] = [];
  for (const stage of stages) exits.push(...(await stopChildren(stage, signal, forceAfterMs)));
  return exits;
}

export function describeExit(exit: ChildExit): string {
  return exit.signal ? `${exit.name} exited on ${exit.signal}` : `${exit.name} exited with code ${exit.code}`;
}
