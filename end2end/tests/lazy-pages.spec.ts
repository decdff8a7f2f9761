import { expect, test, type Page } from '@playwright/test';
import { goto, signInAsAdmin } from './helpers';

// Pages are split out of the main WASM module by area (personal, settings, oversight): a first
// load fetches the current area's code with the main module, and a link followed in the
// browser into another area fetches that area's code without reloading the page.

/** Records the site's code files the page fetches, and any that fail. */
function watchCode(page: Page): { fetched: string[]; failed: string[] } {
  const seen = { fetched: [] as string[], failed: [] as string[] };
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (!path.startsWith('/pkg/')) return;
    seen.fetched.push(path);
    if (response.status() >= 400) seen.failed.push(`${response.status()} ${path}`);
  });
  return seen;
}

test("a first load fetches only its area's code, and a link into another area loads that area in the page", async ({ page }) => {
  const code = watchCode(page);
  await goto(page, '/settings/roles');
  await expect(page.getByRole('heading', { level: 1, name: 'Roles' })).toBeVisible();
  expect(code.failed).toEqual([]);
  expect(code.fetched.some((p) => p.includes('settings_page'))).toBe(true);
  expect(code.fetched.some((p) => p.includes('personal_page'))).toBe(false);

  // A marker on the window survives only a navigation that the router handles in the page.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  await page.getByRole('link', { name: 'Stint', exact: true }).first().click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText('Just-in-time admin access.')).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  expect(code.fetched.some((p) => p.includes('personal_page'))).toBe(true);
  expect(code.failed).toEqual([]);
});

test('dates drawn in the browser read exactly as the server wrote them', async ({ page }) => {
  // The server formats dates with the `time` crate; the browser, to keep that code out of the
  // WASM, with its own `Date`. A page rendered by each must show the same text.
  await signInAsAdmin(page);
  await goto(page, '/account');
  const created = page.locator('table time').first();
  const datetime = await created.getAttribute('datetime');
  const title = await created.getAttribute('title');
  expect(datetime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  expect(title).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);

  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  await page.getByRole('link', { name: 'Home', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.getByRole('link', { name: 'My account', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  const drawn = page.locator('table time').first();
  await expect(drawn).toHaveAttribute('datetime', datetime!);
  await expect(drawn).toHaveAttribute('title', title!);
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
});
