import type { ComponentChildren } from 'preact';

/** A labelled control with its hint and the server's message for it, tied together for assistive technology. */
export function Field(props: { id: string; label: string; hint?: string; errors?: string[]; children: (describedBy: string | undefined, invalid: boolean) => ComponentChildren }) {
  const errors = props.errors ?? [];
  const describedBy = [props.hint && `${props.id}-hint`, errors.length > 0 && `${props.id}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.hint && (
        <p id={`${props.id}-hint`} class="hint">
          {props.hint}
        </p>
      )}
      {props.children(describedBy, errors.length > 0)}
      {errors.length > 0 && (
        <p id={`${props.id}-error`} class="field-error">
          {errors.join(' ')}
        </p>
      )}
    </div>
  );
}
