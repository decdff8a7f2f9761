import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { advanceClock, createRole, enrolled, goto, hydrated, invite, makeEligible, signInAsAdmin } from './helpers';

// The downstream database is the machine's real PostgreSQL, reached with psql.
const PG_URL = process.env.STINT_PG_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const suffix = Date.now().toString(36);
const TARGET = `orders_admin_${suffix}`;
const GRACE = `grace_${suffix}`;
const MALLORY = `mallory_${suffix}`;

function psql(sql: string): string {
  return execFileSync('psql', [PG_URL, '-qtAc', sql], { encoding: 'utf8' }).trim();
}

function membersOfTarget(): string[] {
  const out = psql(
    `SELECT m.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid ` +
      `JOIN pg_roles m ON m.oid = a.member WHERE r.rolname = '${TARGET}' ORDER BY 1`,
  );
  return out ? out.split('\n') : [];
}

test.beforeAll(() => {
  psql(`CREATE ROLE ${TARGET} NOLOGIN; CREATE ROLE ${GRACE} LOGIN; CREATE ROLE ${MALLORY} LOGIN`);
});

test.afterAll(() => {
  psql(`DROP ROLE IF EXISTS ${GRACE}; DROP ROLE IF EXISTS ${MALLORY}; DROP ROLE IF EXISTS ${TARGET}`);
});

test('activating a connected role grants its database role within seconds, deactivating revokes it, and a member added behind Stint\'s back is flagged', async ({ page: admin, browser }) => {
  await signInAsAdmin(admin);
  await createRole(admin, 'Orders DBA');
  const link = await invite(admin, 'Grace Hopper', 'grace.hopper@example.org');
  await makeEligible(admin, 'grace.hopper@example.org', 'Orders DBA');

  // A role the database does not have is refused when the connector is saved.
  await goto(admin, '/settings/connectors');
  await expect(admin.getByText('No connector yet')).toBeVisible();
  await admin.getByLabel('Name').fill('Orders database');
  await admin.getByLabel('Stint role').selectOption({ label: 'Orders DBA' });
  await admin.getByLabel('PostgreSQL role to grant').fill(`${TARGET}_typo`);
  await admin.getByLabel('Connection URL').fill(PG_URL);
  await admin.getByRole('button', { name: 'Save connector' }).click();
  await expect(admin.getByRole('alert')).toContainText('does not exist');

  await admin.getByLabel('PostgreSQL role to grant').fill(TARGET);
  await admin.getByLabel('Connection URL').fill(PG_URL);
  await admin.getByRole('button', { name: 'Save connector' }).click();
  await expect(admin.getByRole('status')).toContainText('Connector saved');
  const panel = admin.getByRole('region', { name: 'Orders database' });
  await expect(panel).toContainText(TARGET);
  await expect(admin.locator('body')).not.toContainText('postgres://');

  await panel.getByLabel('E-mail').fill('grace.hopper@example.org');
  await panel.getByLabel('Login').fill(GRACE);
  await panel.getByRole('button', { name: 'Save login' }).click();
  await expect(admin.getByRole('cell', { name: GRACE })).toBeVisible();

  // Grace activates: the grant lands in PostgreSQL and My roles says so.
  const grace = await enrolled(browser, link, 'Grace Hopper');
  await goto(grace, '/roles');
  await grace.getByRole('link', { name: 'Activate Orders DBA' }).click();
  await hydrated(grace);
  await grace.getByRole('button', { name: '1 h', exact: true }).click();
  await grace.getByLabel(/^Justification/).fill('Rebuild the orders index after the outage (INC-5120)');
  await grace.getByRole('button', { name: 'Activate with passkey' }).click();
  await expect(grace).toHaveURL(/\/roles\?tab=active$/);
  await expect.poll(membersOfTarget, { timeout: 10_000 }).toEqual([GRACE]);
  await goto(grace, '/roles?tab=active');
  await expect(grace.getByRole('list', { name: 'Downstream access' })).toContainText('Orders database: granted');
  // The request's detail page says the same.
  await goto(grace, '/requests');
  await grace.getByRole('link', { name: 'Orders DBA' }).first().click();
  await expect(grace.getByRole('list', { name: 'Downstream access' })).toContainText('Orders database: granted');

  // Someone grants the role by hand: the drift check flags it on the page and as an alert.
  psql(`GRANT ${TARGET} TO ${MALLORY}`);
  const check = await admin.request.post('/__test/drift-check');
  expect(check.ok(), await check.text()).toBeTruthy();
  await goto(admin, '/settings/connectors');
  await expect(admin.getByRole('region', { name: 'Assigned outside Stint' })).toContainText(MALLORY);
  await expect(admin.getByRole('region', { name: 'Assigned outside Stint' })).not.toContainText(GRACE);
  await goto(admin, '/insights/alerts');
  await expect(admin.getByText('Downstream access assigned outside Stint')).toBeVisible();

  // Grace deactivates after the five-minute minimum: the revoke follows at once.
  await advanceClock(grace, 6 * 60);
  await goto(grace, '/roles?tab=active');
  await grace.getByRole('button', { name: 'Deactivate Orders DBA' }).click();
  await expect(grace).toHaveURL(/tab=expired$/);
  await expect.poll(membersOfTarget, { timeout: 10_000 }).toEqual([MALLORY]);
});
