import { createImportWorker } from '../../src/workers/import-worker.ts';
import type { TestApp, TestTenant } from './app.ts';

/** Uploads a file to POST /v1/imports; the raw response. */
export function upload(
  t: TestApp,
  tenant: TestTenant,
  body: string | Buffer,
  type: string,
  query = '',
  headers: Record<string, string> = {},
) {
  return t.call({
    method: 'POST',
    url: `/v1/imports${query ? `?${query}` : ''}`,
    headers: { ...tenant.auth, 'content-type': type, ...headers },
    payload: body,
  });
}

/** Runs every runnable import job in this process (the worker of the test's registry), then answers the job. */
export async function runImports(t: TestApp, batchSize = 3): Promise<void> {
  const worker = createImportWorker(t.registry, {
    batchSize,
    onError: (error) => {
      throw error;
    },
  });
  while (await worker.runOnce()) {
    // Until no job is left.
  }
}

/** Uploads, runs, and answers the finished job and its errors. */
export async function importFile(t: TestApp, tenant: TestTenant, body: string | Buffer, type: string, query = '', batchSize = 3) {
  const created = await upload(t, tenant, body, type, query);
  if (created.statusCode !== 202) throw new Error(`import upload failed: ${created.statusCode} ${created.body}`);
  await runImports(t, batchSize);
  const id = created.json().id as string;
  const job = (await t.call({ method: 'GET', url: `/v1/imports/${id}`, headers: tenant.auth })).json();
  const errors = (await t.call({ method: 'GET', url: `/v1/imports/${id}/errors?limit=1000`, headers: tenant.auth })).json().data;
  return { id, job, errors };
}

/** The tenant's users through the bulk export, NDJSON parsed. */
export async function exportUsers(t: TestApp, tenant: TestTenant, query = ''): Promise<any[]> {
  const res = await t.call({ method: 'GET', url: `/v1/users/export${query ? `?${query}` : ''}`, headers: tenant.auth });
  if (res.statusCode !== 200) throw new Error(`export failed: ${res.statusCode} ${res.body}`);
  return res.body
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

export const ndjson = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n');
