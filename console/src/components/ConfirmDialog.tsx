import { Dialog } from 'radix-ui';
import { type ReactNode, useState } from 'react';
import { FormError } from './Field.tsx';

/**
 * A destructive action behind a confirmation: the trigger opens a dialog that says what will happen, and the action
 * runs only from its confirm button. With `confirmWord`, the operator types it first (the button is disabled until
 * then). The dialog closes when `onConfirm` resolves and stays open, showing `error`, when it rejects.
 */
export function ConfirmDialog(props: {
  /** The trigger button's text. */
  trigger: string;
  /** The trigger's accessible name, when its text alone is ambiguous (one per table row). */
  triggerLabel?: string;
  title: string;
  description: ReactNode;
  /** The confirm button's text. */
  confirm: string;
  confirmWord?: string;
  /** The id of the typed confirmation's input (unique on the page). */
  inputId?: string;
  pending?: boolean;
  error?: string | null;
  /** Called when the dialog opens: clear a previous attempt's error. */
  onOpen?: () => void;
  onConfirm: () => Promise<unknown>;
}) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const inputId = props.inputId ?? 'confirm-word';
  const ready = props.confirmWord === undefined || typed === props.confirmWord;
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        setTyped('');
        if (next) props.onOpen?.();
      }}
    >
      <Dialog.Trigger asChild>
        <button type="button" className="btn btn-danger" aria-label={props.triggerLabel}>
          {props.trigger}
        </button>
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 bg-black/50" />
        <Dialog.Content className="fixed top-1/2 left-1/2 w-[min(28rem,90vw)] -translate-x-1/2 -translate-y-1/2 rounded-lg bg-white p-4 text-slate-900 dark:bg-slate-900 dark:text-slate-100">
          <Dialog.Title className="text-lg font-semibold">{props.title}</Dialog.Title>
          <Dialog.Description className="muted mt-1 text-sm">
            {props.description}
            {props.confirmWord !== undefined ? (
              <>
                {' '}
                Type <code>{props.confirmWord}</code> to confirm.
              </>
            ) : null}
          </Dialog.Description>
          {props.confirmWord !== undefined ? (
            <>
              <label htmlFor={inputId} className="label mt-3">
                Confirmation
              </label>
              <input id={inputId} className="input" value={typed} onChange={(e) => setTyped(e.target.value)} />
            </>
          ) : null}
          <FormError message={props.error ?? null} className="mt-3" />
          <div className="mt-3 flex gap-2">
            <button
              type="button"
              className="btn btn-danger"
              disabled={!ready || props.pending}
              onClick={() => {
                props.onConfirm().then(
                  () => setOpen(false),
                  // The caller's mutation holds the error; it shows above.
                  () => {},
                );
              }}
            >
              {props.confirm}
            </button>
            <Dialog.Close asChild>
              <button type="button" className="btn">
                Cancel
              </button>
            </Dialog.Close>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
