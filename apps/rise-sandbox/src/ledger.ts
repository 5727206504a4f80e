import type pg from 'pg';
import type { MemberSeed, OnboardingStatus, SandboxTeam } from './config.ts';
import { nanoid } from './ids.ts';

// The sandbox stands in for an external service: its own schema, created here, never by the project's migrations.
const schemaSql = `
CREATE SCHEMA IF NOT EXISTS rise_sandbox;
CREATE TABLE IF NOT EXISTS rise_sandbox.teams (
  nanoid text PRIMARY KEY,
  balance_cents bigint NOT NULL CHECK (balance_cents >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS rise_sandbox.members (
  team text NOT NULL,
  nanoid text NOT NULL,
  email text NOT NULL,
  first_name text NOT NULL DEFAULT '',
  last_name text NOT NULL DEFAULT '',
  riseid text NOT NULL,
  onboarding_status text NOT NULL,
  can_receive_payments boolean NOT NULL,
  PRIMARY KEY (team, nanoid)
);
CREATE TABLE IF NOT EXISTS rise_sandbox.payments (
  nanoid text PRIMARY KEY,
  group_nanoid text NOT NULL,
  team text NOT NULL,
  recipient text NOT NULL,
  amount_cents bigint NOT NULL CHECK (amount_cents > 0),
  invoice_nanoid text NOT NULL,
  invoice_description text NOT NULL,
  state text NOT NULL,
  salt text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS payments_team_recipient_idx ON rise_sandbox.payments (team, recipient, created_at);
CREATE INDEX IF NOT EXISTS payments_salt_idx ON rise_sandbox.payments (salt);
`;

export interface Member {
  nanoid: string;
  email: string;
  first_name: string;
  last_name: string;
  riseid: string;
  onboarding_status: OnboardingStatus;
  can_receive_payments: boolean;
}

export interface PaymentRow {
  nanoid: string;
  group_nanoid: string;
  team: string;
  recipient: string;
  amount_cents: number;
  invoice_nanoid: string;
  invoice_description: string;
  state: string;
  salt: string;
  created_at: string;
  updated_at: string;
}

/** bigint columns arrive as strings; cents stay exact integers (checked to be safe). */
export function toCents(value: string | number): number {
  const cents = Number(value);
  if (!Number.isSafeInteger(cents)) throw new Error(`not a safe integer amount of cents: ${value}`);
  return cents;
}

async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Creates the schema (idempotent; an advisory lock keeps concurrent starts from racing) and seeds the team. */
export async function ensureLedger(pool: pg.Pool, team: SandboxTeam): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('rise_sandbox.schema'))`);
    await client.query(schemaSql);
    // A restart keeps the balance it had; only a new team starts from the configured one.
    await client.query(
      'INSERT INTO rise_sandbox.teams (nanoid, balance_cents) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [team.nanoid, team.initialBalanceCents],
    );
  });
  await upsertMembers(pool, team.nanoid, team.members);
}

/** Empties the ledger and seeds the configured team again. */
export async function resetLedger(pool: pg.Pool, team: SandboxTeam): Promise<void> {
  await pool.query('TRUNCATE rise_sandbox.payments, rise_sandbox.members, rise_sandbox.teams');
  await ensureLedger(pool, team);
}

export function memberFromSeed(seed: MemberSeed): Member {
  const status = seed.onboarding_status ?? 'approved';
  return {
    nanoid: seed.nanoid,
    email: seed.email,
    first_name: seed.first_name ?? '',
    last_name: seed.last_name ?? '',
    // [ours] a member's RiseID defaults to its nanoid when none is given.
    riseid: seed.riseid ?? seed.nanoid,
    onboarding_status: status,
    can_receive_payments: seed.can_receive_payments ?? status === 'approved',
  };
}

export async function upsertMembers(pool: pg.Pool, team: string, seeds: MemberSeed[]): Promise<Member[]> {
  const members = seeds.map(memberFromSeed);
  for (const m of members) {
    await pool.query(
      `INSERT INTO rise_sandbox.members (team, nanoid, email, first_name, last_name, riseid, onboarding_status, can_receive_payments)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (team, nanoid) DO UPDATE SET email = $3, first_name = $4, last_name = $5, riseid = $6,
         onboarding_status = $7, can_receive_payments = $8`,
      [team, m.nanoid, m.email, m.first_name, m.last_name, m.riseid, m.onboarding_status, m.can_receive_payments],
    );
  }
  return members;
}

const memberColumns = 'nanoid, email, first_name, last_name, riseid, onboarding_status, can_receive_payments';

export async function listMembers(pool: pg.Pool, team: string): Promise<Member[]> {
  const { rows } = await pool.query<Member>(
    `SELECT ${memberColumns} FROM rise_sandbox.members WHERE team = $1 ORDER BY nanoid`,
    [team],
  );
  return rows;
}

export async function findMember(pool: pg.Pool, team: string, nanoid: string): Promise<Member | undefined> {
  const { rows } = await pool.query<Member>(
    `SELECT ${memberColumns} FROM rise_sandbox.members WHERE team = $1 AND nanoid = $2`,
    [team, nanoid],
  );
  return rows[0];
}

export async function getBalance(pool: pg.Pool, team: string): Promise<number | undefined> {
  const { rows } = await pool.query<{ balance_cents: string }>(
    'SELECT balance_cents FROM rise_sandbox.teams WHERE nanoid = $1',
    [team],
  );
  return rows[0] ? toCents(rows[0].balance_cents) : undefined;
}

/** Sets the balance, or adds to it; creates the team when it is new. */
export async function setBalance(
  pool: pg.Pool,
  team: string,
  change: { set: number } | { add: number },
): Promise<number> {
  const { rows } = await pool.query<{ balance_cents: string }>(
    'set' in change
      ? `INSERT INTO rise_sandbox.teams (nanoid, balance_cents) VALUES ($1, $2)
         ON CONFLICT (nanoid) DO UPDATE SET balance_cents = $2, updated_at = now() RETURNING balance_cents`
      : `INSERT INTO rise_sandbox.teams (nanoid, balance_cents) VALUES ($1, $2)
         ON CONFLICT (nanoid) DO UPDATE SET balance_cents = rise_sandbox.teams.balance_cents + $2, updated_at = now()
         RETURNING balance_cents`,
    [team, 'set' in change ? change.set : change.add],
  );
  return toCents(rows[0]?.balance_cents ?? '0');
}

export type ExecuteOutcome =
  | { kind: 'paid'; groupNanoid: string; payments: PaymentRow[] }
  | { kind: 'salt_used' }
  | { kind: 'insufficient_balance' };

/**
 * Pays every entry or nothing. The team row lock serialises executions of one team, so a salt is
 * checked and spent atomically and the balance never goes below zero.
 */
export async function executePayments(
  pool: pg.Pool,
  input: {
    team: string;
    salt: string;
    data: { recipient: string; amount_cents: number; invoice_description: string }[];
  },
): Promise<ExecuteOutcome> {
  return inTransaction(pool, async (client) => {
    const team = await client.query<{ balance_cents: string }>(
      'SELECT balance_cents FROM rise_sandbox.teams WHERE nanoid = $1 FOR UPDATE',
      [input.team],
    );
    const used = await client.query('SELECT 1 FROM rise_sandbox.payments WHERE salt = $1 LIMIT 1', [input.salt]);
    if (used.rowCount) return { kind: 'salt_used' } as const;
    const balance = toCents(team.rows[0]?.balance_cents ?? '0');
    const total = input.data.reduce((sum, d) => sum + d.amount_cents, 0);
    if (!Number.isSafeInteger(total) || total > balance) return { kind: 'insufficient_balance' } as const;
    await client.query(
      'UPDATE rise_sandbox.teams SET balance_cents = balance_cents - $2, updated_at = now() WHERE nanoid = $1',
      [input.team, total],
    );
    const groupNanoid = nanoid('pg');
    const payments: PaymentRow[] = [];
    for (const d of input.data) {
      const { rows } = await client.query<PaymentRow>(
        `INSERT INTO rise_sandbox.payments
           (nanoid, group_nanoid, team, recipient, amount_cents, invoice_nanoid, invoice_description, state, salt)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'complete', $8) RETURNING ${paymentColumns}`,
        [
          nanoid('pa'),
          groupNanoid,
          input.team,
          d.recipient,
          d.amount_cents,
          nanoid('iv'),
          d.invoice_description,
          input.salt,
        ],
      );
      payments.push(paymentFromRow(rows[0] as PaymentRow));
    }
    return { kind: 'paid', groupNanoid, payments } as const;
  });
}

const paymentColumns = `nanoid, group_nanoid, team, recipient, amount_cents, invoice_nanoid, invoice_description, state, salt,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at`;

function paymentFromRow(row: PaymentRow): PaymentRow {
  return { ...row, amount_cents: toCents(row.amount_cents) };
}

export async function queryPayments(
  pool: pg.Pool,
  filter: { team?: string; recipient?: string; state?: string; startDate?: string; endDate?: string },
): Promise<PaymentRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.team) add('team = ?', filter.team);
  if (filter.recipient) add('recipient = ?', filter.recipient);
  if (filter.state) add('lower(state) = lower(?)', filter.state);
  // Dates are whole UTC days, both ends inclusive.
  if (filter.startDate) add(`created_at >= (?::date)::timestamp AT TIME ZONE 'UTC'`, filter.startDate);
  if (filter.endDate) add(`created_at < ((?::date) + 1)::timestamp AT TIME ZONE 'UTC'`, filter.endDate);
  const { rows } = await pool.query<PaymentRow>(
    `SELECT ${paymentColumns} FROM rise_sandbox.payments
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, nanoid`,
    params,
  );
  return rows.map(paymentFromRow);
}

/** Marks a payment removed and gives its amount back to the team [ours: a removed payment moved no money]. */
export async function removePayment(pool: pg.Pool, nanoid: string): Promise<PaymentRow | undefined> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<PaymentRow>(
      `UPDATE rise_sandbox.payments SET state = 'removed', updated_at = now()
       WHERE nanoid = $1 AND state <> 'removed' RETURNING ${paymentColumns}`,
      [nanoid],
    );
    const row = rows[0];
    if (!row) return undefined;
    await client.query(
      'UPDATE rise_sandbox.teams SET balance_cents = balance_cents + $2, updated_at = now() WHERE nanoid = $1',
      [row.team, row.amount_cents],
    );
    return paymentFromRow(row);
  });
}

export async function ledgerTotals(pool: pg.Pool) {
  const { rows } = await pool.query<{ state: string; count: string; amount_cents: string }>(
    `SELECT state, count(*) AS count, sum(amount_cents) AS amount_cents FROM rise_sandbox.payments GROUP BY state`,
  );
  const byState: Record<string, { count: number; amount_cents: number }> = {};
  for (const r of rows) byState[r.state] = { count: Number(r.count), amount_cents: toCents(r.amount_cents) };
  const { rows: teams } = await pool.query<{ nanoid: string; balance_cents: string }>(
    'SELECT nanoid, balance_cents FROM rise_sandbox.teams ORDER BY nanoid',
  );
  return {
    byState,
    liveAmountCents: rows.filter((r) => r.state !== 'removed').reduce((s, r) => s + toCents(r.amount_cents), 0),
    balances: teams.map((t) => ({ team: t.nanoid, balance_cents: toCents(t.balance_cents) })),
  };
}

export async function saltUsed(pool: pg.Pool, salt: string): Promise<boolean> {
  const { rowCount } = await pool.query('SELECT 1 FROM rise_sandbox.payments WHERE salt = $1 LIMIT 1', [salt]);
  return Boolean(rowCount);
}

export async function emailsOf(pool: pg.Pool, team: string, nanoids: string[]): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ nanoid: string; email: string }>(
    'SELECT nanoid, email FROM rise_sandbox.members WHERE team = $1 AND nanoid = ANY($2)',
    [team, nanoids],
  );
  return new Map(rows.map((r) => [r.nanoid, r.email]));
}
