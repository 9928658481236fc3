import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock.ts';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../helpers/app.ts';

const HOUR = 3600_000;
const clock = fixedClock(new Date('2026-06-01T08:00:00Z'));
let t: TestApp;
let secure: TestApp;

beforeAll(async () => {
  t = await createTestApp({ console: true, clock });
  secure = await createTestApp({ console: true, clock, config: { publicUrl: 'https://roster.example.com' } });
});
afterAll(async () => {
  await t.close();
  await secure.close();
});

async function signIn(app: TestApp): Promise<{ cookie: string; header: string }> {
  const res = await app.call({ method: 'POST', url: '/console/api/session', payload: { adminToken: ADMIN_TOKEN } });
  expect(res.statusCode).toBe(200);
  const header = String(res.headers['set-cookie']);
  return { cookie: header.split(';')[0] as string, header };
}

const alive = async (app: TestApp, cookie: string) =>
  (await app.call({ method: 'GET', url: '/console/api/session', headers: { cookie } })).statusCode;

describe('console sessions', () => {
  it('end after 12 hours without a request', async () => {
    const { cookie } = await signIn(t);
    clock.advance(11 * HOUR);
    expect(await alive(t, cookie)).toBe(200);
    // The request above counted as activity: 12 h from it, not from sign-in.
    clock.advance(11 * HOUR);
    expect(await alive(t, cookie)).toBe(200);
    clock.advance(12 * HOUR + 60_000);
    expect(await alive(t, cookie)).toBe(401);
  });

  it('end 7 days after sign-in however active', async () => {
    const { cookie } = await signIn(t);
    // A request every 12 h keeps it from going idle: still alive at 156 h…
    for (let half = 0; half < 13; half++) {
      clock.advance(12 * HOUR);
      expect(await alive(t, cookie)).toBe(200);
    }
    // …and over at 168 h (7 days).
    clock.advance(12 * HOUR);
    expect(await alive(t, cookie)).toBe(401);
  });

  it('under https: the __Host- prefix and Secure', async () => {
    const { cookie, header } = await signIn(secure);
    expect(header).toMatch(/^__Host-roster_console=/);
    expect(header).toMatch(/; Secure/);
    expect(header).toMatch(/; Path=\//);
    expect(header).not.toMatch(/Domain=/i);
    expect(await alive(secure, cookie)).toBe(200);
  });
});
