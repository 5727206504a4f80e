// Fixed-rate HTTP load with autocannon, and what one run measured.
import autocannon from 'autocannon';

export interface Target {
  /** What the table calls it, e.g. 'GET batches/:id (500 tx)'. */
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** A body per request (called as each is sent), instead of `body`. */
  bodyPerRequest?: () => string;
}

export interface RateOptions {
  baseUrl: string;
  key: string;
  /** Requests per second. */
  rate: number;
  /** How long, at most: `until` may end the run sooner. */
  seconds: number;
  /** Open connections; they must cover rate × latency, or the rate is not reached. */
  connections: number;
  /** Seconds before a request counts as a timeout. */
  timeoutSeconds: number;
  until?: Promise<unknown>;
}

export interface RunResult {
  name: string;
  targetRate: number;
  achievedRate: number;
  /** Milliseconds, of the 2xx answers: a 503 or a 422 is quick and would flatter them. */
  p50: number;
  p99: number;
  max: number;
  /** Answers by status, 2xx included. */
  statuses: Record<string, number>;
  non2xx: number;
  /** Connection errors (refused, reset), timeouts not included. */
  errors: number;
  timeouts: number;
  /** The API's event-loop delay over the run (the median and largest of its per-second means), when known. */
  loopDelay?: { medianMs: number; maxMs: number } | null;
}

/**
 * autocannon's rate limit lets each connection send its share of a second as fast as it can from the start
 * of each second, and all connections share that start: 500/s arrives as one burst a second. So the rate is
 * split over `lanes` instances started 1000/lanes ms apart, each bursting a tenth as much, ten times a second.
 */
const lanes = 10;

/** Sends `target` at `options.rate` requests a second, for `options.seconds` or until `options.until`. */
export async function runAtFixedRate(target: Target, options: RateOptions): Promise<RunResult> {
  const instances: autocannon.Instance[] = [];
  let stopped = false;
  const stopAll = () => {
    stopped = true;
    for (const instance of instances) instance.stop();
  };
  void options.until?.then(stopAll, stopAll);
  const request: autocannon.Request = { method: target.method, path: target.path };
  if (target.body !== undefined) request.body = target.body;
  const { bodyPerRequest } = target;
  if (bodyPerRequest) request.setupRequest = (built) => ({ ...built, body: bodyPerRequest() });

  const results: Promise<autocannon.RawResult>[] = [];
  for (let lane = 0; lane < lanes && !stopped; lane++) {
    const laneRate = Math.floor(options.rate / lanes) + (lane < options.rate % lanes ? 1 : 0);
    if (laneRate === 0) continue;
    const instance = autocannon({
      url: options.baseUrl,
      headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
      requests: [request],
      connections: Math.max(1, Math.ceil(options.connections / lanes)),
      overallRate: laneRate,
      duration: options.seconds,
      timeout: options.timeoutSeconds,
      // With a rate, autocannon 9 adds made-up samples 1 ms apart below every latency (it takes 1/rate in
      // seconds for an interval in ms), which drags p50 towards 0: the latencies are recorded as measured.
      ignoreCoordinatedOmission: true,
      excludeErrorStats: true,
      skipAggregateResult: true,
    });
    instances.push(instance);
    results.push(Promise.resolve(instance));
    await new Promise((resolve) => setTimeout(resolve, 1000 / lanes));
  }
  if (stopped) stopAll();
  const raw = await Promise.all(results);
  const merged = autocannon.aggregateResult(raw, { url: options.baseUrl });
  const statuses = Object.fromEntries(Object.entries(merged.statusCodeStats).map(([s, { count }]) => [s, count]));
  return {
    name: target.name,
    targetRate: options.rate,
    achievedRate: raw.reduce((sum, lane) => sum + lane.totalCompletedRequests / Math.max(lane.duration, 0.001), 0),
    p50: merged.latency.p50,
    p99: merged.latency.p99,
    max: merged.latency.max,
    statuses,
    non2xx: merged.non2xx,
    errors: merged.errors - merged.timeouts,
    timeouts: merged.timeouts,
  };
}

/** Several targets at once, each at its own rate (a mix); one result per target. */
export function runTogether(
  runs: { target: Target; rate: number; connections: number }[],
  options: Omit<RateOptions, 'rate' | 'connections'>,
): Promise<RunResult[]> {
  return Promise.all(runs.map((run) => runAtFixedRate(run.target, { ...options, ...run })));
}
