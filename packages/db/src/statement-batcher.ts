/**
 * Groups the requests of concurrent payments into one statement each, the way a database groups commits:
 * a request goes out at once while fewer than `maxInFlight` statements are running, and waits for the
 * next statement otherwise, so an idle system adds no delay and a busy one sends one round trip for many
 * payments. Requests with the same key never share a statement (one row must not be written twice by
 * one statement): a repeat waits for the next one.
 */
export interface BatcherOptions<I, O> {
  maxBatch: number;
  maxInFlight: number;
  keyOf(item: I): string;
  /** Answers one result per item, in order; a throw fails every item of the statement. */
  run(items: I[]): Promise<O[]>;
}

interface Waiting<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}

export function makeBatcher<I, O>(options: BatcherOptions<I, O>): (item: I) => Promise<O> {
  let waiting: Waiting<I, O>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const send = (batch: Waiting<I, O>[]) => {
    inFlight++;
    options
      .run(batch.map((w) => w.item))
      .then(
        (results) => {
          for (const [n, w] of batch.entries()) w.resolve(results[n] as O);
        },
        (error: unknown) => {
          for (const w of batch) w.reject(error);
        },
      )
      .finally(() => {
        inFlight--;
        pump();
      });
  };

  function pump() {
    scheduled = false;
    while (inFlight < options.maxInFlight && waiting.length > 0) {
      const batch: Waiting<I, O>[] = [];
      const keys = new Set<string>();
      const later: Waiting<I, O>[] = [];
      for (const w of waiting) {
        const key = options.keyOf(w.item);
        if (batch.length < options.maxBatch && !keys.has(key)) {
          keys.add(key);
          batch.push(w);
        } else later.push(w);
      }
      waiting = later;
      send(batch);
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      // Requests made in the same turn of the event loop go out together.
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(pump);
      }
    });
}

/** One batcher per key object (a database client): made on first use, forgotten with the object. */
export function batcherPer<K extends object, I, O>(make: (owner: K) => (item: I) => Promise<O>) {
  const batchers = new WeakMap<K, (item: I) => Promise<O>>();
  return (owner: K) => {
    let batcher = batchers.get(owner);
    if (!batcher) {
      batcher = make(owner);
      batchers.set(owner, batcher);
    }
    return batcher;
  };
}
