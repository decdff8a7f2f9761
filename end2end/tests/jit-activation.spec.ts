import { expect, test } from '@playwright/test';
import { addAuthenticator, advanceClock, goto, hydrated, signInAsAdmin } from './helpers';

// Runs after foundation.spec.ts, whose first administrator it signs in as.
test('an eligible user activates a role with a passkey, uses it, deactivates it, and an activation expires by itself', async ({ page, browser }) => {
  await signInAsAdmin(page);

  // The policy of User Administrator shows its defaults (and hydrates, text areas included).
  await goto(page, '/settings/roles/57170000-0000-4000-8000-000000000004');
  await expect(page.getByLabel(/^Maximum duration/)).toHaveValue('480');
  await expect(page.getByRole('button', { name: 'Save with passkey' })).toBeEnabled();

  // The administrator creates Ada and makes her eligible for User Administrator.
  await goto(page, '/settings/users');
  await page.getByLabel('Display name').fill('Ada Lovelace');
  await page.getByLabel('E-mail', { exact: true }).fill('ada@example.org');
  await page.getByRole('button', { name: 'Create and invite' }).click();
  const adaLink = (await page.locator('.invite-link').textContent())!.trim();

  await goto(page, '/settings/assignments');
  await page.getByLabel('Person (e-mail)').fill('ada@example.org');
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'User Administrator' });
  const lastDay = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Last day (UTC)').fill(lastDay);
  await page.getByLabel('Justification').fill('Ada runs onboarding for the support team');
  await page.getByRole('button', { name: 'Assign' }).click();
  await expect(page.getByText('Assignment added.')).toBeVisible();
  await expect(page.getByRole('cell', { name: 'Ada Lovelace ada@example.org' })).toBeVisible();

  // Ada enrolls in her own browser and sees the role as eligible, with what it takes.
  const adaContext = await browser.newContext();
  const ada = await adaContext.newPage();
  await addAuthenticator(ada);
  await goto(ada, adaLink);
  await ada.getByRole('button', { name: 'Create passkey' }).click();
  await expect(ada.getByRole('heading', { name: 'Welcome, Ada Lovelace' })).toBeVisible();
  await goto(ada, '/roles');
  await expect(ada.getByText('Passkey step-up')).toBeVisible();
  await expect(ada.getByText('Up to 8 h')).toBeVisible();

  // Asking for more than the maximum is refused with the reason.
  await ada.getByRole('link', { name: 'Activate User Administrator' }).click();
  await hydrated(ada);
  await ada.getByLabel(/^Minutes/).fill('600');
  await ada.getByLabel(/^Justification/).fill('Onboarding three new support agents today');
  await ada.evaluate(() => document.getElementById('duration_minutes')?.removeAttribute('max'));
  await ada.getByRole('button', { name: 'Activate with passkey' }).click();
  await expect(ada.getByRole('alert')).toContainText('at most 8 h');

  // One hour, with a step-up: the role is active and unlocks Settings → Users.
  await ada.getByRole('button', { name: '1 h', exact: true }).click();
  await ada.getByRole('button', { name: 'Activate with passkey' }).click();
  await expect(ada).toHaveURL(/\/roles\?tab=active$/);
  await expect(ada.getByRole('heading', { name: 'User Administrator' })).toBeVisible();
  await expect(ada.getByText(/1 h left|59 min left/).first()).toBeVisible();
  await goto(ada, '/settings/users');
  await expect(ada.getByRole('heading', { name: 'Users' })).toBeVisible();
  await expect(ada.getByRole('link', { name: 'Ada Lovelace' })).toBeVisible();

  // Deactivation waits five minutes, then ends the role at once.
  await goto(ada, '/roles?tab=active');
  await expect(ada.getByRole('button', { name: 'Deactivate User Administrator' })).toBeDisabled();
  await advanceClock(ada, 6 * 60);
  await goto(ada, '/roles?tab=active');
  await ada.getByRole('button', { name: 'Deactivate User Administrator' }).click();
  await expect(ada).toHaveURL(/tab=expired$/);
  await expect(ada.getByRole('cell', { name: 'deactivated' })).toBeVisible();
  await goto(ada, '/settings/users');
  await expect(ada.getByText('You need an active role')).toBeVisible();

  // Activated again, then the clock passes its end: access is gone with no job having run.
  await goto(ada, '/roles/57170000-0000-4000-8000-000000000004/activate');
  await ada.getByLabel(/^Justification/).fill('Second onboarding round this afternoon');
  await ada.getByRole('button', { name: '30 min', exact: true }).click();
  await ada.getByRole('button', { name: 'Activate with passkey' }).click();
  await expect(ada).toHaveURL(/\/roles\?tab=active$/);
  await goto(ada, '/settings/users');
  await expect(ada.getByRole('link', { name: 'Ada Lovelace' })).toBeVisible();
  await advanceClock(ada, 31 * 60);
  await goto(ada, '/settings/users');
  await expect(ada.getByText('You need an active role')).toBeVisible();
  await goto(ada, '/roles?tab=active');
  await expect(ada.getByText('You hold no role right now')).toBeVisible();
  await goto(ada, '/roles?tab=expired');
  await expect(ada.getByRole('cell', { name: 'expired' })).toBeVisible();
  await adaContext.close();
});
