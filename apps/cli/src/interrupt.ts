import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Interrupt {
  /** Aborted on the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** 128 + the signal's number (130 for Ctrl-C) once one arrived. */
  exitCode(): number | undefined;
  /**
   * Stops listening, unless a signal arrived: then the relayed copies still on their way must not kill
   * the exiting process by their default action.
   */
  dispose(): void;
}

/**
 * Turns Ctrl-C (or SIGTERM) into an aborted signal, so a command that waits can stop quietly and exit
 * 128 + n. A wrapper such as pnpm relays the same Ctrl-C once or twice a moment later: those are
 * ignored; a second one after a second means "stop now" and exits at once.
 */
export function listenForInterrupt(): Interrupt {
  const controller = new AbortController();
  let code: number | undefined;
  let firstAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (code !== undefined) {
      if (Date.now() - firstAt > 1_000) process.exit(code);
      return;
    }
    code = 128 + constants.signals[signal];
    firstAt = Date.now();
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    exitCode: () => code,
    dispose() {
      if (code !== undefined) return;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Waits `ms`; false when `signal` aborted first (or already had). */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
