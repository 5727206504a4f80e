import { z } from 'zod';

export const operations = ['prepare', 'execute', 'lookup', 'auth', 'any'] as const;
export type Operation = Exclude<(typeof operations)[number], 'any'>;

export const faultSchema = z.strictObject({
  operation: z.enum(operations),
  kind: z.enum(['status500', 'status429', 'timeoutAfterPay', 'delay']),
  count: z.number().int().positive().default(1),
  retryAfterSeconds: z.number().int().nonnegative().optional(),
  delayMs: z.number().int().nonnegative().max(600_000).optional(),
});
export type FaultSpec = z.infer<typeof faultSchema>;

export interface Fault extends FaultSpec {
  remaining: number;
}

/** Scripted faults, consumed in the order they were added, one per matching call. */
export interface FaultScript {
  add(spec: FaultSpec): void;
  take(operation: Operation): Fault | undefined;
  pending(): Fault[];
  clear(): void;
}

export function makeFaultScript(): FaultScript {
  let faults: Fault[] = [];
  return {
    add(spec) {
      faults.push({ ...spec, remaining: spec.count });
    },
    take(operation) {
      const fault = faults.find((f) => f.remaining > 0 && (f.operation === operation || f.operation === 'any'));
      if (!fault) return undefined;
      fault.remaining -= 1;
      faults = faults.filter((f) => f.remaining > 0);
      return fault;
    },
    pending: () => faults.map((f) => ({ ...f })),
    clear() {
      faults = [];
    },
  };
}
