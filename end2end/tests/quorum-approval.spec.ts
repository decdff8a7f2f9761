import { expect, test } from '@playwright/test';
import { enrolled, goto, hydrated, invite, signInAsAdmin } from './helpers';

// Runs after foundation.spec.ts, whose first administrator it signs in as.
test('two of two named approvers approve with their passkeys and the requester\'s role becomes active', async ({ page: admin, browser }) => {
  await signInAsAdmin(admin);
  const ritaLink = await invite(admin, 'Rita Requester', 'rita@example.org');
  const alexLink = await invite(admin, 'Alex Approver', 'alex@example.org');
  const blakeLink = await invite(admin, 'Blake Approver', 'blake@example.org');

  // A custom role that needs two approvals, Rita eligible for it.
  await goto(admin, '/settings/roles');
  await admin.getByLabel('Name').fill('Payments database owner');
  await admin.getByRole('button', { name: 'Create role' }).click();
  const policy = await admin.getByRole('link', { name: 'Review its policy' }).getAttribute('href');
  await goto(admin, policy!);
  await admin.getByLabel('Require approval').check();
  await admin.getByLabel(/^Approvers/).fill('alex@example.org\nblake@example.org');
  await admin.getByLabel(/^Approvals needed/).fill('2');
  await admin.getByRole('button', { name: 'Save with passkey' }).click();
  await expect(admin.getByText('Policy saved.')).toBeVisible();

  await goto(admin, '/settings/assignments');
  await admin.getByLabel('Person (e-mail)').fill('rita@example.org');
  await admin.getByLabel('Role', { exact: true }).selectOption({ label: 'Payments database owner' });
  const lastDay = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  await admin.getByLabel('Last day (UTC)').fill(lastDay);
  await admin.getByLabel('Justification').fill('Rita is on the payments on-call rota');
  await admin.getByRole('button', { name: 'Assign' }).click();
  await expect(admin.getByText('Assignment added.')).toBeVisible();

  // Rita asks for an hour; the request waits for approval. Her justification carries markup.
  const rita = await enrolled(browser, ritaLink, 'Rita Requester');
  await goto(rita, '/roles');
  await expect(rita.getByText('Approval by 2')).toBeVisible();
  await rita.getByRole('link', { name: 'Activate Payments database owner' }).click();
  await hydrated(rita);
  const markup = 'Fix payouts <img src=x onerror=alert(1)> <a href="https://evil.example">click</a>';
  await rita.getByLabel(/^Justification/).fill(markup);
  await rita.getByRole('button', { name: '1 h', exact: true }).click();
  await rita.getByRole('button', { name: 'Activate with passkey' }).click();
  await expect(rita).toHaveURL(/\/requests$/);
  await expect(rita.getByRole('cell', { name: 'Waiting for approval' })).toBeVisible();

  // Alex sees it counted in the navigation, reads the markup as plain text, and approves.
  const alex = await enrolled(browser, alexLink, 'Alex Approver');
  await goto(alex, '/approvals');
  await expect(alex.getByRole('link', { name: /Approvals\s*1/ })).toBeVisible();
  const card = alex.locator('.card.approval');
  await expect(card).toHaveCount(1);
  await expect(card.getByText(markup)).toBeVisible();
  await expect(card.locator('img')).toHaveCount(0);
  await expect(card.getByText('First activation of this role by this person')).toBeVisible();
  const href = await card.getByRole('link', { name: 'Review and decide' }).getAttribute('href');
  const requestId = href!.split('/').pop()!;

  // Rita cannot approve her own request, whatever approver she names in the body.
  const forged = await rita.request.post('/api/approvals/decide/start', {
    form: { id: requestId, verdict: 'approve', reason: '', approver_id: 'alex@example.org' },
    headers: { accept: 'application/json', origin: new URL(rita.url()).origin },
  });
  expect(forged.status()).toBe(409);
  expect(await forged.text()).toContain('your own request');

  await goto(alex, href!);
  await alex.getByRole('button', { name: 'Approve with passkey' }).click();
  await expect(alex.getByRole('status')).toContainText('Approval recorded: 1 of 2 needed.');

  // Blake approves from the list with the bulk action: quorum reached, the role is Rita's.
  const blake = await enrolled(browser, blakeLink, 'Blake Approver');
  await goto(blake, '/approvals');
  await blake.getByLabel('Select').check();
  await blake.getByRole('button', { name: 'Approve selected (1)' }).click();
  await expect(blake.getByText('No activation requests wait for your decision.')).toBeVisible();
  await goto(blake, '/approvals?tab=history');
  await expect(blake.getByRole('cell', { name: 'Active' })).toBeVisible();

  await goto(rita, '/roles?tab=active');
  await expect(rita.getByRole('heading', { name: 'Payments database owner' })).toBeVisible();
  await expect(rita.getByText(/1 h left|59 min left/).first()).toBeVisible();

  for (const p of [rita, alex, blake]) await p.context().close();
});
