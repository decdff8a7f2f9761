import { expect, test } from '@playwright/test';
import { goto, hydrated, signInAsAdmin } from './helpers';

test('an administrator creates a role-scoped API token shown once, an application uses it, and a revoked token is refused', async ({ page: admin }) => {
  await signInAsAdmin(admin);
  await goto(admin, '/settings/api-tokens');
  await hydrated(admin);
  await expect(admin.getByText('No token yet.')).toBeVisible();

  await admin.getByLabel('Name').fill('Helpdesk tool');
  await admin.getByRole('checkbox', { name: 'User Administrator' }).check();
  await admin.getByRole('button', { name: 'Create token' }).click();
  await expect(admin.getByRole('status')).toContainText('Copy it now');
  const token = (await admin.locator('.new-token').textContent())!.trim();
  expect(token).toMatch(/^stint_[0-9a-f]{32}_/);
  await expect(admin.getByRole('row', { name: /Helpdesk tool/ })).toContainText('User Administrator');

  // The application asks with the token; a role outside its scope is refused.
  const userAdmin = '57170000-0000-4000-8000-000000000004';
  const globalAdmin = '57170000-0000-4000-8000-000000000001';
  const headers = { authorization: `Bearer ${token}` };
  const allowed = await admin.request.get(`/api/v1/users/admin@localhost/roles/${userAdmin}`, { headers });
  expect(allowed.status()).toBe(200);
  expect((await allowed.json()).active).toBe(false);
  const outside = await admin.request.get(`/api/v1/users/admin@localhost/roles/${globalAdmin}`, { headers });
  expect(outside.status()).toBe(403);

  // Reloaded, the page never shows the token again; revoked, it is refused.
  await goto(admin, '/settings/api-tokens');
  await expect(admin.locator('body')).not.toContainText(token);
  await admin.getByRole('button', { name: 'Revoke Helpdesk tool' }).click();
  await expect(admin.getByRole('status')).toContainText('Token revoked');
  await expect(admin.getByRole('row', { name: /Helpdesk tool/ })).toContainText('revoked');
  const revoked = await admin.request.get(`/api/v1/users/admin@localhost/roles/${userAdmin}`, { headers });
  expect(revoked.status()).toBe(401);
});
