import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES, type EventTypeEntry, isEventType } from '../../../src/modules/events/event-types.ts';
import type { EventView } from '../../../src/modules/events/events.service.ts';
import { createTenant, createTestApp, type TestApp } from '../../helpers/app.ts';
import { createBrand, createUser, defineAttribute, listEvents } from '../../helpers/users.ts';

const root = new URL('../../../', import.meta.url).pathname;
const doc = readFileSync(join(root, 'docs/events.md'), 'utf8');
const entries = Object.entries(EVENT_TYPES) as [string, EventTypeEntry][];
const CATALOGUE_FILE = 'src/modules/events/event-types.ts';

/** The `## \`type\`` sections under `## Types`, by type. */
function documentedSections(): Map<string, string> {
  const types = doc.slice(doc.indexOf('\n## Types'));
  const sections = new Map<string, string>();
  for (const part of types.split('\n## `').slice(1)) {
    const type = part.slice(0, part.indexOf('`'));
    expect(sections.has(type), `${type} is documented twice`).toBe(false);
    sections.set(type, part);
  }
  return sections;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every event type a file outside the catalogue names: quoted `a.b` literals with a catalogue prefix, and navigaEvent('NAME'). */
function producedTypes(): Map<string, string[]> {
  const prefixes = new Set(entries.map(([type]) => type.split('.')[0]));
  const found = new Map<string, string[]>();
  const add = (type: string, file: string) => found.set(type, [...(found.get(type) ?? []), file]);
  for (const path of sourceFiles(join(root, 'src'))) {
    const file = path.slice(root.length);
    if (file === CATALOGUE_FILE) continue;
    const text = readFileSync(path, 'utf8');
    for (const match of text.matchAll(/['`]([a-z_]+)\.([A-Za-z_]+)['`]/g)) {
      if (prefixes.has(match[1] as string)) add(`${match[1]}.${match[2]}`, file);
    }
    for (const match of text.matchAll(/navigaEvent\('([A-Z_]+)'/g)) add(`naviga.${match[1]}`, file);
  }
  return found;
}

describe('the event catalogue', () => {
  it('documents exactly its types in docs/events.md, each with its meaning', () => {
    const sections = documentedSections();
    expect([...sections.keys()].sort()).toEqual(entries.map(([type]) => type).sort());
    for (const [type, entry] of entries) expect(sections.get(type), type).toContain(entry.description);
  });

  it('lists every payload field of each type with whether it is required', () => {
    const sections = documentedSections();
    for (const [type, entry] of entries) {
      const section = sections.get(type) ?? '';
      if (!entry.data) {
        expect(section, type).toContain('**Data:** none');
        continue;
      }
      const required = new Set<string>((entry.data as { required?: string[] }).required ?? []);
      const properties = Object.keys((entry.data as { properties: Record<string, unknown> }).properties);
      const rows = [...section.matchAll(/^\s*\| `([^`]+)` \| .* \| (yes|no) \|$/gm)].map((m) => [m[1], m[2]]);
      expect(rows.map(([field]) => field).sort(), type).toEqual([...properties].sort());
      for (const [field, isRequired] of rows) expect(isRequired, `${type}.${field}`).toBe(required.has(field as string) ? 'yes' : 'no');
    }
  });

  it('gives each type an example that matches its schema, shown in the doc as written in the catalogue', () => {
    const sections = documentedSections();
    for (const [type, entry] of entries) {
      const json = /```json\n([\s\S]*?)\n```/.exec(sections.get(type) ?? '')?.[1];
      expect(json, `${type} has no example`).toBeDefined();
      const shown = JSON.parse(json as string);
      expect(shown.type).toBe(type);
      expect(shown.data, type).toEqual(entry.example.data ?? null);
      expect(shown.changes, type).toEqual(entry.example.changes ?? null);
      expect(shown.userId === null, type).toBe(entry.user === 'never');
      if (entry.data) expect([...Value.Errors(entry.data, shown.data)], type).toEqual([]);
      else expect(shown.data, type).toBeNull();
      if (entry.changes === null) expect(shown.changes, type).toBeNull();
    }
  });

  it('says in the doc that it is a public contract', () => {
    expect(doc).toMatch(/public contract/i);
    expect(doc).toMatch(/never renamed or removed/);
  });

  it('names only catalogue types in src/, and every catalogue type is produced somewhere', () => {
    const produced = producedTypes();
    const unknown = [...produced.entries()].filter(([type]) => !isEventType(type));
    expect(unknown, 'event types written in src/ that EVENT_TYPES lacks').toEqual([]);
    const neverProduced = entries.map(([type]) => type).filter((type) => !produced.has(type));
    expect(neverProduced, 'catalogue types no file in src/ produces').toEqual([]);
  });
});

describe('recorded events', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('carry the data their catalogue schema describes', async () => {
    const tenant = await createTenant(t);
    await createBrand(t, tenant, 'news');
    await defineAttribute(t, tenant, { name: 'tier', type: 'string' });
    const role = await t.call({ method: 'POST', url: '/v1/roles', headers: tenant.auth, payload: { name: 'editor' } });
    expect(role.statusCode, role.body).toBe(201);
    const user = await createUser(t, tenant, { email: 'ada@example.com', password: 'a long unusual passphrase', roles: ['editor'] });
    const patched = await t.call({
      method: 'PATCH',
      url: `/v1/users/${user.id}`,
      headers: { ...tenant.auth, 'content-type': 'application/merge-patch+json' },
      payload: { firstName: 'Ada', attributes: { tier: 'gold' } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const joined = await t.call({ method: 'PUT', url: `/v1/users/${user.id}/brands/news`, headers: tenant.auth });
    expect(joined.statusCode, joined.body).toBeLessThan(300);
    const signIn = await t.call({
      method: 'POST',
      url: '/v1/sessions',
      headers: tenant.auth,
      payload: { email: 'ada@example.com', password: 'a long unusual passphrase' },
    });
    expect(signIn.statusCode, signIn.body).toBe(201);
    const failed = await t.call({
      method: 'POST',
      url: '/v1/sessions',
      headers: tenant.auth,
      payload: { email: 'ada@example.com', password: 'wrong password here' },
    });
    expect(failed.statusCode).toBe(401);
    const deleted = await t.call({ method: 'DELETE', url: '/v1/roles/editor', headers: tenant.auth });
    expect(deleted.statusCode, deleted.body).toBe(204);

    const feed: EventView[] = await listEvents(t, tenant);
    const types = new Set(feed.map((e) => e.type));
    for (const type of ['tenant.created', 'api_key.created', 'tenant.brand_created', 'attribute.defined', 'role.defined', 'user.created']) {
      expect(types, type).toContain(type);
    }
    for (const type of [
      'user.updated',
      'user.brand_joined',
      'credential.changed',
      'session.created',
      'signin.failed',
      'role.deleted',
      'user.roles_changed',
    ]) {
      expect(types, type).toContain(type);
    }
    for (const event of feed) {
      expect(isEventType(event.type), event.type).toBe(true);
      const entry = EVENT_TYPES[event.type as keyof typeof EVENT_TYPES] as EventTypeEntry;
      if (entry.data)
        expect([...Value.Errors(entry.data as TSchema, event.data)], `${event.type} ${JSON.stringify(event.data)}`).toEqual([]);
      else expect(event.data, event.type).toBeNull();
      if (entry.changes === null) expect(event.changes, event.type).toBeNull();
      if (entry.user === 'always') expect(event.userId, event.type).not.toBeNull();
      if (entry.user === 'never') expect(event.userId, event.type).toBeNull();
    }
  });
});
