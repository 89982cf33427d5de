import { useState } from 'preact/hooks';
import { ApiError } from '../api/http';
import { signIn, type Session } from '../api/session';
import { describeError, PageHeading } from '../components/common';

export function SignInPage({ onSignedIn, ended }: { onSignedIn: (session: Session) => void; ended: boolean }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    if (!token.trim()) {
      setError('Enter your personal API token.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(token));
    } catch (failure) {
      setError(failure instanceof ApiError && failure.status === 401 ? 'This token is not valid: it may be mistyped, revoked or expired.' : describeError(failure));
      setBusy(false);
    }
  }

  return (
    <main id="main" class="sign-in">
      <PageHeading title="Sign in">Sign in to TrialManager</PageHeading>
      {ended && (
        <p class="notice warning" role="status">
          Your session has ended. Sign in again to go on; anything you typed is kept on this device.
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <label for="token">API token</label>
        <p id="token-hint" class="hint">
          The personal token your trial's administrator gave you. It is exchanged for a session and not kept by this page.
        </p>
        <input
          id="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={token}
          aria-describedby={error ? 'token-hint token-error' : 'token-hint'}
          aria-invalid={error ? true : undefined}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        {error && (
          <p id="token-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
