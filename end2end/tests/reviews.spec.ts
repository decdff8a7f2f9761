import { expect, test, type Page } from '@playwright/test';
import { goto, signInAsAdmin } from './helpers';

async function invite(admin: Page, name: string, email: string): Promise<void> {
  await goto(admin, '/settings/users');
  await admin.getByLabel('Display name').fill(name);
  await admin.getByLabel('E-mail', { exact: true }).fill(email);
  await admin.getByRole('button', { name: 'Create and invite' }).click();
  await expect(admin.locator('.invite-link')).toBeVisible();
}

async function makeEligible(admin: Page, email: string, role: string): Promise<void> {
  await goto(admin, '/settings/assignments');
  await admin.getByLabel('Person (e-mail)').fill(email);
  await admin.getByLabel('Role', { exact: true }).selectOption({ label: role });
  const lastDay = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  await admin.getByLabel('Last day (UTC)').fill(lastDay);
  await admin.getByLabel('Justification').fill('Keeps the audit vault');
  await admin.getByRole('button', { name: 'Assign' }).click();
  await expect(admin.getByText('Assignment added.')).toBeVisible();
}

// Runs after foundation.spec.ts, whose first administrator it signs in as.
test('an administrator reviews who keeps a role: the denied eligibility is removed and the results say who decided and why', async ({ page: admin }) => {
  await signInAsAdmin(admin);
  await invite(admin, 'Bea Builder', 'bea@example.org');
  await invite(admin, 'Dana Dev', 'dana@example.org');
  await goto(admin, '/settings/roles');
  await admin.getByLabel('Name').fill('Audit vault keeper');
  await admin.getByRole('button', { name: 'Create role' }).click();
  await expect(admin.getByRole('link', { name: 'Review its policy' })).toBeVisible();
  await makeEligible(admin, 'bea@example.org', 'Audit vault keeper');
  await makeEligible(admin, 'dana@example.org', 'Audit vault keeper');

  // A quarterly review of the role, starting now, with the administrator as named reviewer.
  await goto(admin, '/settings/reviews');
  const form = admin.locator('form.form');
  await form.locator('input[name=name]').fill('Quarterly vault keepers');
  const role = await form.locator('select[name=role_id] option', { hasText: 'Audit vault keeper' }).getAttribute('value');
  await form.locator('select[name=role_id]').selectOption(role!);
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

  await goto(admin, '/settings/assignments');
  await expect(admin.getByRole('row', { name: /Dana Dev.*Audit vault keeper/ })).toHaveCount(1);
  await expect(admin.getByRole('row', { name: /Bea Builder.*Audit vault keeper/ })).toHaveCount(0);
});
