import { describe, expect, it } from 'vitest';
import { findSample, parsePrometheusText } from '../src/prometheus-text.ts';

const valid = `# HELP jobs_total Jobs done, by queue\\nand state \\\\ escaped
# TYPE jobs_total counter
jobs_total{queue="pay",state="a \\"quoted\\" \\\\ value\\n"} 3
jobs_total{queue="finalize",} 0 1700000000000

# TYPE lag gauge
lag -Inf
# a comment
# HELP wait_seconds Waits
# TYPE wait_seconds histogram
wait_seconds_bucket{op="send",le="0.1"} 1
wait_seconds_bucket{op="send",le="1"} 2
wait_seconds_bucket{op="send",le="+Inf"} 2
wait_seconds_sum{op="send"} 0.75
wait_seconds_count{op="send"} 2
`;

describe('parsePrometheusText', () => {
  it('reads families, help, labels with escapes, values and histograms', () => {
    const families = parsePrometheusText(valid);
    expect([...families.keys()]).toEqual(['jobs_total', 'lag', 'wait_seconds']);
    expect(families.get('jobs_total')?.help).toBe('Jobs done, by queue\nand state \\ escaped');
    expect(findSample(families, 'jobs_total', { queue: 'pay', state: 'a "quoted" \\ value\n' })?.raw).toBe('3');
    expect(findSample(families, 'jobs_total', { queue: 'finalize' })?.value).toBe(0);
    expect(findSample(families, 'lag')?.value).toBe(Number.NEGATIVE_INFINITY);
    expect(findSample(families, 'wait_seconds_count', { op: 'send' })?.value).toBe(2);
    expect(findSample(families, 'wait_seconds_bucket', { op: 'send', le: '+Inf' })?.value).toBe(2);
    expect(findSample(families, 'jobs_total', { queue: 'pay' })).toBeUndefined();
  });

  it.each([
    ['no final newline', valid.trimEnd(), 'no final newline'],
    ['a sample without a TYPE line', 'orphan 1\n', 'without a # TYPE'],
    ['a bad metric name', '# TYPE 1abc counter\n1abc 1\n', 'bad metric name'],
    ['an unknown type', '# TYPE a countr\na 1\n', 'unknown type'],
    ['a second TYPE', '# TYPE a counter\n# TYPE a counter\na 1\n', 'a second TYPE'],
    ['TYPE after the samples', '# TYPE a counter\na 1\n# HELP a late\n', 'HELP after the samples'],
    [
      'a family split in two groups',
      '# TYPE a counter\na{x="1"} 1\n# TYPE b gauge\nb 1\na{x="2"} 1\n',
      'not in one group',
    ],
    ['a repeated series', '# TYPE a counter\na{x="1"} 1\na{x="1"} 2\n', 'a repeated series'],
    ['a reserved label name', '# TYPE a counter\na{__x="1"} 1\n', 'bad label name'],
    ['a label twice', '# TYPE a counter\na{x="1",x="2"} 1\n', 'label x twice'],
    ['an unquoted label value', '# TYPE a counter\na{x=1} 1\n', 'without ="value"'],
    ['an unterminated label value', '# TYPE a counter\na{x="1} 1\n', 'unterminated label value'],
    ['a bad escape', '# TYPE a counter\na{x="\\t"} 1\n', 'bad escape'],
    ['labels without a comma', '# TYPE a counter\na{x="1" y="2"} 1\n', 'not separated by a comma'],
    ['a value that is not a number', '# TYPE a gauge\na one\n', 'not a number'],
    ['a hexadecimal value', '# TYPE a gauge\na 0x10\n', 'not a number'],
    ['a fractional timestamp', '# TYPE a gauge\na 1 17.5\n', 'timestamp that is not an integer'],
    ['text after the timestamp', '# TYPE a gauge\na 1 17 more\n', 'text after the timestamp'],
    ['a negative counter', '# TYPE a counter\na -1\n', 'counter below 0'],
    [
      'a histogram without +Inf',
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n',
      'no le=\\"\\+Inf\\" bucket',
    ],
    [
      'a histogram not cumulative',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
      'not cumulative',
    ],
    [
      'a histogram whose count is not +Inf',
      '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n',
      '_count differs',
    ],
    ['a histogram without a sum', '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\n', 'no _sum'],
  ])('refuses %s', (_what, text, problem) => {
    expect(() => parsePrometheusText(text)).toThrow(new RegExp(problem));
  });
});
