/** The /metrics URL that serveMetrics logs (`metrics listening at http://127.0.0.1:41234/metrics`), if any. */
export function metricsUrlIn(output: string): string | null {
  return /metrics listening at (http:\/\/[^"\s]+)/.exec(output)?.[1] ?? null;
}
