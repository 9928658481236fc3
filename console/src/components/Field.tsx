import { type ReactNode, useState } from 'react';

/** A labelled input with its error (the client's check first, then the server's problem+json entry for the field). */
export function Field(props: {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: string;
  children: ReactNode;
  className?: string;
}) {
  const errorId = `${props.id}-error`;
  return (
    <div className={props.className}>
      <label htmlFor={props.id} className="label">
        {props.label}
      </label>
      {props.children}
      {props.hint ? <p className="muted mt-1 text-xs">{props.hint}</p> : null}
      {props.error ? (
        <p id={errorId} className="field-error">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

/** The one-line error of a mutation that is not about one field, announced. */
export function FormError(props: { message: string | null; className?: string }) {
  if (!props.message) return null;
  return (
    <p role="alert" className={`field-error ${props.className ?? ''}`}>
      {props.message}
    </p>
  );
}

/** A secret shown once, with a copy button (and a line under the title, such as how long an old one still works). */
export function SecretOnce(props: { title: string; secret: string; testId: string; note?: ReactNode; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section role="status" className="card border-green-600" aria-label={props.title}>
      <h2 className="font-semibold">{props.title}</h2>
      {props.note ? <p className="mt-1 text-sm">{props.note}</p> : null}
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <code data-testid={props.testId} className="break-all rounded bg-slate-100 px-2 py-1 dark:bg-slate-800">
          {props.secret}
        </code>
        <button type="button" className="btn" onClick={() => void navigator.clipboard?.writeText(props.secret).then(() => setCopied(true))}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="btn" onClick={props.onDone}>
          Done
        </button>
      </div>
    </section>
  );
}
