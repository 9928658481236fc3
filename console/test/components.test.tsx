// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AttributeEditor, parseAttributeInput } from '../src/components/AttributeEditor.tsx';
import { ConfirmDialog } from '../src/components/ConfirmDialog.tsx';
import { ConflictView } from '../src/components/ConflictView.tsx';
import { conflictRows, reapplyPatch } from '../src/components/conflict.ts';
import { EMPTY_FILTERS, filtersToQuery, sortParam } from '../src/filters.ts';

afterEach(cleanup);

describe('filters to query', () => {
  it('sends only what is set, with the day bounds of the date range and one attribute', () => {
    const query = new URLSearchParams(
      filtersToQuery(
        {
          ...EMPTY_FILTERS,
          q: '  zel ',
          status: 'active',
          brand: 'daily',
          createdAfter: '2026-01-02',
          createdBefore: '2026-01-31',
          attribute: 'tier = gold',
        },
        { cursor: 'abc', count: true },
      ),
    );
    expect(Object.fromEntries(query)).toEqual({
      q: 'zel',
      status: 'active',
      brand: 'daily',
      createdAfter: '2026-01-02T00:00:00.000Z',
      createdBefore: '2026-01-31T23:59:59.999Z',
      'attributes.tier': 'gold',
      limit: '25',
      cursor: 'abc',
      count: 'true',
    });
  });

  it('leaves out blanks and a malformed attribute filter', () => {
    expect(filtersToQuery({ ...EMPTY_FILTERS, q: '   ', role: ' ', attribute: '1bad=x' })).toBe('limit=25');
  });

  it('sends the column sort as the API spells it, descending with a leading minus', () => {
    expect(sortParam([])).toBeNull();
    expect(sortParam([{ id: 'email', desc: false }])).toBe('email');
    expect(sortParam([{ id: 'createdAt', desc: true }])).toBe('-createdAt');
    expect(filtersToQuery(EMPTY_FILTERS, { sort: '-name', cursor: 'c1' })).toBe('limit=25&sort=-name&cursor=c1');
  });
});

describe('the conflict view', () => {
  const base = { name: 'Ann', lastName: null, email: 'a@x.io' };
  const theirs = { name: 'Ann', lastName: 'Api', email: 'a@x.io' };
  const mine = { name: 'Bea', lastName: null, email: 'a@x.io' };

  it('lists what they changed and what I changed, and reapplies only mine', () => {
    const rows = conflictRows(base, mine, theirs, ['name', 'lastName', 'email']);
    expect(rows.map((r) => [r.field, r.changedByThem, r.changedByMe])).toEqual([
      ['name', false, true],
      ['lastName', true, false],
    ]);
    expect(reapplyPatch(rows)).toEqual({ name: 'Bea' });
  });

  it('shows both values and calls back on reapply and discard', () => {
    const onReapply = vi.fn();
    const onDiscard = vi.fn();
    const rows = conflictRows({ ...base, name: 'Ann' }, mine, { ...theirs, name: 'Cid' }, ['name', 'lastName']);
    render(<ConflictView rows={rows} onReapply={onReapply} onDiscard={onDiscard} />);
    expect(screen.getByRole('alert').textContent).toContain('Someone else changed this user');
    const nameRow = screen.getByTestId('conflict-name');
    expect(nameRow.textContent).toContain('Cid');
    expect(nameRow.textContent).toContain('Bea');
    expect(nameRow.textContent).toContain('both changed');
    fireEvent.click(screen.getByRole('button', { name: 'Reapply my changes' }));
    fireEvent.click(screen.getByRole('button', { name: 'Discard mine, keep theirs' }));
    expect(onReapply).toHaveBeenCalledTimes(1);
    expect(onDiscard).toHaveBeenCalledTimes(1);
  });
});

describe('the typed attribute editor', () => {
  it('parses each declared type', () => {
    expect(parseAttributeInput('number', '4.5')).toEqual({ value: 4.5 });
    expect(parseAttributeInput('number', 'four')).toEqual({ error: 'must be a number' });
    expect(parseAttributeInput('date', '2026-02-30x')).toEqual({ error: 'must be a date (yyyy-mm-dd)' });
    expect(parseAttributeInput('json', '{"a":1}')).toEqual({ value: { a: 1 } });
    expect(parseAttributeInput('json', '{a')).toEqual({ error: 'must be valid JSON' });
    expect(parseAttributeInput('string', '')).toEqual({ value: null });
  });

  const definitions = [
    { name: 'tier', type: 'string' as const, searchable: true, unique: false, description: null },
    { name: 'visits', type: 'number' as const, searchable: false, unique: false, description: null },
    { name: 'vip', type: 'boolean' as const, searchable: false, unique: false, description: null },
  ];

  it('shows a type error next to its field and saves nothing', () => {
    const onSave = vi.fn();
    render(<AttributeEditor definitions={definitions} values={{ tier: 'gold', visits: 3 }} onSave={onSave} />);
    fireEvent.change(screen.getByLabelText(/visits/), { target: { value: 'many' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save attributes' }));
    expect(onSave).not.toHaveBeenCalled();
    expect(screen.getByLabelText(/visits/).getAttribute('aria-describedby')).toBe('attr-visits-error');
    expect(screen.getByText('must be a number')).toBeTruthy();
  });

  it('saves typed values: numbers as numbers, checkboxes as booleans, blanks as null', () => {
    const onSave = vi.fn();
    render(<AttributeEditor definitions={definitions} values={{ tier: 'gold', visits: 3 }} onSave={onSave} />);
    fireEvent.change(screen.getByLabelText(/visits/), { target: { value: '12' } });
    fireEvent.change(screen.getByLabelText(/tier/), { target: { value: '' } });
    fireEvent.click(screen.getByLabelText(/vip/));
    fireEvent.click(screen.getByRole('button', { name: 'Save attributes' }));
    expect(onSave).toHaveBeenCalledWith({ tier: null, visits: 12, vip: true });
  });

  it('shows the server’s error for an attribute next to it', () => {
    render(<AttributeEditor definitions={definitions} values={{}} onSave={() => {}} serverErrors={{ 'attributes.tier': 'is taken' }} />);
    expect(screen.getByText('is taken').id).toBe('attr-tier-error');
  });
});

describe('the confirmation dialog', () => {
  it('runs the action only from its confirm button, after the typed word, and closes when it succeeds', async () => {
    const onConfirm = vi.fn(() => Promise.resolve());
    const onOpen = vi.fn();
    render(
      <ConfirmDialog
        trigger="Erase…"
        title="Erase this user?"
        description="Gone for good."
        confirm="Erase"
        confirmWord="ann@x.io"
        inputId="erase-confirm"
        onOpen={onOpen}
        onConfirm={onConfirm}
      />,
    );
    expect(screen.queryByRole('dialog')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Erase…' }));
    expect(onOpen).toHaveBeenCalledTimes(1);
    const dialog = screen.getByRole('dialog', { name: 'Erase this user?' });
    expect(dialog.textContent).toContain('Type ann@x.io to confirm.');
    const confirm = screen.getByRole('button', { name: 'Erase' }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Confirmation'), { target: { value: 'ann@x.i' } });
    expect(confirm.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Confirmation'), { target: { value: 'ann@x.io' } });
    expect(confirm.disabled).toBe(false);
    await act(async () => fireEvent.click(confirm));
    expect(onConfirm).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('stays open with the error when the action fails, and Cancel closes it without running it', async () => {
    const onConfirm = vi.fn(() => Promise.reject(new Error('no')));
    const { rerender } = render(
      <ConfirmDialog
        trigger="Delete"
        triggerLabel="Delete corp"
        title="Delete corp?"
        description="It goes."
        confirm="Delete provider"
        onConfirm={onConfirm}
      />,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Delete corp' }));
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Delete provider' })));
    expect(onConfirm).toHaveBeenCalledTimes(1);
    rerender(
      <ConfirmDialog
        trigger="Delete"
        triggerLabel="Delete corp"
        title="Delete corp?"
        description="It goes."
        confirm="Delete provider"
        error="Identity provider not found"
        onConfirm={onConfirm}
      />,
    );
    expect(screen.getByRole('dialog').textContent).toContain('Identity provider not found');
    expect(screen.getByRole('alert').textContent).toBe('Identity provider not found');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});
