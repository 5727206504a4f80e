// The SQL a core function sends, recorded as it runs, and explained afterwards: the plans are those of
// the statements the code really sends, with their parameters, not of a copy of them kept here.
import pg from 'pg';

export interface Statement {
  text: string;
  values: unknown[];
}

type Query = (this: pg.Client, ...args: unknown[]) => unknown;

/** Runs `run`, recording every statement sent on any node-postgres connection meanwhile (Prisma's too). */
export async function recordStatements<T>(run: () => Promise<T>): Promise<{ value: T; statements: Statement[] }> {
  const statements: Statement[] = [];
  const prototype = pg.Client.prototype as unknown as { query: Query };
  const original = prototype.query;
  prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [config, values] = args;
    if (typeof config === 'string') {
      statements.push({ text: config, values: Array.isArray(values) ? values : [] });
    } else if (config && typeof config === 'object' && 'text' in config && typeof config.text === 'string') {
      const own = 'values' in config && Array.isArray(config.values) ? config.values : [];
      statements.push({ text: config.text, values: own });
    }
    return original.apply(this, args);
  };
  try {
    return { value: await run(), statements };
  } finally {
    prototype.query = original;
  }
}

/** What a plan says about one statement: its text, the plan, the indexes it reads and its sequential scans. */
export interface ExplainedStatement {
  text: string;
  plan: string[];
  /** False when running it failed in the replay (a write that conflicts): the plan is then EXPLAIN's estimate. */
  analyzed: boolean;
  indexes: string[];
  seqScans: string[];
}

const transactionControl = /^\s*(BEGIN|COMMIT|ROLLBACK|START TRANSACTION|SET TRANSACTION|SAVEPOINT|RELEASE)\b/i;

/**
 * Replays `statements` in order in one DB transaction that is rolled back, running the first of each
 * distinct text that matches `explainIf` as EXPLAIN (ANALYZE, BUFFERS), which executes it too: each is
 * explained in the state the statements before it left, as in the recorded run. Nothing is kept.
 */
export async function explainStatements(
  client: pg.Client,
  statements: readonly Statement[],
  explainIf: RegExp,
): Promise<ExplainedStatement[]> {
  const wanted = new Set<string>();
  let last = -1;
  statements.forEach((s, i) => {
    if (explainIf.test(s.text) && !wanted.has(s.text)) {
      wanted.add(s.text);
      last = i;
    }
  });
  const explained: ExplainedStatement[] = [];
  await client.query('BEGIN');
  try {
    for (const statement of statements.slice(0, last + 1)) {
      if (transactionControl.test(statement.text)) continue;
      if (!wanted.delete(statement.text)) {
        await client.query('SAVEPOINT replay');
        // One that fails is skipped, and the replay goes on without its effects.
        await client.query(statement.text, statement.values).catch(() => client.query('ROLLBACK TO SAVEPOINT replay'));
        continue;
      }
      explained.push(await explainOne(client, statement));
    }
  } finally {
    await client.query('ROLLBACK');
  }
  return explained;
}

async function explainOne(client: pg.Client, statement: Statement): Promise<ExplainedStatement> {
  const plan = async (options: string) => {
    const result = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (${options}) ${statement.text}`,
      statement.values,
    );
    return result.rows.map((row) => row['QUERY PLAN']);
  };
  await client.query('SAVEPOINT explain');
  let analyzed = true;
  let lines: string[];
  try {
    lines = await plan('ANALYZE, BUFFERS');
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT explain');
    analyzed = false;
    lines = await plan('COSTS');
  }
  const all = lines.join('\n');
  return {
    text: statement.text,
    plan: lines,
    analyzed,
    indexes: unique([
      ...all.matchAll(/(?:Index(?: Only)? Scan(?: Backward)? using|Bitmap Index Scan on) "?([\w]+)"?/g),
    ]),
    seqScans: unique([...all.matchAll(/Seq Scan on "?(\w+)"?/g)]),
  };
}

function unique(matches: RegExpMatchArray[]): string[] {
  return [...new Set(matches.map((m) => m[1] ?? ''))];
}
