// A strict parser of the Prometheus text exposition format 0.0.4, for tests that check what /metrics serves.
// No npm package parses it strictly (parse-prometheus-text-format, unchanged since 2018, merges the series
// of a labelled histogram), so this one follows the format's documentation, and is stricter in one way:
// every metric family must have its # TYPE line, as prom-client always writes it.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name: `payouts_http_request_duration_seconds_bucket` for a histogram's bucket. */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The value as written, for exact comparisons (`15651`, not a float). */
  raw: string;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string | undefined;
  samples: Sample[];
}

export class PrometheusTextError extends Error {
  override name = 'PrometheusTextError';
  constructor(lineNumber: number, line: string, problem: string) {
    super(`line ${lineNumber}: ${problem}: ${JSON.stringify(line.slice(0, 200))}`);
  }
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
// Go's ParseFloat, as Prometheus reads values: decimals, exponents, Inf and NaN spellings.
const floatValue = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/i;
const timestamp = /^-?\d+$/;

/** Parses one /metrics answer into its families by name; throws PrometheusTextError at the first fault. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new PrometheusTextError(0, text.slice(-40), 'no final newline');
  const families = new Map<string, MetricFamily>();
  const closed = new Set<string>();
  const typed = new Set<string>();
  let current: MetricFamily | undefined;
  const lines = text.split('\n').slice(0, -1);

  for (const [index, line] of lines.entries()) {
    const fail = (problem: string): never => {
      throw new PrometheusTextError(index + 1, line, problem);
    };
    if (line.trim() === '') continue;
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
    if (meta) {
      const [, keyword, name = '', rest = ''] = meta;
      if (!metricName.test(name)) fail('bad metric name');
      if (closed.has(name) || (families.get(name)?.samples.length ?? 0) > 0) fail(`${keyword} after the samples`);
      const family = families.get(name) ?? { name, type: 'untyped', help: undefined, samples: [] };
      if (keyword === 'HELP') {
        if (family.help !== undefined) fail('a second HELP');
        family.help = unescapeText(rest, false, fail);
      } else {
        if (typed.has(name)) fail('a second TYPE');
        if (!types.has(rest as MetricType)) fail('unknown type');
        family.type = rest as MetricType;
        typed.add(name);
      }
      if (current && current.name !== name) closed.add(current.name);
      families.set(name, family);
      current = family;
      continue;
    }
    if (line.startsWith('#')) continue;

    const sample = parseSampleLine(line, fail);
    const family = familyOf(sample.name, families);
    if (!family || !typed.has(family.name)) return fail('a sample without a # TYPE line');
    if (closed.has(family.name) || (current && current !== family && family.samples.length > 0)) {
      fail(`the samples of ${family.name} are not in one group`);
    }
    if (current && current !== family) closed.add(current.name);
    current = family;
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (family.samples.some((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}` === key)) {
      fail('a repeated series');
    }
    family.samples.push(sample);
  }

  for (const family of families.values()) checkFamily(family);
  return families;
}

/** The sample of that exact name and label set; undefined when absent. */
export function findSample(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): Sample | undefined {
  const family = familyOf(name, families);
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return family?.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted);
}

function familyOf(sampleName: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const own = families.get(sampleName);
  if (own) return own;
  const suffix = /_(bucket|sum|count)$/.exec(sampleName);
  if (!suffix) return undefined;
  const base = families.get(sampleName.slice(0, -suffix[0].length));
  if (base?.type === 'histogram') return base;
  if (base?.type === 'summary' && suffix[1] !== 'bucket') return base;
  return undefined;
}

function parseSampleLine(line: string, fail: (problem: string) => never): Sample {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? fail('bad metric name');
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const label = /^[^=]*/.exec(line.slice(at))?.[0] ?? '';
      if (!labelName.test(label) || label.startsWith('__')) fail(`bad label name ${JSON.stringify(label)}`);
      if (label in labels) fail(`label ${label} twice`);
      at += label.length;
      if (line.slice(at, at + 2) !== '="') fail('a label without ="value"');
      at += 2;
      let raw = '';
      while (at < line.length && line[at] !== '"') {
        raw += line[at] === '\\' ? `${line[at]}${line[at + 1] ?? ''}` : line[at];
        at += line[at] === '\\' ? 2 : 1;
      }
      if (line[at] !== '"') fail('an unterminated label value');
      labels[label] = unescapeText(raw, true, fail);
      at++;
      if (line[at] === ',') at++;
      else if (line[at] !== '}') fail('labels not separated by a comma');
    }
    at++;
  }
  const rest = line.slice(at);
  if (!rest.startsWith(' ')) fail('no space before the value');
  const [raw = '', stamp, extra] = rest.trim().split(/\s+/);
  if (!floatValue.test(raw)) fail('a value that is not a number');
  if (stamp !== undefined && !timestamp.test(stamp)) fail('a timestamp that is not an integer');
  if (extra !== undefined) fail('text after the timestamp');
  return { name, labels, value: Number(raw.replace(/inf/i, 'Infinity').replace(/^nan$/i, 'NaN')), raw };
}

/** HELP text knows \\ and \n; label values also \". Anything else after a backslash is an error. */
function unescapeText(text: string, quoted: boolean, fail: (problem: string) => never): string {
  return text.replace(/\\(.?)/g, (_, next: string) => {
    if (next === '\\') return '\\';
    if (next === 'n') return '\n';
    if (next === '"' && quoted) return '"';
    return fail(`a bad escape \\${next}`);
  });
}

function checkFamily(family: MetricFamily) {
  const problem = (what: string) => new PrometheusTextError(0, family.name, what);
  for (const sample of family.samples) {
    if (family.type === 'counter' && !(sample.value >= 0)) throw problem('a counter below 0 or NaN');
  }
  if (family.type !== 'histogram') return;
  // Per series (labels without le): cumulative buckets ending at +Inf, which equals _count; a _sum.
  const series = new Map<string, { buckets: Sample[]; count?: number; sum?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    if (sample.name.endsWith('_bucket')) {
      if (le === undefined || !floatValue.test(le)) throw problem('a bucket without a numeric le');
      entry.buckets.push(sample);
    } else if (sample.name.endsWith('_count')) entry.count = sample.value;
    else if (sample.name.endsWith('_sum')) entry.sum = sample.value;
    else throw problem(`a histogram sample ${sample.name}`);
    series.set(key, entry);
  }
  for (const [key, entry] of series) {
    const bounds = entry.buckets.map((b) => Number((b.labels.le ?? '').replace(/inf/i, 'Infinity')));
    const last = entry.buckets.at(-1);
    if (!last || bounds.at(-1) !== Number.POSITIVE_INFINITY) throw problem(`${key}: no le="+Inf" bucket`);
    for (let i = 1; i < bounds.length; i++) {
      if (!((bounds[i] ?? 0) > (bounds[i - 1] ?? 0))) throw problem(`${key}: buckets not in increasing le order`);
      if ((entry.buckets[i]?.value ?? 0) < (entry.buckets[i - 1]?.value ?? 0)) throw problem(`${key}: not cumulative`);
    }
    if (entry.count !== last.value) throw problem(`${key}: _count differs from the +Inf bucket`);
    if (entry.sum === undefined) throw problem(`${key}: no _sum`);
  }
}
