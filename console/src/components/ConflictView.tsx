import type { ConflictRow } from './conflict.ts';

const show = (value: unknown) =>
  value === null || value === undefined || value === '' ? '—' : typeof value === 'string' ? value : JSON.stringify(value);

/** Shown when a save answered 412: what changed meanwhile, next to what the operator typed; never overwrites by itself. */
export function ConflictView(props: { rows: ConflictRow[]; onReapply: () => void; onDiscard: () => void; busy?: boolean }) {
  return (
    <section role="alert" aria-labelledby="conflict-title" className="card border-amber-500 bg-amber-50 dark:bg-amber-950">
      <h3 id="conflict-title" className="font-semibold">
        Someone else changed this user while you were editing
      </h3>
      <p className="muted text-sm">Nothing was saved. Compare, then reapply your changes on top of theirs or discard yours.</p>
      <table className="table mt-2">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">When you started</th>
            <th scope="col">Now (their change)</th>
            <th scope="col">Yours</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={row.field} data-testid={`conflict-${row.field}`}>
              <th scope="row">
                {row.field}
                {row.changedByThem && row.changedByMe ? (
                  <span className="ml-1 text-xs text-red-700 dark:text-red-300">(both changed)</span>
                ) : null}
              </th>
              <td>{show(row.base)}</td>
              <td>{row.changedByThem ? show(row.theirs) : <span className="muted">unchanged</span>}</td>
              <td>{row.changedByMe ? show(row.mine) : <span className="muted">unchanged</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="mt-3 flex gap-2">
        <button type="button" className="btn btn-primary" onClick={props.onReapply} disabled={props.busy}>
          Reapply my changes
        </button>
        <button type="button" className="btn" onClick={props.onDiscard} disabled={props.busy}>
          Discard mine, keep theirs
        </button>
      </div>
    </section>
  );
}
