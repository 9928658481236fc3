import { flexRender, type RowData } from '@tanstack/react-table';
import { type LegacyColumnDef, useLegacyTable } from '@tanstack/react-table/legacy';
import type { ReactNode } from 'react';

/**
 * A read-only table over TanStack Table with the console's loading and empty states. The caption names the table
 * for screen readers (visually hidden unless `showCaption`).
 */
export function DataTable<T extends RowData>(props: {
  caption: string;
  columns: LegacyColumnDef<T, any>[];
  data: T[] | undefined;
  loading?: boolean;
  empty: ReactNode;
  rowId: (row: T) => string;
  testId?: string;
}) {
  const table = useLegacyTable<T>({ data: props.data ?? [], columns: props.columns, getRowId: props.rowId });
  if (props.loading && !props.data) return <p className="p-2">Loading…</p>;
  if (props.data && props.data.length === 0) return <p className="muted p-2">{props.empty}</p>;
  return (
    <div className="overflow-x-auto">
      <table className="table" data-testid={props.testId}>
        <caption className="sr-only">{props.caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id} scope="col">
                  {flexRender(header.column.columnDef.header, header.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id}>
              {row.getVisibleCells().map((cell) => (
                <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
