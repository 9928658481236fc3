import { expect } from 'vitest';
import type { TestApp } from './app.ts';

/** A console session as a browser holds it: the session cookie and the CSRF token the sign-in answered. */
export interface ConsoleSession {
  cookie: string;
  csrf: string;
}

/** The `name=value` part of a Set-Cookie header. */
export function cookieOf(setCookie: string | string[] | undefined): string {
  const header = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (!header) throw new Error('no set-cookie');
  return header.split(';')[0] as string;
}

/** Signs in to the console (`{ adminToken }` or `{ email, password }`); fails the test unless it answers 200. */
export async function consoleSignIn(t: TestApp, payload: Record<string, string>): Promise<ConsoleSession> {
  const res = await t.call({ method: 'POST', url: '/console/api/session', payload });
  expect(res.statusCode, res.body).toBe(200);
  return { cookie: cookieOf(res.headers['set-cookie']), csrf: res.json().csrfToken };
}

/** The headers of a console request in a session: its cookie, and its CSRF token unless `csrf` is false. */
export const as = (s: ConsoleSession, csrf = true) => ({ cookie: s.cookie, ...(csrf ? { 'x-csrf-token': s.csrf } : {}) });
