import { type BatchProgress, formatProgressLine, makeRateMeter, settledCount } from './batch-progress.ts';

/** Where progress goes: process.stdout, or a test's stand-in. */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const barWidth = 20;
/** At most one plain line per this many ms, so that a log stays readable. */
const plainLineEveryMs = 1_000;

/**
 * Shows a batch's progress, poll after poll. On a terminal one line is redrawn in place; elsewhere (a
 * pipe, a log file) a plain line is printed when the numbers changed, at most once a second.
 */
export function makeProgressDisplay(out: ProgressOutput, now: () => number = Date.now) {
  const meter = makeRateMeter();
  const tty = out.isTTY === true;
  let last: BatchProgress | undefined;
  let printedNumbers: string | undefined;
  let printedAt = Number.NEGATIVE_INFINITY;
  let drawn = false;

  const plainLine = (progress: BatchProgress) => formatProgressLine(progress, meter.perSecond());
  const ttyLine = (progress: BatchProgress) => {
    const line = formatProgressLine(progress, meter.perSecond(), barWidth);
    // A line that wraps could not be redrawn in place.
    return out.columns && line.length >= out.columns ? line.slice(0, out.columns - 1) : line;
  };

  return {
    update(progress: BatchProgress): void {
      const at = now();
      meter.add(at, settledCount(progress.counts));
      last = progress;
      if (tty) {
        out.write(`\r${ttyLine(progress)}\x1b[K`);
        drawn = true;
        return;
      }
      const numbers = numbersOf(progress);
      if (numbers !== printedNumbers && at - printedAt >= plainLineEveryMs) {
        out.write(`${plainLine(progress)}\n`);
        printedNumbers = numbers;
        printedAt = at;
      }
    },
    /** The batch has settled: its last numbers stay on screen, and go to a log if they have not yet. */
    finish(): void {
      if (tty) {
        if (drawn) out.write('\n');
      } else if (last && numbersOf(last) !== printedNumbers) {
        out.write(`${plainLine(last)}\n`);
      }
    },
    /** Ctrl-C: end the line being redrawn, nothing more. */
    interrupt(): void {
      if (tty && drawn) out.write('\n');
    },
  };
}

function numbersOf(progress: BatchProgress): string {
  return JSON.stringify([progress.status, progress.counts]);
}
