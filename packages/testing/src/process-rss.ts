import { readdirSync, readFileSync } from 'node:fs';

/** Bytes of a process's resident set (VmRSS in /proc/<pid>/status); 0 once it is gone. */
function vmRss(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The children of every thread of a process (/proc/<pid>/task/<tid>/children). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .split(' ')
        .filter((s) => s.trim() !== '')
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** Resident bytes of a process and of all its descendants: a wrapper (tsx's CLI) counts with its node. */
export function treeRss(pid: number): number {
  return vmRss(pid) + childrenOf(pid).reduce((sum, child) => sum + treeRss(child), 0);
}

export interface RssSampler {
  /** Peak resident bytes of each sampled process (with its descendants), in the order given. */
  stop(): number[];
}

/** Samples every `everyMs`; `read` answers the resident bytes of each process sampled. */
export function sampleRss(read: () => number[], everyMs = 100): RssSampler {
  let peaks = read();
  const timer = setInterval(() => {
    peaks = read().map((bytes, i) => Math.max(bytes, peaks[i] ?? 0));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      peaks = read().map((bytes, i) => Math.max(bytes, peaks[i] ?? 0));
      return peaks;
    },
  };
}
