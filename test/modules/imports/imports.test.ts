/** Bulk import (issue 13) on both backends, small: counts, row errors, dry run, idempotency, formats, hashes, events. */
import { randomBytes, scryptSync } from 'node:crypto';
import { hash as argon2Hash } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR, platformContext } from '../../../src/core/context.ts';
import type { ExportInclude } from '../../../src/use-cases/export-users.ts';
import { adminAuth, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { exportUsers, importFile, ndjson, runImports, upload } from '../../helpers/imports.ts';

let t: TestApp;
beforeAll(async () => {
  // runImports takes every tenant's jobs: a schema of its own on PostgreSQL.
  t = await createTestApp({ ownSchema: true });
});
afterAll(() => t.close());

async function events(tenant: TestTenant, type: string): Promise<any[]> {
  const res = await t.call({ method: 'GET', url: `/v1/events?type=${type}&limit=200`, headers: tenant.auth });
  return res.json().data;
}

async function userByEmail(tenant: TestTenant, email: string) {
  return t.call({ method: 'GET', url: `/v1/users/lookup?email=${encodeURIComponent(email)}`, headers: tenant.auth });
}

describe('POST /v1/imports (NDJSON)', () => {
  it('creates, updates, leaves unchanged and reports bad rows by row and field, with the normal events', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const existing = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: tenant.auth,
      payload: { email: 'old@example.com', name: 'Old Name' },
    });
    await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'same@example.com', name: 'Same' } });
    const file = ndjson([
      { email: 'New1@Example.com', firstName: 'Ada', attributes: { tier: 'gold' } },
      { email: 'old@example.com', name: 'New Name' },
      { email: 'same@example.com', name: 'Same' },
      { email: 'not-an-email' },
      { email: 'x@example.com', score: 'high' },
      { email: 'y@example.com', unknownField: 1 },
      { email: 'new2@example.com', phone: '+14155550123' },
    ]);
    const { job, errors } = await importFile(t, tenant, `${file}\n{broken json\n`, 'application/x-ndjson');
    expect(job).toMatchObject({ status: 'succeeded', rowsRead: 8, created: 2, updated: 1, unchanged: 1, failed: 4 });
    expect(errors.map((e: any) => [e.row, e.field, e.code])).toEqual([
      [4, 'email', 'invalid_email'],
      [5, 'score', 'invalid_type'],
      [6, 'unknownField', 'unknown_field'],
      [8, null, 'invalid_json'],
    ]);
    expect(errors[0].identifiers).toEqual({ email: 'not-an-email' });
    const created = (await userByEmail(tenant, 'new1@example.com')).json();
    expect(created).toMatchObject({ email: 'new1@example.com', firstName: 'Ada', name: 'Ada', attributes: { tier: 'gold' } });
    const updated = (await userByEmail(tenant, 'old@example.com')).json();
    expect(updated).toMatchObject({ id: existing.json().id, name: 'New Name', version: 2 });
    const createdEvents = await events(tenant, 'user.created');
    const importCreated = createdEvents.filter((e) => e.source === 'import');
    expect(importCreated).toHaveLength(2);
    expect(importCreated.find((e) => e.userId === created.id)?.changes).toMatchObject({
      email: { before: null, after: 'new1@example.com' },
    });
    const updatedEvents = (await events(tenant, 'user.updated')).filter((e) => e.source === 'import');
    expect(updatedEvents.map((e) => [e.userId, e.changes])).toEqual([[updated.id, { name: { before: 'Old Name', after: 'New Name' } }]]);
    expect((await events(tenant, 'import.started')).map((e) => e.data.importId)).toEqual([job.id]);
    expect((await events(tenant, 'import.finished'))[0].data).toMatchObject({ status: 'succeeded', created: 2, failed: 4 });
  });

  it('a large batch writes every row its user.created event, in file order, with its changes', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const rows = Array.from({ length: 40 }, (_, i) => ({ email: `big${i}@example.com`, attributes: { i } }));
    const { job } = await importFile(t, tenant, ndjson(rows), 'application/x-ndjson', '', 100);
    expect(job).toMatchObject({ status: 'succeeded', created: 40, failed: 0 });
    const created = (await events(tenant, 'user.created')).filter((e) => e.source === 'import');
    expect(created.map((e) => e.changes.email.after)).toEqual(rows.map((r) => r.email));
    expect(created[7]).toMatchObject({ actor: expect.any(String), changes: { 'attributes.i': { before: null, after: 7 } } });
    expect(new Set(created.map((e) => e.userId)).size).toBe(40);
  });

  it('dry run validates and reports but writes no user and no event', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'a@example.com' } });
    const before = (await t.call({ method: 'GET', url: '/v1/events?limit=200', headers: tenant.auth })).json().data.length;
    const { job, errors } = await importFile(
      t,
      tenant,
      ndjson([{ email: 'a@example.com', name: 'Changed' }, { email: 'b@example.com' }, { email: 'bad' }]),
      'application/x-ndjson',
      'dryRun=true',
    );
    expect(job).toMatchObject({ status: 'succeeded', created: 1, updated: 1, failed: 1, options: { dryRun: true } });
    expect(errors).toHaveLength(1);
    expect((await userByEmail(tenant, 'b@example.com')).statusCode).toBe(404);
    expect((await userByEmail(tenant, 'a@example.com')).json().name).toBeNull();
    expect((await t.call({ method: 'GET', url: '/v1/events?limit=200', headers: tenant.auth })).json().data.length).toBe(before);
  });

  it('mode=create refuses existing users, mode=update refuses new ones, match=externalId finds by external id', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'a@example.com', externalId: 'ext-a' } });
    const create = await importFile(
      t,
      tenant,
      ndjson([{ email: 'a@example.com' }, { email: 'b@example.com' }]),
      'application/x-ndjson',
      'mode=create',
    );
    expect(create.job).toMatchObject({ created: 1, failed: 1 });
    expect(create.errors[0]).toMatchObject({ row: 1, field: 'email', code: 'taken' });
    const update = await importFile(
      t,
      tenant,
      ndjson([
        { externalId: 'ext-a', name: 'By Ext' },
        { externalId: 'ext-z', email: 'z@example.com' },
      ]),
      'application/x-ndjson',
      'mode=update&match=externalId',
    );
    expect(update.job).toMatchObject({ updated: 1, failed: 1 });
    expect(update.errors[0]).toMatchObject({ row: 2, field: 'externalId', code: 'not_found' });
    expect((await userByEmail(tenant, 'a@example.com')).json().name).toBe('By Ext');
  });

  it('a row whose email another user holds fails alone; the rest of its batch is applied', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'taken@example.com' } });
    await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { externalId: 'e1', email: 'e1@example.com' } });
    const { job, errors } = await importFile(
      t,
      tenant,
      ndjson([
        { externalId: 'e0', email: 'e0@example.com' },
        { externalId: 'e1', email: 'taken@example.com' },
        { externalId: 'e2', email: 'taken@example.com' },
      ]),
      'application/x-ndjson',
      'match=externalId',
    );
    expect(job).toMatchObject({ created: 1, failed: 2 });
    expect(errors.map((e: any) => [e.row, e.field, e.code])).toEqual([
      [2, 'email', 'taken'],
      [3, 'email', 'taken'],
    ]);
  });

  it('the same row twice in a file updates the user it created', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const { job } = await importFile(
      t,
      tenant,
      ndjson([
        { email: 'dup@example.com', name: 'One' },
        { email: 'DUP@example.com', name: 'Two' },
      ]),
      'application/x-ndjson',
    );
    expect(job).toMatchObject({ created: 1, updated: 1, failed: 0 });
    expect((await userByEmail(tenant, 'dup@example.com')).json().name).toBe('Two');
  });

  it('Idempotency-Key: the same file again is the same job; another file under the key is refused', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const file = ndjson([{ email: 'i@example.com' }]);
    const first = await upload(t, tenant, file, 'application/x-ndjson', '', { 'idempotency-key': 'import-1' });
    const again = await upload(t, tenant, file, 'application/x-ndjson', '', { 'idempotency-key': 'import-1' });
    expect(first.statusCode).toBe(202);
    expect(first.headers.location).toBe(`/v1/imports/${first.json().id}`);
    expect(again.statusCode).toBe(202);
    expect(again.json().id).toBe(first.json().id);
    const other = await upload(t, tenant, `${file}\n`, 'application/x-ndjson', '', { 'idempotency-key': 'import-1' });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    await runImports(t);
    const list = (await t.call({ method: 'GET', url: '/v1/imports', headers: tenant.auth })).json().data;
    expect(list.map((j: any) => j.id)).toEqual([first.json().id]);
  });

  it('imported bcrypt, argon2 and scrypt hashes sign in; the report never shows them', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const password = 'correct horse battery staple';
    const salt = randomBytes(16);
    const passlib = (b: Buffer) => b.toString('base64').replaceAll('+', '.').replace(/=+$/, '');
    const scrypt = `$scrypt$ln=14,r=8,p=1$${passlib(salt)}$${passlib(scryptSync(password, salt, 32, { N: 2 ** 14, r: 8, p: 1 }))}`;
    const rows = [
      { email: 'b@example.com', passwordHash: bcrypt.hashSync(password, 4), passwordHasher: 'bcrypt' },
      {
        email: 'a@example.com',
        passwordHash: await argon2Hash(password, { algorithm: 2, memoryCost: 8192, timeCost: 1, parallelism: 1 }),
        passwordHasher: 'argon2id',
      },
      { email: 's@example.com', passwordHash: scrypt, passwordHasher: 'scrypt' },
      { email: 'bad@example.com', passwordHash: 'not-a-hash', passwordHasher: 'bcrypt' },
    ];
    const { job, errors } = await importFile(t, tenant, ndjson(rows), 'application/x-ndjson');
    expect(job).toMatchObject({ created: 3, failed: 1 });
    expect(errors[0]).toMatchObject({ row: 4, field: 'passwordHash', code: 'invalid_hash', identifiers: { email: 'bad@example.com' } });
    expect(JSON.stringify(errors)).not.toContain('not-a-hash');
    for (const email of ['b@example.com', 'a@example.com', 's@example.com']) {
      const signIn = await t.call({ method: 'POST', url: '/v1/sessions', headers: tenant.auth, payload: { email, password } });
      expect(signIn.statusCode, `${email}: ${signIn.body}`).toBe(201);
    }
    const changed = await events(tenant, 'credential.changed');
    expect(
      changed
        .filter((e) => e.data.imported)
        .map((e) => e.data.hasher)
        .sort(),
    ).toEqual(['argon2id', 'bcrypt', 'scrypt']);
  });

  it('brands, status and roles in a row apply as parts of the same change', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const admin = { authorization: 'Bearer test-admin-token-0123456789abcdef' };
    await t.call({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/brands`, headers: admin, payload: { slug: 'shop', name: 'Shop' } });
    const { job, errors } = await importFile(
      t,
      tenant,
      ndjson([
        { email: 'm@example.com', brands: ['shop'], status: 'deactivated', roles: ['admin'] },
        { email: 'n@example.com', brands: ['nope'] },
      ]),
      'application/x-ndjson',
    );
    expect(job).toMatchObject({ created: 1, failed: 1 });
    expect(errors[0]).toMatchObject({ row: 2, code: 'BRAND_NOT_FOUND' });
    const user = (await userByEmail(tenant, 'm@example.com')).json();
    expect(user).toMatchObject({ status: 'deactivated', roles: ['admin'], brands: [{ slug: 'shop' }] });
  });

  it('onError=abort stops at the batch holding the first bad row and fails the job', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const rows = [
      { email: 'a1@example.com' },
      { email: 'a2@example.com' },
      { email: 'a3@example.com' },
      { email: 'bad' },
      { email: 'a5@example.com' },
    ];
    const { job, errors } = await importFile(t, tenant, ndjson(rows), 'application/x-ndjson', 'onError=abort');
    expect(job).toMatchObject({ status: 'failed', created: 3, failed: 1 });
    expect(job.error).toContain('row 4');
    expect(errors.map((e: any) => e.row)).toEqual([4]);
    expect((await userByEmail(tenant, 'a5@example.com')).statusCode).toBe(404);
  });

  it('cancel stops a queued job; GET of an unknown job is 404', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const created = await upload(t, tenant, ndjson([{ email: 'c@example.com' }]), 'application/x-ndjson');
    const cancelled = await t.call({ method: 'POST', url: `/v1/imports/${created.json().id}/cancel`, headers: tenant.auth });
    expect(cancelled.json().status).toBe('cancelled');
    await runImports(t);
    expect((await userByEmail(tenant, 'c@example.com')).statusCode).toBe(404);
    const again = await t.call({ method: 'POST', url: `/v1/imports/${created.json().id}/cancel`, headers: tenant.auth });
    expect(again.json().code).toBe('IMPORT_FINISHED');
    const missing = await t.call({ method: 'GET', url: '/v1/imports/018f0a4c-2a3b-7c4d-8e5f-6a7b8c9d0e1f', headers: tenant.auth });
    expect(missing.json().code).toBe('IMPORT_NOT_FOUND');
    const other = await createTenant(t, { allowFreeformAttributes: true });
    expect((await t.call({ method: 'GET', url: `/v1/imports/${created.json().id}`, headers: other.auth })).statusCode).toBe(404);
  });

  it('match=username finds users by username case-insensitively; a row without one fails naming username', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const alice = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: tenant.auth,
      payload: { username: 'Alice', email: 'a@example.com' },
    });
    expect(alice.statusCode).toBe(201);
    const { job, errors } = await importFile(
      t,
      tenant,
      ndjson([
        { username: 'alice', name: 'Alice Updated' },
        { username: 'bob', email: 'b@example.com' },
        { email: 'nouser@example.com' },
        { username: 'carol', email: 'a@example.com' },
      ]),
      'application/x-ndjson',
      'match=username',
    );
    expect(job).toMatchObject({ status: 'succeeded', created: 1, updated: 1, failed: 2, options: { match: 'username' } });
    expect(errors.map((e: any) => [e.row, e.field, e.code])).toEqual([
      [3, 'username', 'required'],
      [4, 'email', 'taken'],
    ]);
    expect(errors[1].identifiers).toEqual({ email: 'a@example.com', username: 'carol' });
    const updated = (await userByEmail(tenant, 'a@example.com')).json();
    // Matched case-insensitively; the row's spelling is then written, as a PATCH with it would.
    expect(updated).toMatchObject({ id: alice.json().id, username: 'alice', name: 'Alice Updated', version: 2 });
    expect((await userByEmail(tenant, 'b@example.com')).json()).toMatchObject({ username: 'bob' });
  });

  it('match=username in create and update modes: a taken or unknown username fails its row naming username', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    // A user known by its username alone: an update by username needs no other identifier.
    const dora = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { username: 'Dora' } });
    expect(dora.statusCode).toBe(201);
    const byUsername = async (username: string) =>
      (await exportUsers(t, tenant)).filter((u) => u.username?.toLowerCase() === username.toLowerCase());

    const create = await importFile(
      t,
      tenant,
      ndjson([{ username: 'DORA', name: 'Not Dora' }, { username: 'eve', name: 'Eve' }, { username: '   ' }]),
      'application/x-ndjson',
      'match=username&mode=create',
    );
    expect(create.job).toMatchObject({ status: 'succeeded', created: 1, updated: 0, failed: 2, options: { mode: 'create' } });
    expect(create.errors.map((e: any) => [e.row, e.field, e.code])).toEqual([
      [1, 'username', 'taken'],
      [3, 'username', 'invalid_length'],
    ]);
    expect(create.errors[0].identifiers).toEqual({ username: 'DORA' });
    expect(await byUsername('dora')).toMatchObject([{ id: dora.json().id, username: 'Dora', name: null }]);
    expect(await byUsername('eve')).toMatchObject([{ name: 'Eve' }]);

    const update = await importFile(
      t,
      tenant,
      ndjson([
        { username: 'dora', name: 'Dora D' },
        { username: 'frank', name: 'Frank' },
      ]),
      'application/x-ndjson',
      'match=username&mode=update',
    );
    expect(update.job).toMatchObject({ status: 'succeeded', created: 0, updated: 1, failed: 1 });
    expect(update.errors.map((e: any) => [e.row, e.field, e.code])).toEqual([[2, 'username', 'not_found']]);
    expect(await byUsername('dora')).toMatchObject([{ id: dora.json().id, name: 'Dora D', version: 2 }]);
    expect(await byUsername('frank')).toEqual([]);
    const updates = (await events(tenant, 'user.updated')).filter((e) => e.source === 'import');
    expect(updates.map((e) => [e.userId, e.changes])).toEqual([
      [dora.json().id, { name: { before: null, after: 'Dora D' }, username: { before: 'Dora', after: 'dora' } }],
    ]);
  });
});

describe('CSV, JSON and Auth0 files', () => {
  it('reads quotes, embedded newlines, a BOM, CRLF and dotted headers; invalid UTF-8 is a row error', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const csv = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('email,name,attributes.note,consents.marketingEmail,roles\r\n'),
      Buffer.from('q@example.com,"Doe, Jane","line one\r\nline two",true,admin|readonly\r\n'),
      Buffer.from('bad@example.com,'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(',,,\r\n'),
      Buffer.from('"r@example.com","He said ""hi""",,false,\r\n'),
    ]);
    const { job, errors } = await importFile(t, tenant, csv, 'text/csv');
    expect(job).toMatchObject({ status: 'succeeded', rowsRead: 3, created: 2, failed: 1 });
    expect(errors).toEqual([expect.objectContaining({ row: 2, code: 'invalid_utf8' })]);
    const q = (await userByEmail(tenant, 'q@example.com')).json();
    expect(q).toMatchObject({
      name: 'Doe, Jane',
      attributes: { note: 'line one\r\nline two' },
      consents: { marketingEmail: true },
      roles: ['admin', 'readonly'],
    });
    expect((await userByEmail(tenant, 'r@example.com')).json()).toMatchObject({
      name: 'He said "hi"',
      consents: { marketingEmail: false },
    });
  });

  it('delimiter=; and a columns= mapping import a vendor CSV unedited', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const csv = 'E-Mail;Vorname;Stufe\nv@example.com;Vera;gold\n';
    const { job } = await importFile(
      t,
      tenant,
      csv,
      'text/csv',
      `delimiter=%3B&columns=${encodeURIComponent('E-Mail=email,Vorname=firstName,Stufe=attributes.tier')}`,
    );
    expect(job).toMatchObject({ created: 1, failed: 0 });
    expect((await userByEmail(tenant, 'v@example.com')).json()).toMatchObject({ firstName: 'Vera', attributes: { tier: 'gold' } });
  });

  it('reads a JSON array, streamed, and refuses a JSON file that is not one', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const file = JSON.stringify([{ email: 'j1@example.com', name: 'a [tricky], {name}' }, { email: 'j2@example.com' }], null, 2);
    const { job } = await importFile(t, tenant, file, 'application/json');
    expect(job).toMatchObject({ status: 'succeeded', created: 2 });
    expect((await userByEmail(tenant, 'j1@example.com')).json().name).toBe('a [tricky], {name}');
    const bad = await importFile(t, tenant, '{"email":"x@example.com"}', 'application/json');
    expect(bad.job).toMatchObject({ status: 'failed', created: 0 });
    expect(bad.job.error).toContain('array');
  });

  it('format=auth0 maps Auth0 export fields and its password hashes, matching on user_id', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const password = 'correct horse battery staple';
    const row = {
      user_id: 'auth0|abc',
      email: 'zero@example.com',
      email_verified: true,
      given_name: 'Zed',
      family_name: 'Zero',
      user_metadata: { plan: 'pro' },
      app_metadata: { roles: ['admin'] },
      custom_password_hash: { algorithm: 'bcrypt', hash: { value: bcrypt.hashSync(password, 4) } },
    };
    const { job } = await importFile(t, tenant, ndjson([row]), 'application/x-ndjson', 'format=auth0');
    expect(job).toMatchObject({ created: 1, failed: 0, options: { match: 'externalId' } });
    const user = (await userByEmail(tenant, 'zero@example.com')).json();
    expect(user).toMatchObject({
      externalId: 'auth0|abc',
      firstName: 'Zed',
      lastName: 'Zero',
      roles: ['admin'],
      attributes: { plan: 'pro', emailVerified: true },
    });
    const signIn = await t.call({
      method: 'POST',
      url: '/v1/sessions',
      headers: tenant.auth,
      payload: { email: 'zero@example.com', password },
    });
    expect(signIn.statusCode).toBe(201);
  });
});

describe('GET /v1/users/export', () => {
  it('NDJSON lines (built by the database) are byte for byte the user objects JSON.stringify writes, with include=', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const admin = adminAuth();
    await t.call({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/brands`, headers: admin, payload: { slug: 'shop', name: 'Shop' } });
    await t.call({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/brands`, headers: admin, payload: { slug: 'app', name: 'App' } });
    for (const externalId of ['acme', 'globex'])
      expect(
        (await t.call({ method: 'POST', url: '/v1/companies', headers: tenant.auth, payload: { name: externalId, externalId } }))
          .statusCode,
      ).toBe(201);
    const plan = await t.call({ method: 'POST', url: '/v1/plans', headers: tenant.auth, payload: { externalId: 'gold', name: 'Gold' } });
    expect(plan.statusCode).toBe(201);
    const rows = [
      {
        email: 'rich@example.com',
        username: 'Rich',
        externalId: 'r-1',
        phone: '+919876543210',
        firstName: 'Ünï',
        lastName: 'Cödé "quoted"',
        birthDate: '1990-02-03',
        country: 'IN',
        score: 2.5,
        links: { facebook: 'https://facebook.com/rich' },
        consents: { marketingEmail: true, sms: false },
        attributes: {
          note: 'a: b, c "d" \\ e\nf',
          nested: { list: [1, 'two', { three: null }], ok: true },
          n: 1e21,
          f: 0.1 + 0.2,
          big: 2 ** 64,
          tiny: 1e-7,
          neg: -42.5,
          emoji: '😀',
        },
        roles: ['admin'],
        brands: ['shop', 'app'],
        companies: ['acme', 'globex'],
        plans: ['gold'],
        status: 'deactivated',
      },
      { email: 'plain@example.com' },
      { email: 'us@example.com', phone: '+14155550199', country: 'US', score: -0.000001 },
    ];
    const { job } = await importFile(t, tenant, ndjson(rows), 'application/x-ndjson');
    expect(job).toMatchObject({ created: 3, failed: 0 });
    const ctx = platformContext(tenant.id, CLI_ACTOR);
    for (const query of ['', 'include=companies,plans', 'include=plans', 'status=deactivated']) {
      const res = await t.call({ method: 'GET', url: `/v1/users/export?${query}`, headers: tenant.auth });
      expect(res.statusCode).toBe(200);
      const params = new URLSearchParams(query);
      const include = new Set((params.get('include') ?? '').split(',').filter(Boolean) as ExportInclude[]);
      const filter = params.get('status') ? { status: params.get('status') as 'deactivated' } : {};
      let expected = '';
      for await (const item of await t.registry.usersExport.exportUsers(ctx, filter, include))
        if (item.kind === 'user') expected += `${JSON.stringify(item.user)}\n`;
      expect(res.body).toBe(expected);
      expect(res.body.split('\n').filter(Boolean)).toHaveLength(query.startsWith('status') ? 1 : 3);
    }
    const [rich] = await exportUsers(t, tenant, 'include=companies,plans');
    expect(rich).toMatchObject({
      countryName: 'India',
      dialCode: '+91',
      currency: 'INR',
      brands: [{ slug: 'shop' }, { slug: 'app' }],
      companies: ['acme', 'globex'],
      plans: ['gold'],
      attributes: { note: 'a: b, c "d" \\ e\nf' },
    });
  });

  it('streams NDJSON and CSV with filters, never a password; the export re-imports into an empty tenant as the same users', async () => {
    const source = await createTenant(t, { allowFreeformAttributes: true });
    const rows = Array.from({ length: 7 }, (_, i) => ({
      email: `u${i}@example.com`,
      externalId: `x${i}`,
      name: `User ${i}`,
      phone: i % 2 ? `+1415555010${i}` : null,
      attributes: { tier: i % 2 ? 'gold' : 'silver', n: i },
      consents: { marketingEmail: i % 2 === 0 },
      roles: i === 3 ? ['admin'] : [],
      passwordHash: bcrypt.hashSync('a long passphrase here', 4),
      passwordHasher: 'bcrypt',
    }));
    expect((await importFile(t, source, ndjson(rows), 'application/x-ndjson')).job.created).toBe(7);
    const exported = await exportUsers(t, source);
    expect(exported).toHaveLength(7);
    expect(JSON.stringify(exported)).not.toMatch(/password|\$2[aby]\$/i);
    expect((await exportUsers(t, source, 'role=admin')).map((u) => u.email)).toEqual(['u3@example.com']);

    const target = await createTenant(t, { allowFreeformAttributes: true });
    const file = exported.map((u) => JSON.stringify(u)).join('\n');
    expect((await importFile(t, target, file, 'application/x-ndjson', 'match=externalId')).job).toMatchObject({ created: 7, failed: 0 });
    const strip = (u: any) => {
      const { id, number, createdAt, updatedAt, version, ...rest } = u;
      return rest;
    };
    const again = await exportUsers(t, target);
    expect(again.map(strip).sort((a, b) => a.email.localeCompare(b.email))).toEqual(
      exported.map(strip).sort((a, b) => a.email.localeCompare(b.email)),
    );

    const csv = await t.call({ method: 'GET', url: '/v1/users/export?format=csv', headers: source.auth });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toContain('attributes.tier');
    expect(lines[0]).toContain('consents.marketingEmail');
    const csvTarget = await createTenant(t, { allowFreeformAttributes: true });
    expect((await importFile(t, csvTarget, csv.body, 'text/csv', 'match=externalId')).job).toMatchObject({ created: 7, failed: 0 });
    const fromCsv = (await exportUsers(t, csvTarget)).find((u) => u.email === 'u3@example.com');
    expect(fromCsv).toMatchObject({
      roles: ['admin'],
      attributes: { tier: 'gold' },
      consents: { marketingEmail: false },
      phone: '+14155550103',
    });
  });
});
