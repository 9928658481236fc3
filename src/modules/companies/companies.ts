import type { Static } from 'typebox';
import { notFound, validationFailed } from '../../core/error-helpers.ts';
import type { AppError, FieldError } from '../../core/errors.ts';
import { changedValues, trimmedText } from '../../core/fields.ts';
import { mergeObject } from '../../core/merge-object.ts';
import { ATTRIBUTE_NAME } from '../attributes/attributes.ts';
import type { Changes } from '../events/events.service.ts';
import type { CompanyPatchSchema, CompanySchema, MembershipInputSchema } from './companies.schemas.ts';
import type { CompanyMemberRow, CompanyRow } from './companies.table.ts';

/** A company as the native API accepts it; on a patch, absent fields are left alone and null clears one. */
export type CompanyInput = Static<typeof CompanyPatchSchema>;

export type CompanyView = Static<typeof CompanySchema>;

/** What a membership says about the member. */
export type MembershipInput = Pick<Static<typeof MembershipInputSchema>, 'role' | 'title'>;

export interface MembershipView {
  userId: string;
  company: CompanyView;
  role: string | null;
  title: string | null;
  joinedAt: string;
  updatedAt: string;
}

/** Stored company columns a create or patch sets. */
export interface CompanyColumns {
  external_id?: string | null;
  name?: string;
  domain?: string | null;
  attributes?: Record<string, unknown>;
}

// A host name without port or trailing dot: internationalized domains in punycode, as for emails.
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** The API view of a stored company. */
export function toCompanyView(row: CompanyRow): CompanyView {
  return {
    id: row.id,
    externalId: row.external_id,
    name: row.name,
    domain: row.domain,
    attributes: row.attributes,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    version: row.version,
  };
}

/** The API view of one membership. */
export function toMembershipView(member: CompanyMemberRow, company: CompanyRow): MembershipView {
  return {
    userId: member.user_id,
    company: toCompanyView(company),
    role: member.role,
    title: member.title,
    joinedAt: member.joined_at.toISOString(),
    updatedAt: member.updated_at.toISOString(),
  };
}

/**
 * Plans a company create (existing = null) or merge patch: the columns to write and the changes to record.
 * @throws AppError VALIDATION_FAILED naming each invalid field.
 */
export function planCompanyWrite(input: CompanyInput, existing: CompanyRow | null): { columns: CompanyColumns; changes: Changes } {
  const errors: FieldError[] = [];
  const columns: CompanyColumns = {};
  if (input.externalId !== undefined) {
    columns.external_id = trimmedText(input.externalId, 'externalId', errors, input.externalId !== null);
  }
  if (input.name !== undefined || !existing) columns.name = trimmedText(input.name ?? null, 'name', errors, true) ?? '';
  if (input.domain !== undefined) {
    const domain = input.domain?.trim().toLowerCase() || null;
    if (domain !== null && !DOMAIN.test(domain))
      errors.push({ field: 'domain', code: 'invalid_host', message: 'must be a domain name like example.com' });
    columns.domain = domain;
  }
  for (const name of Object.keys(input.attributes ?? {})) {
    if (!ATTRIBUTE_NAME.test(name))
      errors.push({ field: `attributes.${name}`, code: 'invalid_name', message: 'attribute names are letters, digits and underscores' });
  }
  if (errors.length > 0) throw validationFailed(errors);
  if (input.attributes !== undefined || !existing) columns.attributes = mergeObject<unknown>(existing?.attributes ?? {}, input.attributes);

  const before: Record<string, unknown> = existing
    ? { externalId: existing.external_id, name: existing.name, domain: existing.domain }
    : {};
  const changes = changedValues(before, {
    ...('external_id' in columns ? { externalId: columns.external_id } : {}),
    ...('name' in columns ? { name: columns.name } : {}),
    ...('domain' in columns ? { domain: columns.domain } : {}),
  });
  if (columns.attributes) {
    const beforeAttributes = existing?.attributes ?? {};
    const names = new Set([...Object.keys(beforeAttributes), ...Object.keys(columns.attributes)]);
    const afterAttributes = Object.fromEntries([...names].map((name) => [`attributes.${name}`, columns.attributes?.[name] ?? null]));
    const beforeByField = Object.fromEntries([...names].map((name) => [`attributes.${name}`, beforeAttributes[name] ?? null]));
    Object.assign(changes, changedValues(beforeByField, afterAttributes));
  }
  return { columns, changes };
}

/** A membership's role and title, trimmed; blank means none. */
export function normalizeMembershipInput(input: MembershipInput): MembershipInput {
  const out: MembershipInput = {};
  if (input.role !== undefined) out.role = input.role?.trim() || null;
  if (input.title !== undefined) out.title = input.title?.trim() || null;
  return out;
}

/** A COMPANY_NOT_FOUND naming the reference the caller used. */
export function companyNotFound(ref: string, field?: string): AppError {
  return notFound('COMPANY_NOT_FOUND', { company: ref }, { message: `Company ${ref} not found`, field, fieldMessage: `no company ${ref}` });
}
