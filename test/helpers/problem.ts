import { expect } from 'vitest';

interface Response {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  json: () => any;
}

/**
 * Asserts an RFC 9457 problem answer with the given status and code, and returns its body.
 * Every native error carries type, title, status, code, detail and the request id of the response.
 */
export function expectProblem(res: Response, status: number, code: string): any {
  expect(res.statusCode, res.body).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const problem = res.json();
  expect(problem).toMatchObject({ type: `urn:roster:error:${code}`, status, code });
  expect(typeof problem.title).toBe('string');
  expect(problem.title.length).toBeGreaterThan(0);
  expect(typeof problem.detail).toBe('string');
  expect(problem.requestId).toBe(res.headers['x-request-id']);
  return problem;
}

/** The field names of a problem's `errors` list. */
export function problemFields(res: Response): string[] {
  return (res.json().errors ?? []).map((e: { field: string }) => e.field);
}
