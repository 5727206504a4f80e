import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

/** Streams CSV text as a download named `fileName`; never cached (it holds payment data). */
export function sendCsv(reply: FastifyReply, csv: Readable, fileName: string) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${fileName}"`)
    .header('cache-control', 'no-store')
    .send(csv);
}
