import type { Me } from '../api/types';
import { PageHeading } from '../components/common';
import { roleNames } from '../roles';
import { href } from '../router';

export function TrialsPage({ me }: { me: Me }) {
  return (
    <>
      <PageHeading title="Your trials">Your trials</PageHeading>
      {me.trials.length === 0 ? (
        <p>You are not a member of any trial yet. Ask your trial manager to add you.</p>
      ) : (
        <ul class="cards">
          {me.trials.map((membership) => (
            <li key={membership.trialId}>
              <a href={href.trial(membership.trialId)}>{membership.trialCode}</a>
              <span class="role">{roleNames[membership.role]}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
