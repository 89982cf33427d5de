import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, OfflineError } from '../api/http';
import type { Loaded } from '../hooks';

/** The page's heading takes the focus when the page opens, so a screen reader announces where the user now is. */
export function PageHeading({ children, title }: { children: ComponentChildren; title: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · TrialManager`;
    heading.current?.focus();
  }, [title]);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}

export function describeError(error: unknown): string {
  if (error instanceof OfflineError) return error.message;
  if (error instanceof ApiError) {
    if (error.status === 403) return 'Your role in this trial does not allow this.';
    if (error.status === 404) return 'Not found, or not at one of your sites.';
    const details = error.violations.map((v) => v.message).join(' ');
    return details || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNotice({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div class="notice error" role="alert">
      <p>{describeError(error)}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Renders a load's value, or says it is loading or why it failed. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (value: T) => ComponentChildren }) {
  if (loaded.state === 'loading')
    return (
      <p class="loading" role="status">
        Loading…
      </p>
    );
  if (loaded.state === 'failed') return <ErrorNotice error={loaded.error} retry={loaded.retry} />;
  return <>{children(loaded.value)}</>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{status.replace(/-/g, ' ')}</span>;
}
