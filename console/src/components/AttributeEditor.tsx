import { useState } from 'react';
import type { AttributeDefinition } from '../api.ts';

/**
 * The text an input holds for a value of a declared type, and back. Booleans are checkboxes; json is edited as text
 * and must parse; numbers must be finite; dates are yyyy-mm-dd.
 */
export function parseAttributeInput(type: AttributeDefinition['type'], text: string): { value: unknown } | { error: string } {
  if (text.trim() === '') return { value: null };
  switch (type) {
    case 'number': {
      const n = Number(text);
      return Number.isFinite(n) ? { value: n } : { error: 'must be a number' };
    }
    case 'boolean':
      return text === 'true' || text === 'false' ? { value: text === 'true' } : { error: 'must be true or false' };
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text))
        ? { value: text }
        : { error: 'must be a date (yyyy-mm-dd)' };
    case 'json':
      try {
        return { value: JSON.parse(text) };
      } catch {
        return { error: 'must be valid JSON' };
      }
    default:
      return { value: text };
  }
}

function toText(type: AttributeDefinition['type'], value: unknown): string {
  if (value === null || value === undefined) return '';
  if (type === 'json') return JSON.stringify(value);
  return String(value);
}

/** Custom attributes, each edited by its declared type; calls onSave with the typed values (null clears one). */
export function AttributeEditor(props: {
  definitions: AttributeDefinition[];
  values: Record<string, unknown>;
  onSave: (values: Record<string, unknown>) => void;
  serverErrors?: Record<string, string>;
  busy?: boolean;
}) {
  const [texts, setTexts] = useState<Record<string, string>>(() =>
    Object.fromEntries(props.definitions.map((d) => [d.name, toText(d.type, props.values[d.name])])),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  if (props.definitions.length === 0) return <p className="muted text-sm">This tenant defines no custom attributes.</p>;

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const out: Record<string, unknown> = {};
    const found: Record<string, string> = {};
    for (const d of props.definitions) {
      const parsed = parseAttributeInput(d.type, texts[d.name] ?? '');
      if ('error' in parsed) found[d.name] = parsed.error;
      else out[d.name] = parsed.value;
    }
    setErrors(found);
    if (Object.keys(found).length === 0) props.onSave(out);
  };

  return (
    <form onSubmit={submit} noValidate className="grid gap-3 sm:grid-cols-2">
      {props.definitions.map((d) => {
        const id = `attr-${d.name}`;
        const error = errors[d.name] ?? props.serverErrors?.[`attributes.${d.name}`];
        return (
          <div key={d.name}>
            {d.type === 'boolean' ? (
              <label htmlFor={id} className="label flex items-center gap-2">
                <input
                  id={id}
                  type="checkbox"
                  checked={texts[d.name] === 'true'}
                  onChange={(e) => setTexts({ ...texts, [d.name]: e.target.checked ? 'true' : 'false' })}
                />
                {d.name} <span className="muted">(boolean)</span>
              </label>
            ) : (
              <>
                <label htmlFor={id} className="label">
                  {d.name} <span className="muted">({d.type})</span>
                </label>
                <input
                  id={id}
                  className="input"
                  type={d.type === 'number' ? 'text' : d.type === 'date' ? 'date' : 'text'}
                  inputMode={d.type === 'number' ? 'decimal' : undefined}
                  value={texts[d.name] ?? ''}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? `${id}-error` : undefined}
                  onChange={(e) => setTexts({ ...texts, [d.name]: e.target.value })}
                />
              </>
            )}
            {error ? (
              <p id={`${id}-error`} className="field-error">
                {error}
              </p>
            ) : null}
          </div>
        );
      })}
      <div className="sm:col-span-2">
        <button type="submit" className="btn btn-primary" disabled={props.busy}>
          Save attributes
        </button>
      </div>
    </form>
  );
}
