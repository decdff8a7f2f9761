import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { goto, signInAsAdmin } from './helpers';

const SECRET = 'an end-to-end signing secret';

/** An HTTP receiver on loopback that keeps what it is sent. */
async function receiver(): Promise<{ url: string; got: { headers: IncomingHttpHeaders; body: string }[]; close: () => void }> {
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, got, close: () => server.close() };
}

// Runs after foundation.spec.ts, whose first administrator it signs in as.
test('an administrator adds a signed webhook channel and its test message arrives signed', async ({ page }) => {
  const hook = await receiver();
  await signInAsAdmin(page);
  await goto(page, '/settings/notifications');
  await expect(page.getByText('No channel yet')).toBeVisible();

  await page.getByLabel('Name', { exact: true }).fill('Security team webhook');
  await page.getByLabel('URL').fill(hook.url);
  await page.getByLabel(/^Signing secret/).fill('too short');
  await page.getByRole('button', { name: 'Add channel' }).click();
  await expect(page.getByRole('alert')).toContainText('at least 16');

  await page.getByLabel(/^Signing secret/).fill(SECRET);
  await page.getByRole('button', { name: 'Add channel' }).click();
  await expect(page.getByText('Channel added.')).toBeVisible();
  const row = page.getByRole('row', { name: /Security team webhook/ });
  await expect(row).toContainText(hook.url);
  await expect(row).not.toContainText(SECRET);

  await page.getByRole('button', { name: 'Send test to Security team webhook' }).click();
  await expect(page.getByText('Test message queued')).toBeVisible();
  await expect.poll(() => hook.got.length, { timeout: 20_000 }).toBe(1);

  const { headers, body } = hook.got[0];
  const signature = String(headers['stint-signature']);
  const [t, v1] = signature.split(',').map((part) => part.split('=')[1]);
  const expected = createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex');
  expect(v1).toBe(expected);
  expect(JSON.parse(body).event).toBe('test');
  hook.close();
});
