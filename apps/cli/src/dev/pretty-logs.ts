import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { prettyFactory } from 'pino-pretty';

/** Where readable lines go: process.stdout or process.stderr (a terminal gets colours). */
export interface LineDestination {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** A pino JSON line: pino writes `level` first. */
const pinoLine = /^\{"level":/;

/**
 * Copies `source` line by line to `destination`, each pino JSON line made readable by pino-pretty and
 * every other line as it is. Resolves when `source` has ended.
 */
export async function copyPrettyLines(source: Readable, destination: LineDestination): Promise<void> {
  const prettify = prettyFactory({
    colorize: destination.isTTY === true && !process.env.NO_COLOR,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
  const lines = createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    destination.write(pinoLine.test(line) ? prettify(line) : `${line}\n`);
  });
  await once(lines, 'close');
}
