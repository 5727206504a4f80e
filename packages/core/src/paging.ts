import { DomainError } from './errors.ts';

/** Keyset paging over (createdAt, id), newest first: stable while rows are added. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface CursorPosition {
  createdAt: Date;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`, 'utf8').toString('base64url');
}

/**
 * The instants Postgres stores and JS writes back as the same `YYYY-MM-DDTHH:mm:ss.sssZ`: years 0001-9999.
 * (Postgres has no year 0, and JS writes years past 9999 as `+010000-...`, which Postgres does not read.)
 */
export const storableInstants = {
  earliest: new Date('0001-01-01T00:00:00.000Z'),
  latest: new Date('9999-12-31T23:59:59.999Z'),
} as const;

export function isStorableInstant(date: Date): boolean {
  const time = date.getTime();
  return time >= storableInstants.earliest.getTime() && time <= storableInstants.latest.getTime();
}

const cursorText = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([A-Za-z0-9_-]{1,100})$/;

/**
 * The position a cursor made by `encodeCursor` holds. Anything else (not canonical base64url, another
 * layout, an id outside the id charset, a date that is not a storable instant) is VALIDATION_FAILED: a
 * cursor is opaque, and nothing but our own reaches the database.
 */
export function decodeCursor(cursor: string): CursorPosition {
  const position = parseCursor(cursor);
  if (!position) throw new DomainError('VALIDATION_FAILED', 'cursor is not one this API issued');
  return position;
}

export function isIssuedCursor(cursor: string): boolean {
  return parseCursor(cursor) !== null;
}

function parseCursor(cursor: string): CursorPosition | null {
  if (cursor.length === 0 || cursor.length > 200) return null;
  const bytes = Buffer.from(cursor, 'base64url');
  // Node skips characters that are not base64url: only a cursor that re-encodes to itself is one we made.
  if (bytes.toString('base64url') !== cursor) return null;
  const match = cursorText.exec(bytes.toString('utf8'));
  const [, iso, id] = match ?? [];
  if (!iso || !id) return null;
  const createdAt = new Date(iso);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== iso || !isStorableInstant(createdAt)) {
    return null;
  }
  return { createdAt, id };
}

/** Rows fetched with `take: limit + 1`: the extra row only says whether there is a next page. */
export function toPage<T extends CursorPosition>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/** Prisma `where` for the rows after a cursor in (createdAt desc, id desc) order. */
export function afterCursor(cursor: string | undefined) {
  if (!cursor) return {};
  const { createdAt, id } = decodeCursor(cursor);
  return { OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] };
}
