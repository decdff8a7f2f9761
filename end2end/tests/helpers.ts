import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from '@playwright/test';
import { expect } from '@playwright/test';

export function bootstrapLink(): string {
  return JSON.parse(readFileSync(join(__dirname, '..', '.bootstrap.json'), 'utf8')).link;
}

/** A DevTools virtual authenticator that verifies the user, like a platform passkey. */
export async function addAuthenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

/** Waits until the WASM has taken over the server-rendered page. */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

export async function goto(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await hydrated(page);
}

const ADMIN_CREDENTIAL = join(__dirname, '..', '.admin-credential.json');

/** Keeps the first administrator's passkey (exported from its virtual authenticator) for the
 * specs that run after the foundation story. */
export async function saveAdminCredential(cdp: CDPSession, authenticatorId: string): Promise<void> {
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  writeFileSync(ADMIN_CREDENTIAL, JSON.stringify(credentials[0]));
}

/** Signs the first administrator in on `page`, with their saved passkey in a new authenticator. */
export async function signInAsAdmin(page: Page): Promise<void> {
  const { cdp, id } = await addAuthenticator(page);
  const credential = JSON.parse(readFileSync(ADMIN_CREDENTIAL, 'utf8'));
  // Each spec uses the key from where the last export left its counter; the server refuses
  // a counter that goes back (a cloned key), so every import starts well past earlier uses.
  credential.signCount += 10_000;
  writeFileSync(ADMIN_CREDENTIAL, JSON.stringify(credential));
  await cdp.send('WebAuthn.addCredential', { authenticatorId: id, credential });
  await goto(page, '/signin');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, First administrator' })).toBeVisible();
}

/** Moves the server's clock forward (debug builds with STINT_TEST_CLOCK only). */
export async function advanceClock(page: Page, seconds: number): Promise<void> {
  const response = await page.request.post(`/__test/clock/advance?seconds=${seconds}`);
  expect(response.ok()).toBeTruthy();
}

/** Runs the background job's pass now (debug builds with STINT_TEST_CLOCK only). */
export async function runDueWork(page: Page): Promise<void> {
  const response = await page.request.post('/__test/due-work');
  expect(response.ok(), await response.text()).toBeTruthy();
}

/** Creates a person as the signed-in administrator and returns their enrollment link. */
export async function invite(admin: Page, name: string, email: string, managerEmail = ''): Promise<string> {
  await goto(admin, '/settings/users');
  await admin.getByLabel('Display name').fill(name);
  await admin.getByLabel('E-mail', { exact: true }).fill(email);
  if (managerEmail) await admin.getByLabel("Manager's e-mail (optional)").fill(managerEmail);
  await admin.getByRole('button', { name: 'Create and invite' }).click();
  await expect(admin.locator('.invite-link')).toBeVisible();
  return (await admin.locator('.invite-link').textContent())!.trim();
}

/** A new browser context with its own virtual authenticator, enrolled through `link`. */
export async function enrolled(browser: Browser, link: string, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await addAuthenticator(page);
  await goto(page, link);
  await page.getByRole('button', { name: 'Create passkey' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${name}` })).toBeVisible();
  return page;
}

/** Makes the person with `email` eligible for `role` for 30 days, as the signed-in administrator. */
export async function makeEligible(admin: Page, email: string, role: string): Promise<void> {
  await goto(admin, '/settings/assignments');
  await admin.getByLabel('Person (e-mail)').fill(email);
  await admin.getByLabel('Role', { exact: true }).selectOption({ label: role });
  const lastDay = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  await admin.getByLabel('Last day (UTC)').fill(lastDay);
  await admin.getByLabel('Justification').fill('Keeps the audit vault');
  await admin.getByRole('button', { name: 'Assign' }).click();
  await expect(admin.getByText('Assignment added.')).toBeVisible();
}

/** Creates a role (tier 1 unless `tier` says otherwise) as the signed-in administrator. */
export async function createRole(admin: Page, name: string, tier = ''): Promise<void> {
  await goto(admin, '/settings/roles');
  await admin.getByLabel('Name').fill(name);
  if (tier) await admin.getByLabel('Tier').selectOption(tier);
  await admin.getByRole('button', { name: 'Create role' }).click();
  await expect(admin.getByRole('link', { name: 'Review its policy' })).toBeVisible();
}
