// Sets up a demonstration trial on a running TrialManager (deploy/local/start.sh) and prints the tokens of a
// researcher, a monitor and a blinded statistician, to sign in to the web client with.
//   node deploy/local/demo.mjs            (uses http://127.0.0.1:5080 and the admin token in .local/)
// Settings: TRIALMANAGER_URL, TRIALMANAGER_ADMIN_TOKEN. Every run makes a new trial; nothing existing is changed.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const base = (process.env.TRIALMANAGER_URL ?? 'http://127.0.0.1:5080').replace(/\/$/, '');
const admin = process.env.TRIALMANAGER_ADMIN_TOKEN ?? `tm_admin_${readFileSync(join(root, '.local', 'admin-token'), 'utf8').trim()}`;

async function call(method, path, body, token) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const stamp = Date.now().toString(36).slice(-5).toUpperCase();

async function person(role, trialId, siteIds) {
  const userName = `${role.replace(/-/g, '')}-${stamp.toLowerCase()}`;
  const user = await call('POST', '/users', { userName, displayName: `Demo ${role.replace(/-/g, ' ')}`, email: `${userName}@example.org` }, admin);
  const { token } = await call('POST', `/users/${user.id}/tokens`, { name: 'demo' }, admin);
  await call('PUT', `/trials/${trialId}/members/${user.id}`, { role, siteIds }, admin);
  return token;
}

const trial = await call('POST', '/trials', {
  code: `DEMO-${stamp}`,
  title: 'REFOCUS demonstration trial',
  registration: 'ISRCTN02507940',
  arms: [
    { code: 'refocus', label: 'REFOCUS intervention', ratio: 1 },
    { code: 'usual', label: 'Usual care', ratio: 1 },
  ],
}, admin);
const manager = await person('trial-manager', trial.id);
const site = await call('POST', `/trials/${trial.id}/sites`, { code: 'SLAM', name: 'South London and Maudsley' }, manager);
const clusters = [];
for (const code of ['CMHT-NORTH', 'CMHT-SOUTH'])
  clusters.push(await call('POST', `/trials/${trial.id}/clusters`, { code, siteId: site.id, covariates: { caseload: 200 } }, manager));
for (const code of ['QPR', 'HHI', 'MANSA', 'INSPIRE']) await call('POST', `/trials/${trial.id}/instruments`, { fromLibrary: code }, manager);
const timepoints = [
  { code: 'baseline', label: 'Baseline', offsetDays: 0, windowDaysBefore: 0, windowDaysAfter: 30 },
  { code: 'm12', label: '12 months', offsetDays: 365, windowDaysBefore: 30, windowDaysAfter: 60 },
];
for (const timepoint of timepoints) await call('POST', `/trials/${trial.id}/timepoints`, timepoint, manager);
await call('PUT', `/trials/${trial.id}/schedule`, {
  entries: timepoints.flatMap((t) => ['QPR', 'HHI', 'MANSA', 'INSPIRE'].map((instrumentCode) => ({ timepointCode: t.code, instrumentCode, participantKind: 'patient' }))),
}, manager);
const researcher = await person('researcher', trial.id, [site.id]);
const monitor = await person('monitor', trial.id);
const statistician = await person('statistician', trial.id);
// Baselines a year ago give follow-ups that are open, closing and overdue today.
const baselines = [-370, -400, -330, -430, -20];
for (const [index, offset] of baselines.entries())
  await call('POST', `/trials/${trial.id}/participants`, {
    externalId: `P-${stamp}-${index + 1}`, clusterId: clusters[index % 2].id, kind: 'patient', consentDate: day(offset - 7), baselineDate: day(offset),
  }, researcher);

console.log(`
  Demonstration trial ${trial.code} is ready. Open ${base}/app/ and sign in with a token:

  Researcher   ${researcher}
  Monitor      ${monitor}
  Statistician ${statistician}   (blinded)
  Manager      ${manager}
`);
