import type { UseFormReturn } from 'react-hook-form';
import { Field } from './Field.tsx';
import { errorUnder } from './forms.ts';

/** A group's editable fields as a form holds them (roles comma-separated). */
export interface GroupFormValues {
  displayName: string;
  externalId: string;
  roles: string;
}

/**
 * The name, external id and roles inputs of a group, for the create form and the edit form alike. `ids` prefixes the
 * inputs' ids (`<ids>-name`, `<ids>-external`, `<ids>-roles`); `labels` names them as each form says it; `errors`
 * are the server's field errors of the last save.
 */
export function GroupFields(props: {
  form: UseFormReturn<GroupFormValues>;
  ids: string;
  labels: { name: string; externalId: string; roles: string };
  errors: Record<string, string>;
}) {
  const { form, ids, labels, errors } = props;
  return (
    <>
      <Field id={`${ids}-name`} label={labels.name} error={form.formState.errors.displayName?.message ?? errors.displayName}>
        <input
          id={`${ids}-name`}
          className="input"
          {...form.register('displayName', { validate: (v) => v.trim() !== '' || 'A name is required' })}
        />
      </Field>
      <Field id={`${ids}-external`} label={labels.externalId} error={errors.externalId}>
        <input id={`${ids}-external`} className="input" {...form.register('externalId')} />
      </Field>
      <Field id={`${ids}-roles`} label={labels.roles} error={errorUnder(errors, 'roles')}>
        <input id={`${ids}-roles`} className="input" {...form.register('roles')} />
      </Field>
    </>
  );
}
