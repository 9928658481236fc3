// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DataTable } from '../src/components/DataTable.tsx';
import { errorUnder } from '../src/components/forms.ts';
import { countCsvRows } from '../src/pages/ImportsPage.tsx';
import { EMPTY_PROVIDER_FORM, providerBody } from '../src/pages/ProvidersPage.tsx';

afterEach(cleanup);

describe('the import progress bar’s row count', () => {
  it('counts the lines after the header, blank lines and CRLF aside', () => {
    expect(countCsvRows('email,name\r\na@x.io,A\r\n\r\nb@x.io,B\r\n')).toBe(2);
    expect(countCsvRows('email,name\n')).toBe(0);
    expect(countCsvRows('')).toBe(0);
  });
});

describe('the provider form to a request body', () => {
  const form = { ...EMPTY_PROVIDER_FORM, name: 'corp', type: 'scim' as const, endpoint: 'https://idp/scim/v2', token: 't0k' };

  it('sends the credentials of the chosen type only, and numbers as numbers', () => {
    const body = providerBody({ ...form, clientId: 'left-over', timeoutMs: '1500' }, false);
    expect(body).toMatchObject({ name: 'corp', type: 'scim', credentials: { token: 't0k' }, timeoutMs: 1500, brand: null });
    expect(body).not.toHaveProperty('cacheTtlSeconds');
  });

  it('leaves credentials out of an edit when none were typed (the stored ones stay), but not out of a create', () => {
    expect(providerBody({ ...form, token: '' }, true)).not.toHaveProperty('credentials');
    expect(providerBody({ ...form, token: '' }, false)).toHaveProperty('credentials', {});
  });

  it('parses the settings JSON, and refuses JSON that is not', () => {
    const http = { ...form, type: 'http' as const, headerName: 'authorization', headerValue: 'Bearer x' };
    expect(providerBody({ ...http, settings: '{"pointers":{"subject":"/id"}}' }, false)).toMatchObject({
      credentials: { headers: { authorization: 'Bearer x' } },
      settings: { pointers: { subject: '/id' } },
    });
    expect(() => providerBody({ ...http, settings: '{nope' }, false)).toThrow(/settings/);
  });
});

describe('field errors under a field', () => {
  it('finds the field’s own error, then one inside it', () => {
    expect(errorUnder({ roles: 'bad' }, 'roles')).toBe('bad');
    expect(errorUnder({ 'roles[1]': 'unknown role' }, 'roles')).toBe('roles[1]: unknown role');
    expect(errorUnder({ rolesExtra: 'x' }, 'roles')).toBeUndefined();
  });
});

describe('DataTable', () => {
  const columns = [{ accessorKey: 'name', header: 'Name' }];

  it('shows the empty state, then the rows under a captioned table', () => {
    const { rerender } = render(
      <DataTable caption="Things" columns={columns} data={[]} empty="Nothing yet." rowId={(r: { name: string }) => r.name} />,
    );
    expect(screen.getByText('Nothing yet.')).toBeTruthy();
    rerender(
      <DataTable
        caption="Things"
        columns={columns}
        data={[{ name: 'one' }]}
        empty="Nothing yet."
        rowId={(r: { name: string }) => r.name}
      />,
    );
    expect(screen.getByRole('table', { name: 'Things' })).toBeTruthy();
    expect(screen.getByRole('cell', { name: 'one' })).toBeTruthy();
  });

  it('shows loading until data arrives', () => {
    render(
      <DataTable
        caption="Things"
        columns={columns}
        data={undefined}
        loading
        empty="Nothing yet."
        rowId={(r: { name: string }) => r.name}
      />,
    );
    expect(screen.getByText('Loading…')).toBeTruthy();
  });
});
