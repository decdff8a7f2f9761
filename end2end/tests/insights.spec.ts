import { expect, test } from '@playwright/test';
import { createRole, enrolled, goto, hydrated, invite, makeEligible, signInAsAdmin } from './helpers';

const NO_STEP_UP = "Roles that don't require a passkey step-up to activate";

// Runs after foundation.spec.ts, whose first administrator it signs in as.
test('an administrator sees an alert with where to fix it and tunes the thresholds; an auditor reads alerts and charts but changes nothing', async ({ page: admin, browser }) => {
  await signInAsAdmin(admin);

  // A role that activates without a passkey step-up raises an alert.
  await createRole(admin, 'Wiki editor', '2');
  await admin.getByRole('link', { name: 'Review its policy' }).click();
  await hydrated(admin);
  await admin.getByLabel(/Require a passkey step-up \(always on for tier 0\)/).uncheck();
  await admin.getByRole('button', { name: 'Save with passkey' }).click();
  await expect(admin.getByRole('status')).toContainText('Policy saved.');

  await goto(admin, '/insights/alerts');
  const alert = admin.locator('li.alert', { hasText: NO_STEP_UP });
  await expect(alert).toContainText('Medium');
  await expect(alert).toContainText('Turn on "require step-up"');
  await alert.getByText('1 affected').click();
  await expect(alert.getByRole('link', { name: 'Wiki editor (tier 2)' })).toHaveAttribute('href', /^\/settings\/roles\//);

  // A threshold out of range names its field; a good one is kept.
  await hydrated(admin);
  await admin.getByLabel('Stale after (days)').fill('3');
  await admin.getByRole('button', { name: 'Save thresholds' }).click();
  await expect(admin.getByRole('alert')).toContainText('Stale after (days)');
  await admin.getByLabel('Stale after (days)').fill('60');
  await admin.getByRole('button', { name: 'Save thresholds' }).click();
  await expect(admin.getByRole('status')).toContainText('Thresholds saved.');
  await goto(admin, '/insights/alerts');
  await expect(admin.getByLabel('Stale after (days)')).toHaveValue('60');

  // The holiday calendar takes real dates only, and keeps them sorted.
  await hydrated(admin);
  await admin.getByLabel('Holidays').fill('2026-13-01');
  await admin.getByRole('button', { name: 'Save thresholds' }).click();
  await expect(admin.getByRole('alert')).toContainText('Holidays');
  await admin.getByLabel('Holidays').fill('2027-01-01, 2026-12-25');
  await admin.getByRole('button', { name: 'Save thresholds' }).click();
  await expect(admin.getByRole('status')).toContainText('Thresholds saved.');
  await goto(admin, '/insights/alerts');
  await expect(admin.getByLabel('Holidays')).toHaveValue('2026-12-25, 2027-01-01');

  // Sam, a Security Reader, activates his role and reads the log (both threshold changes)
  // and the alerts.
  const samLink = await invite(admin, 'Sam Auditor', 'sam@example.org');
  await makeEligible(admin, 'sam@example.org', 'Security Reader');
  const sam = await enrolled(browser, samLink, 'Sam Auditor');
  await goto(sam, '/roles');
  await sam.getByRole('link', { name: 'Activate Security Reader' }).click();
  await hydrated(sam);
  await sam.getByLabel(/^Justification/).fill('Quarterly audit of administrator access');
  await sam.getByRole('button', { name: 'Activate with passkey' }).click();
  await expect(sam).toHaveURL(/\/roles\?tab=active$/);

  await goto(sam, '/audit?action=insights.alertSettingsUpdated');
  await expect(sam.getByRole('row', { name: /insights\.alertSettingsUpdated/ })).toHaveCount(2);
  await sam.getByRole('button', { name: 'Verify the chain' }).click();
  await expect(sam.getByText(/The audit log is intact: \d+ events verified/)).toBeVisible();

  // Where the log streams to: the syslog receiver takes it all, the HTTP one is down.
  await sam.getByRole('link', { name: 'Streaming to SIEMs' }).click();
  await expect(sam.getByRole('heading', { name: 'Streaming to SIEMs' })).toBeVisible();
  const syslogRow = sam.getByRole('row', { name: /syslog over TCP to 127\.0\.0\.1:\d+/ });
  await expect(syslogRow).toContainText(/event [1-9]\d*/);
  await expect(syslogRow.getByText(/Up to date|Delivering/)).toBeVisible();
  const httpRow = sam.getByRole('row', { name: /JSON lines over HTTP to http:\/\/localhost:\d+\/ingest/ });
  await expect(httpRow.getByText('Failing')).toBeVisible();
  await expect(httpRow).toContainText(/could not be reached: .*refused/i);
  await expect(httpRow).toContainText('never');

  await goto(sam, '/insights/alerts');
  await expect(sam.locator('li.alert', { hasText: NO_STEP_UP })).toBeVisible();
  await expect(sam.getByLabel('Stale after (days)')).toBeDisabled();
  await expect(sam.getByRole('button', { name: 'Save thresholds' })).toHaveCount(0);
  await expect(sam.getByText('Security Administrators change the thresholds.')).toBeVisible();

  // Sam reads the Insights charts, drawn from the history so far (his own activation included).
  await sam.getByRole('link', { name: 'Insights', exact: true }).click();
  await expect(sam.getByRole('heading', { name: 'Insights', level: 1 })).toBeVisible();
  const section = (heading: string) => sam.locator('section', { has: sam.getByRole('heading', { name: heading }) });
  const share = section('Eligible share of assignments');
  await expect(share.getByRole('img', { name: /with the 90 % target/ })).toBeVisible();
  await expect(share.getByText('target 90 %')).toBeVisible();
  await expect(share.getByRole('listitem').filter({ hasText: 'Tier 0' })).toContainText(/\d+ % eligible \(\d+ eligible, [1-9]\d* standing\)/);
  const perDay = section('Activations a day');
  await expect(perDay.getByText(/[1-9]\d* activations? in the last 30 days/)).toBeVisible();
  await expect(perDay.locator('rect.bar')).toHaveCount(30);
  await perDay.getByText('Figures').click();
  await expect(perDay.locator('tbody tr').last().locator('td')).toHaveText(/^[1-9]\d*$/);
  await expect(sam.getByRole('img', { name: /Approval latency p50 and p90 by week/ })).toBeVisible();
  await expect(sam.getByRole('img', { name: /Share of activations ended early/ })).toBeVisible();
  await expect(section('Access review completion').getByText('target 95 %')).toBeVisible();

  // A hand-made request is refused by the server, not just hidden by the page.
  const forged = await sam.request.post('/api/insights/alert-settings', {
    headers: { origin: new URL(sam.url()).origin, accept: 'application/json' },
    form: { stale_after_days: '7', tier0_max_holders: '1000', tier0_max_percent: '100', activations_per_week: '10000', drill_overdue_days: '90', business_time_zone: 'UTC', business_start_hour: '0', business_end_hour: '24', holidays: '', notify_from: 'Low' },
  });
  expect(forged.status()).toBe(403);
  await goto(admin, '/insights/alerts');
  await expect(admin.getByLabel('Stale after (days)')).toHaveValue('60');
});
