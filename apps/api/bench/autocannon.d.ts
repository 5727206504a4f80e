// autocannon 9.0 ships no types (and @types/autocannon describes 7): what the load test uses of its API.
declare module 'autocannon' {
  namespace autocannon {
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
      /** Called before each request is sent; its answer is sent. */
      setupRequest?: (request: Request, context: Record<string, unknown>) => Request;
    }

    interface Options {
      url: string;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      requests?: Request[];
      connections?: number;
      overallRate?: number;
      /** Seconds. */
      duration?: number;
      /** Seconds before a request counts as timed out (and its connection is remade). */
      timeout?: number;
      ignoreCoordinatedOmission?: boolean;
      /** Latencies of 2xx answers only. */
      excludeErrorStats?: boolean;
      skipAggregateResult?: boolean;
    }

    /** An instance's result with `skipAggregateResult`: histograms encoded, for aggregateResult. */
    interface RawResult {
      totalCompletedRequests: number;
      totalRequests: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      statusCodeStats: Record<string, { count: number }>;
      /** Seconds. */
      duration: number;
    }

    interface Histogram {
      average: number;
      p50: number;
      p90: number;
      p99: number;
      max: number;
      min: number;
      totalCount: number;
    }

    interface Result {
      latency: Histogram;
      errors: number;
      timeouts: number;
      non2xx: number;
      statusCodeStats: Record<string, { count: number }>;
    }

    interface Instance extends PromiseLike<RawResult> {
      stop(): void;
    }

    function aggregateResult(results: RawResult[], options: { url: string }): Result;
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
