/** `roster.imports` and `roster.exports`: bulk jobs (a file in, polled to the end) and streamed exports. */
import { RosterError } from '../errors.ts';
import { type RequestOptions, seg, type Transport } from '../http.ts';
import { PagedList } from '../pagination.ts';
import type { QueryOf, ResponseBody, User } from '../types.ts';

export type ImportJob = ResponseBody<'getImport'>;
export type ImportRowError = ResponseBody<'listImportErrors'>['data'][number];
export type ImportOptions = QueryOf<'createImport'>;
/** A file: text, bytes, a Blob/File, or a stream (a stream is sent once, never retried). */
export type ImportFile = string | Uint8Array | Blob | ReadableStream<Uint8Array>;

const CONTENT_TYPE = { ndjson: 'application/x-ndjson', csv: 'text/csv', json: 'application/json' } as Record<string, string>;
const DONE = new Set(['succeeded', 'failed', 'cancelled']);

export class Imports {
  constructor(private readonly http: Transport) {}
  /**
   * Uploads a file and queues its import (202 with the job). `format` defaults to NDJSON.
   * @throws RosterError UNSUPPORTED_MEDIA_TYPE, INVALID_PARAMETER, PAYLOAD_TOO_LARGE
   */
  async start(file: ImportFile, options: ImportOptions = {}, request?: RequestOptions): Promise<ImportJob> {
    const format = options.format ?? 'ndjson';
    const contentType = CONTENT_TYPE[format] ?? 'application/octet-stream';
    const query = { ...options, format };
    return (await this.http.send<ImportJob>({ method: 'POST', path: '/v1/imports', query, rawBody: file, contentType, options: request })).data;
  }
  /** A job: status, counts, rate. @throws RosterError IMPORT_NOT_FOUND */
  async get(id: string, options?: RequestOptions): Promise<ImportJob> {
    return (await this.http.send<ImportJob>({ method: 'GET', path: `/v1/imports/${seg(id)}`, options })).data;
  }
  /**
   * Polls a job every `intervalMs` (default 1000) until it succeeded, failed or was cancelled; the final job.
   * @throws the signal's reason when it aborts first.
   */
  async wait(id: string, options: { intervalMs?: number; signal?: AbortSignal; onProgress?: (job: ImportJob) => void } = {}): Promise<ImportJob> {
    for (;;) {
      const job = await this.get(id, { signal: options.signal });
      options.onProgress?.(job);
      if (DONE.has(job.status)) return job;
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, options.intervalMs ?? 1000);
        options.signal?.addEventListener('abort', () => (clearTimeout(timer), reject(options.signal?.reason)), { once: true });
      });
    }
  }
  /** Every job, newest first. */
  list(options?: RequestOptions): PagedList<ImportJob> {
    return new PagedList(
      async (cursor) => (await this.http.send<ResponseBody<'listImports'>>({ method: 'GET', path: '/v1/imports', query: { cursor }, options })).data,
    );
  }
  /** The report: rows the job could not apply, page by page. */
  errors(id: string, options?: RequestOptions): PagedList<ImportRowError> {
    const path = `/v1/imports/${seg(id)}/errors`;
    return new PagedList(
      async (cursor) => (await this.http.send<ResponseBody<'listImportErrors'>>({ method: 'GET', path, query: { cursor }, options })).data,
    );
  }
  /** Cancels a job (rows already applied stay). */
  async cancel(id: string, options?: RequestOptions): Promise<ImportJob> {
    return (await this.http.send<ImportJob>({ method: 'POST', path: `/v1/imports/${seg(id)}/cancel`, options })).data;
  }
}

export class Exports {
  constructor(private readonly http: Transport) {}
  /** The users matching the filters, streamed as NDJSON and parsed a line at a time (memory stays flat). */
  async *users(query: Omit<QueryOf<'exportUsers'>, 'format'> = {}, options?: RequestOptions): AsyncGenerator<User> {
    const res = await this.download({ ...query, format: 'ndjson' }, options);
    const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
    if (!reader) return;
    let buffered = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (value) buffered += value;
      const lines = buffered.split('\n');
      buffered = done ? '' : (lines.pop() ?? '');
      for (const line of lines) if (line.trim()) yield JSON.parse(line) as User;
      if (done) return;
    }
  }
  /** The raw export (NDJSON or CSV) as a Response whose body streams: to pipe into a file. */
  async download(query: QueryOf<'exportUsers'> = {}, options?: RequestOptions): Promise<Response> {
    const answer = await this.http.send<Response>({ method: 'GET', path: '/v1/users/export', query, streamAnswer: true, options });
    if (!answer.data.body) throw new RosterError({ status: answer.status, code: 'NETWORK_ERROR', message: 'the export had no body' });
    return answer.data;
  }
}
