import { expect, test } from '@playwright/test';
import { addAuthenticator, bootstrapLink, goto, hydrated, saveAdminCredential } from './helpers';

// One story, in order: the first administrator enrolls from the printed link, signs out and in
// with a discoverable passkey, manages passkeys and invites a colleague.
test.describe.configure({ mode: 'serial' });

test('the first administrator enrolls, signs in, manages passkeys and invites a user', async ({ page, browser }) => {
  const { cdp, id: firstKey } = await addAuthenticator(page);

  await goto(page, bootstrapLink());
  await expect(page.getByText('Welcome, First administrator')).toBeVisible();
  await page.getByLabel('Name this passkey').fill('Laptop');
  await page.getByRole('button', { name: 'Create passkey' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Welcome, First administrator' })).toBeVisible();
  await expect(page.getByLabel('Your active roles')).toContainText('Global Administrator');

  // The enrollment link works once.
  await goto(page, bootstrapLink());
  await expect(page.getByText('already been used')).toBeVisible();

  // Sign out, then sign in without typing a name.
  await goto(page, '/');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await hydrated(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, First administrator' })).toBeVisible();

  // A second passkey, on a second authenticator; then the first is removed with a step-up.
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: firstKey });
  const second = await addAuthenticator(page);
  await goto(page, '/account');
  await expect(page.getByRole('button', { name: 'Remove Laptop' })).toBeDisabled();
  await page.getByLabel('Name for the new passkey').fill('Security key');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(page.getByRole('button', { name: 'Remove Security key' })).toBeVisible();
  await page.getByRole('button', { name: 'Remove Laptop' }).click();
  await expect(page.getByRole('button', { name: 'Remove Laptop' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Remove Security key' })).toBeDisabled();
  await saveAdminCredential(second.cdp, second.id);

  // Create a user and hand them their link.
  await goto(page, '/settings/users');
  await page.getByLabel('Display name').fill('Grace Hopper');
  await page.getByLabel('E-mail', { exact: true }).fill('grace@example.org');
  await page.getByRole('button', { name: 'Create and invite' }).click();
  const invite = page.locator('.invite-link');
  await expect(invite).toContainText('/enroll/');
  const graceLink = (await invite.textContent())!.trim();
  await expect(page.getByRole('link', { name: 'Grace Hopper' })).toBeVisible();

  // Grace enrolls in her own browser; she holds no admin role, so she sees no Users page.
  const graceContext = await browser.newContext();
  const grace = await graceContext.newPage();
  await addAuthenticator(grace);
  await goto(grace, graceLink);
  await grace.getByRole('button', { name: 'Create passkey' }).click();
  await expect(grace.getByRole('heading', { name: 'Welcome, Grace Hopper' })).toBeVisible();
  await expect(grace.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await goto(grace, '/settings/users');
  await expect(grace.getByText('You need an active role')).toBeVisible();

  // Disabling Grace ends her session at once.
  await goto(page, '/settings/users');
  await page.getByRole('link', { name: 'Grace Hopper' }).click();
  await hydrated(page);
  await page.getByRole('button', { name: 'Disable user and end their sessions' }).click();
  await expect(page.getByText('Status: disabled')).toBeVisible();
  await goto(grace, '/');
  await expect(grace.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
  await graceContext.close();
});

test('a cross-site POST to a server function is refused', async ({ request, baseURL }) => {
  const response = await request.post(`${baseURL}/api/users/create`, {
    headers: { Origin: 'http://evil.example' },
    form: { display_name: 'Mallory', email: 'mallory@example.org', manager_email: '' },
  });
  expect(response.status()).toBe(403);
});

test('an unknown page answers 404', async ({ request, baseURL }) => {
  const response = await request.get(`${baseURL}/no-such-page`);
  expect(response.status()).toBe(404);
  expect(await response.text()).toContain('Page not found');
});
