// The API's event-loop delay while a run goes on, read from its /metrics once a second.

/**
 * prom-client's nodejs_eventloop_lag_mean_seconds is the mean over the 10 ms timer samples taken since the
 * last scrape, its 10 ms included: less 10 ms, it is what @fastify/under-pressure compares with
 * MAX_EVENT_LOOP_DELAY_MS (its mean over each second).
 */
export function watchEventLoopDelay(metricsUrl: string | null) {
  const delays: number[] = [];
  let watching = metricsUrl !== null;
  const done = (async () => {
    while (watching && metricsUrl) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const text = await fetch(metricsUrl)
        .then((response) => response.text())
        .catch(() => '');
      const mean = /^nodejs_eventloop_lag_mean_seconds (\S+)$/m.exec(text)?.[1];
      if (mean !== undefined) delays.push(Math.max(0, Number(mean) * 1000 - 10));
    }
  })();
  return {
    /** The largest and the median of the per-second means, in ms; null without a metrics URL. */
    async stop(): Promise<{ maxMs: number; medianMs: number } | null> {
      watching = false;
      await done;
      if (delays.length === 0) return null;
      const sorted = [...delays].sort((a, b) => a - b);
      return { maxMs: sorted.at(-1) ?? 0, medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0 };
    },
  };
}
