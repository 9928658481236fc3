/** The idempotency store keys by tenant: another tenant's id neither sees, completes nor releases a reservation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  t = await createTestApp();
  a = await createTenant(t);
  b = await createTenant(t);
});
afterAll(() => t.close());

describe('idempotency store is tenant-scoped', () => {
  it("another tenant's id neither completes nor releases a key, and the same key is free there", async () => {
    const store = t.registry.idempotency;
    const key = `iso-${Date.now()}`;
    expect(await store.reserve(a.id, key, 'hash-a')).toEqual({ kind: 'reserved' });

    await store.complete(b.id, key, 201, { stolen: true }, { 'x-from': 'b' });
    expect(await store.reserve(a.id, key, 'hash-a')).toEqual({ kind: 'in_progress' });
    await store.release(b.id, key);
    expect(await store.reserve(a.id, key, 'hash-a')).toEqual({ kind: 'in_progress' });

    // Free in tenant b, whatever request tenant a made with it (no mismatch across tenants).
    expect(await store.reserve(b.id, key, 'hash-b')).toEqual({ kind: 'reserved' });

    await store.complete(a.id, key, 201, { id: 'of-a' }, { etag: '"1"' });
    expect(await store.reserve(a.id, key, 'hash-a')).toEqual({
      kind: 'replay',
      statusCode: 201,
      body: { id: 'of-a' },
      headers: { etag: '"1"' },
    });
    expect(await store.reserve(a.id, key, 'hash-b')).toEqual({ kind: 'mismatch' });
    // Completing tenant a's key did not complete tenant b's.
    expect(await store.reserve(b.id, key, 'hash-b')).toEqual({ kind: 'in_progress' });

    await store.complete(b.id, key, 200, { id: 'of-b' }, {});
    expect(await store.reserve(b.id, key, 'hash-b')).toEqual({ kind: 'replay', statusCode: 200, body: { id: 'of-b' }, headers: {} });
    expect(await store.reserve(a.id, key, 'hash-a')).toMatchObject({ kind: 'replay', body: { id: 'of-a' } });
  });

  it("releasing in one tenant leaves the other tenant's reservation of the same key", async () => {
    const store = t.registry.idempotency;
    const key = `iso-release-${Date.now()}`;
    expect(await store.reserve(a.id, key, 'h')).toEqual({ kind: 'reserved' });
    expect(await store.reserve(b.id, key, 'h')).toEqual({ kind: 'reserved' });
    await store.release(b.id, key);
    expect(await store.reserve(a.id, key, 'h')).toEqual({ kind: 'in_progress' });
    expect(await store.reserve(b.id, key, 'h')).toEqual({ kind: 'reserved' });
  });
});
