import { expect, test, type Page } from '@playwright/test';
import { goto } from './helpers';

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
