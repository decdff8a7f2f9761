import { expect, test } from '@playwright/test';
import { addAuthenticator, goto, signInAsAdmin } from './helpers';

// Runs last: it makes a second administrator, after which the first administrator's own
// changes wait for approval.
test('an administrator\'s edit of a role they may activate waits until a second administrator approves it with a passkey', async ({ page: admin, browser }) => {
  await signInAsAdmin(admin);
  await goto(admin, '/settings/users');
  await admin.getByLabel('Display name').fill('Carol Checker');
  await admin.getByLabel('E-mail', { exact: true }).fill('carol@example.org');
  await admin.getByRole('button', { name: 'Create and invite' }).click();
  const carolLink = (await admin.locator('.invite-link').textContent())!.trim();

  // Alone, the administrator makes Carol an active Privileged Role Administrator at once.
  await goto(admin, '/settings/assignments');
  await admin.getByLabel('Person (e-mail)').fill('carol@example.org');
  await admin.getByLabel('Role', { exact: true }).selectOption({ label: 'Privileged Role Administrator' });
  await admin.getByLabel('Type', { exact: true }).selectOption('active');
  const lastDay = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  await admin.getByLabel('Last day (UTC)').fill(lastDay);
  await admin.getByLabel('Justification').fill('Second administrator for the two-person rule');
  await admin.getByRole('button', { name: 'Assign' }).click();
  await expect(admin.getByText('Assignment added.')).toBeVisible();

  // Now the administrator's edit of Global Administrator (which they may activate) waits.
  await goto(admin, '/settings/roles');
  await admin.getByRole('link', { name: 'Global Administrator' }).click();
  await expect(admin.getByLabel(/^Maximum duration/)).toHaveValue('240');
  await admin.getByLabel(/^Maximum duration/).fill('120');
  await admin.getByLabel('Someone activates (or asks to): Administrators: extra recipients').fill('SOC@example.org');
  await admin.getByRole('button', { name: 'Save with passkey' }).click();
  await expect(admin.getByRole('status')).toContainText('waits for another administrator');
  await goto(admin, '/approvals');
  await expect(admin.getByText('Your change: another administrator decides.')).toBeVisible();
  await expect(admin.getByRole('button', { name: 'Approve change with passkey' })).toHaveCount(0);

  // Carol sees the change, with what it changes, counted in her navigation, and approves it.
  const carol = await (await browser.newContext()).newPage();
  await addAuthenticator(carol);
  await goto(carol, carolLink);
  await carol.getByRole('button', { name: 'Create passkey' }).click();
  await expect(carol.getByRole('heading', { name: 'Welcome, Carol Checker' })).toBeVisible();
  await goto(carol, '/approvals');
  await expect(carol.getByRole('link', { name: /Approvals\s*1/ })).toBeVisible();
  const change = carol.locator('.card.change');
  await expect(change).toContainText('Edit the policy of Global Administrator');
  await expect(change).toContainText('activation.max_duration_seconds: 14400 → 7200');
  await expect(change).toContainText('notifications.activated.admins.extra: [] → ["soc@example.org"]');
  await expect(change).toContainText('First administrator');
  await change.getByRole('button', { name: 'Approve change with passkey' }).click();
  await expect(change.getByRole('status')).toContainText('Approved: the change is applied.');

  await admin.reload();
  await goto(admin, '/settings/roles');
  await admin.getByRole('link', { name: 'Global Administrator' }).click();
  await expect(admin.getByLabel(/^Maximum duration/)).toHaveValue('120');
  await expect(admin.getByLabel('Someone activates (or asks to): Administrators: extra recipients')).toHaveValue('soc@example.org');

  // Extending someone else's assignment does not affect the administrator: it applies at once.
  await goto(admin, '/settings/assignments');
  await admin.getByRole('link', { name: "Extend Carol Checker's Privileged Role Administrator assignment" }).click();
  await expect(admin.getByRole('heading', { name: 'Extend an assignment' })).toBeVisible();
  const newLastDay = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
  await admin.getByLabel('New last day (UTC)').fill(newLastDay);
  await admin.getByLabel('Justification').fill('Carol covers the migration for another week');
  await admin.getByRole('button', { name: 'Extend with passkey' }).click();
  await expect(admin.getByRole('status')).toContainText('Assignment extended.');
  await carol.context().close();
});
