import { useEffect, useRef, useState } from 'preact/hooks';

/** Asks why a complete assessment is being changed; the reason goes into the audit trail with the change. */
export function ReasonDialog({ title, intro, onConfirm, onCancel }: { title: string; intro: string; onConfirm: (reason: string) => void; onCancel: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState(false);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal?.();
    return () => element?.close?.();
  }, []);
  function confirm(event: Event) {
    event.preventDefault();
    if (!reason.trim()) return setError(true);
    onConfirm(reason.trim());
  }
  return (
    <dialog ref={dialog} aria-labelledby="reason-title" onCancel={(e) => (e.preventDefault(), onCancel())}>
      <form onSubmit={confirm} noValidate>
        <h2 id="reason-title">{title}</h2>
        <p>{intro}</p>
        <label for="reason">Reason for change</label>
        <textarea id="reason" value={reason} aria-invalid={error || undefined} aria-describedby={error ? 'reason-error' : undefined} onInput={(e) => (setReason(e.currentTarget.value), setError(false))} />
        {error && (
          <p id="reason-error" class="field-error">
            A reason is needed to change a complete assessment.
          </p>
        )}
        <div class="actions">
          <button type="submit" class="primary">
            Continue
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
