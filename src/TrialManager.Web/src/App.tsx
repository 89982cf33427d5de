import { useEffect, useState } from 'preact/hooks';
import { onSignedOut } from './api/http';
import { endSession, loadMe, restoreSession, signOut, type Session } from './api/session';
import type { Me, Trial } from './api/types';
import { PageHeading, Show } from './components/common';
import { useLoad } from './hooks';
import { EnrolPage } from './pages/EnrolPage';
import { HistoryPage } from './pages/HistoryPage';
import { ParticipantPage } from './pages/ParticipantPage';
import { QueriesPage } from './pages/QueriesPage';
import { SignInPage } from './pages/SignInPage';
import { TrialPage } from './pages/TrialPage';
import { TrialsPage } from './pages/TrialsPage';
import { VisitPage } from './pages/VisitPage';
import { roleNames } from './roles';
import { href, useRoute, type Route } from './router';
import { get } from './api/http';
import type { TrialContext } from './trial';

export function App() {
  const [session, setSession] = useState<Session | null>(() => restoreSession());
  const [ended, setEnded] = useState(false);
  useEffect(
    () =>
      onSignedOut(() => {
        endSession();
        setSession(null);
        setEnded(true);
      }),
    [],
  );
  if (!session)
    return (
      <SignInPage
        ended={ended}
        onSignedIn={(started) => {
          setEnded(false);
          setSession(started);
        }}
      />
    );
  return <SignedIn session={session} onSignOut={() => signOut(session).then(() => setSession(null))} />;
}

function SignedIn({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const me = useLoad(() => loadMe(), [session.userId]);
  const route = useRoute();
  const online = useOnline();
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href.trials()}>
          TrialManager
        </a>
        <span class="who">{session.displayName}</span>
        <button type="button" class="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {!online && (
        <p class="notice warning" role="status">
          You are offline. What you type is kept on this device and saved when the connection returns.
        </p>
      )}
      <main id="main" tabIndex={-1}>
        <Show loaded={me}>{(value) => <Page route={route} me={value} />}</Show>
      </main>
    </>
  );
}

function Page({ route, me }: { route: Route; me: Me }) {
  if (route.page === 'trials') return <TrialsPage me={me} />;
  if (route.page === 'not-found') return <NotFound />;
  return <TrialShell route={route} me={me} />;
}

function TrialShell({ route, me }: { route: Exclude<Route, { page: 'trials' } | { page: 'not-found' }>; me: Me }) {
  const membership = me.trials.find((t) => t.trialId === route.trialId);
  const trial = useLoad((signal) => get<Trial>(`/trials/${route.trialId}`, signal), [route.trialId]);
  if (!membership) return <NotFound />;
  return (
    <Show loaded={trial}>
      {(value) => {
        const context: TrialContext = { me, trial: value, role: membership.role };
        return (
          <>
            <nav aria-label="Breadcrumb" class="crumbs">
              <a href={href.trials()}>Your trials</a> › <a href={href.trial(value.id)}>{value.code}</a>
              <span class="role">({roleNames[membership.role]})</span>
            </nav>
            <TrialRoute route={route} context={context} />
          </>
        );
      }}
    </Show>
  );
}

function TrialRoute({ route, context }: { route: Route; context: TrialContext }) {
  switch (route.page) {
    case 'trial':
      return <TrialPage context={context} />;
    case 'enrol':
      return <EnrolPage context={context} />;
    case 'participant':
      return <ParticipantPage context={context} participantId={route.participantId} />;
    case 'visit':
      return <VisitPage context={context} participantId={route.participantId} timepointCode={route.timepointCode} />;
    case 'queries':
      return <QueriesPage context={context} />;
    case 'history':
      return <HistoryPage context={context} entityType={route.entityType} entityId={route.entityId} />;
    default:
      return <NotFound />;
  }
}

function NotFound() {
  return (
    <>
      <PageHeading title="Not found">Not found</PageHeading>
      <p>
        This page does not exist, or is not part of a trial you belong to. <a href={href.trials()}>Back to your trials</a>
      </p>
    </>
  );
}

function useOnline() {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    addEventListener('online', update);
    addEventListener('offline', update);
    return () => {
      removeEventListener('online', update);
      removeEventListener('offline', update);
    };
  }, []);
  return online;
}
