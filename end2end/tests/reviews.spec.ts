import { expect, test } from '@playwright/test';
import { advanceClock, createRole, enrolled, goto, invite, makeEligible, runDueWork, signInAsAdmin } from './helpers';

// Runs after foundation.spec.ts, whose first administrator it signs in as.
test('an administrator reviews who keeps a role: the denied eligibility is removed and the results say who decided and why', async ({ page: admin }) => {
  await signInAsAdmin(admin);
  await invite(admin, 'Bea Builder', 'bea@example.org');
  await invite(admin, 'Dana Dev', 'dana@example.org');
  await createRole(admin, 'Audit vault keeper');
  await makeEligible(admin, 'bea@example.org', 'Audit vault keeper');
  await makeEligible(admin, 'dana@example.org', 'Audit vault keeper');

  // A quarterly review of the role, starting now, with the administrator as named reviewer.
  await goto(admin, '/settings/reviews');
  const form = admin.locator('form.form');
  await form.locator('input[name=name]').fill('Quarterly vault keepers');
  await form.getByRole('checkbox', { name: /^Audit vault keeper/ }).check();
  await form.locator('select[name=reviewers]').selectOption('named');
  await form.locator('textarea[name=reviewer_emails]').fill('admin@localhost');
  await form.getByRole('button', { name: 'Create review' }).click();
  await expect(admin.getByText('Review created.')).toBeVisible();
  await expect(admin.getByRole('heading', { name: 'Quarterly vault keepers' })).toBeVisible();

  // The reviewer's inbox: one person denied with a reason, the other approved.
  await goto(admin, '/reviews');
  const bea = admin.getByRole('row', { name: /Bea Builder/ });
  await expect(bea).toContainText('Audit vault keeper');
  await bea.locator('select[name=decision]').selectOption('deny');
  await bea.locator('input[name=reason]').fill('Moved to the payments team');
  await bea.getByRole('button', { name: 'Submit answer' }).click();
  await expect(admin.getByRole('row', { name: /Bea Builder/ })).toHaveCount(0);
  const dana = admin.getByRole('row', { name: /Dana Dev/ });
  await dana.locator('select[name=decision]').selectOption('approve');
  await dana.getByRole('button', { name: 'Submit answer' }).click();
  await expect(admin.getByText('Nothing to review.', { exact: false })).toBeVisible();

  // Stopping the review settles it now; auto-apply removes Bea's eligibility at once.
  await goto(admin, '/settings/reviews');
  await admin.getByRole('button', { name: 'Stop now' }).click();
  const beaResult = admin.getByRole('row', { name: /Bea Builder/ });
  await expect(beaResult).toContainText('remove (reviewer)');
  await expect(beaResult).toContainText('Moved to the payments team');
  await expect(beaResult).toContainText('removed');
  await expect(admin.getByRole('row', { name: /Dana Dev/ })).toContainText('keep (reviewer)');
  // Dana was approved without a reason: Bea's reason stayed in Bea's row.
  await expect(admin.getByRole('row', { name: /Dana Dev/ })).not.toContainText('Moved to the payments team');

  await goto(admin, '/settings/assignments');
  await expect(admin.getByRole('row', { name: /Dana Dev.*Audit vault keeper/ })).toHaveCount(1);
  await expect(admin.getByRole('row', { name: /Bea Builder.*Audit vault keeper/ })).toHaveCount(0);
});

// The story: managers review their reports, the review ends on the clock, and the
// denied eligibility is gone with the reason on the results page and in the export.
test('a manager denies one report and keeps another; when the quarterly review ends the denied eligibility is removed and the results and export say why', async ({ page: admin, browser }) => {
  await signInAsAdmin(admin);
  const miaLink = await invite(admin, 'Mia Manager', 'mia@example.org');
  await invite(admin, 'Kai Keeper', 'kai@example.org', 'mia@example.org');
  await invite(admin, 'Lee Leaver', 'lee@example.org', 'mia@example.org');
  await createRole(admin, 'Ledger administrator');
  await makeEligible(admin, 'kai@example.org', 'Ledger administrator');
  await makeEligible(admin, 'lee@example.org', 'Ledger administrator');

  // Quarterly, one day long, each person's manager reviewing, the administrator as fallback.
  await goto(admin, '/settings/reviews');
  const form = admin.locator('form.form');
  await form.locator('input[name=name]').fill('Quarterly ledger administrators');
  await form.getByRole('checkbox', { name: /^Ledger administrator/ }).check();
  await form.locator('select[name=reviewers]').selectOption('manager');
  await form.locator('textarea[name=reviewer_emails]').fill('admin@localhost');
  await form.locator('input[name=duration_days]').fill('1');
  await form.locator('select[name=recurrence]').selectOption('quarterly');
  await form.getByRole('button', { name: 'Create review' }).click();
  await expect(admin.getByText('Review created.')).toBeVisible();

  // Mia's inbox holds her two reports, not the administrator's items.
  const mia = await enrolled(browser, miaLink, 'Mia Manager');
  await goto(mia, '/reviews');
  const lee = mia.getByRole('row', { name: /Lee Leaver/ });
  await expect(lee).toContainText('Ledger administrator');
  await expect(mia.getByRole('row', { name: /Bea Builder|Dana Dev/ })).toHaveCount(0);
  await lee.locator('select[name=decision]').selectOption('deny');
  await lee.locator('input[name=reason]').fill('Left the ledger team in October');
  await lee.getByRole('button', { name: 'Submit answer' }).click();
  await expect(mia.getByRole('row', { name: /Lee Leaver/ })).toHaveCount(0);
  const kai = mia.getByRole('row', { name: /Kai Keeper/ });
  await kai.locator('select[name=decision]').selectOption('approve');
  await kai.getByRole('button', { name: 'Submit answer' }).click();
  await expect(mia.getByText('Nothing to review.', { exact: false })).toBeVisible();

  // A day and an hour later the review has ended; the background pass completes and applies it.
  await advanceClock(admin, 25 * 3600);
  await runDueWork(admin);
  // A day is longer than a session lasts: the administrator signs in again.
  const later = await (await browser.newContext()).newPage();
  await signInAsAdmin(later);
  await checkResults(later);
});

/** The results of the ledger review as an administrator sees and exports them. */
async function checkResults(admin: Page): Promise<void> {
  await goto(admin, '/settings/reviews');
  const section = admin.locator('section', { has: admin.getByRole('heading', { name: 'Quarterly ledger administrators' }) });
  await expect(section).toContainText('instance 1: applied');
  const leeResult = section.getByRole('row', { name: /Lee Leaver/ });
  await expect(leeResult).toContainText('remove (reviewer)');
  await expect(leeResult).toContainText('Left the ledger team in October');
  await expect(leeResult).toContainText('Mia Manager');
  await expect(leeResult).toContainText('removed');
  await expect(section.getByRole('row', { name: /Kai Keeper/ })).toContainText('keep (reviewer)');
  await expect(section.locator('table.history')).toContainText('100 % (2 of 2)');
  await expect(section.locator('table.history')).toContainText('automatically');

  const href = await section.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  const csv = await (await admin.request.get(href!)).text();
  const leeLine = csv.split('\n').find((line) => line.includes('Lee Leaver'));
  expect(leeLine).toContain('Left the ledger team in October');
  expect(leeLine).toContain('Mia Manager');
  expect(leeLine).toContain('remove');

  await goto(admin, '/settings/assignments');
  await expect(admin.getByRole('row', { name: /Kai Keeper.*Ledger administrator/ })).toHaveCount(1);
  await expect(admin.getByRole('row', { name: /Lee Leaver.*Ledger administrator/ })).toHaveCount(0);

  // The audit log holds the removal, done by Stint itself (auto-apply), and its chain verifies.
  await goto(admin, '/audit?action=review.assignment_removed');
  await expect(admin.getByRole('row', { name: /review\.assignment_removed.*Stint.*Lee Leaver/ })).toHaveCount(1);
  await admin.getByRole('button', { name: 'Verify the chain' }).click();
  await expect(admin.getByText(/The audit log is intact: \d+ events verified/)).toBeVisible();

  // Everything about the role, from the filter form, then the same events as a download.
  await goto(admin, '/audit');
  await admin.getByLabel('Role', { exact: true }).fill('Ledger administrator');
  await admin.getByRole('button', { name: 'Filter' }).click();
  await expect(admin).toHaveURL(/role=Ledger(\+|%20)administrator/);
  await expect(admin.getByRole('row', { name: /review\.assignment_removed.*Lee Leaver/ })).toHaveCount(1);
  const exportHref = await admin.getByRole('link', { name: 'CSV', exact: true }).getAttribute('href');
  expect(exportHref).toContain('role=Ledger%20administrator');
  const events = (await (await admin.request.get(exportHref!)).text()).trim().split('\n');
  expect(events[0]).toMatch(/^seq,time,action,outcome,/);
  expect(events.length).toBeGreaterThan(2);
  expect(events.slice(1).every((line) => line.includes('Ledger administrator'))).toBe(true);
  expect(events.some((line) => line.includes('review.assignment_removed'))).toBe(true);
}
