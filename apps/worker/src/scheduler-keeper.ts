import { ensureWorkerSchedulers } from './processors/maintenance.processor.ts';
import type { WorkerDeps } from './worker-deps.ts';

/**
 * Sets the job schedulers now, then checks them every `everyMs` and puts back whatever Redis lost
 * (a flush, a failover without persistence) or someone changed there alone: the reconciler must not
 * stop running because the scheduler that starts it is gone. Answers a function that stops checking.
 */
export async function keepSchedulers(deps: WorkerDeps, everyMs: number): Promise<() => void> {
  await ensureWorkerSchedulers(deps);
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    ensureWorkerSchedulers(deps)
      .catch((error: Error) => deps.logger.error({ err: error.message }, 'could not check the job schedulers'))
      .finally(() => {
        checking = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
