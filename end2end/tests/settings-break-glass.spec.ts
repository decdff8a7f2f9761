import { expect, test } from '@playwright/test';
import { goto, signInAsAdmin } from './helpers';

// A manufacturer CA that no authenticator in this test chains to (generated once with openssl).
const UNRELATED_CA = `
-----BEGIN CERTIFICATE-----
MIIBuDCCAV+gAwIBAgIUdp+51XEE6ZnA5H2XMdJ0HlwL+N4wCgYIKoZIzj0EAwIw
MTEvMC0GA1UEAwwmU3RpbnQgZW5kLXRvLWVuZCB0ZXN0IGF0dGVzdGF0aW9uIHJv
b3QwIBcNMjYxMTI5MTA1NjE3WhgPMjEyNjExMDUxMDU2MTdaMDExLzAtBgNVBAMM
JlN0aW50IGVuZC10by1lbmQgdGVzdCBhdHRlc3RhdGlvbiByb290MFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAEkvLBy386uJxYxeW/jCb3uPynVcNNryuQkjGZK6Fx
zXwLH0vl5NwOQ6YTFe3ZXLBxnpSOj+demeCsDgdjAswtTaNTMFEwHQYDVR0OBBYE
FABQRwWc8CNoJY4zHgndfk5dCEC6MB8GA1UdIwQYMBaAFABQRwWc8CNoJY4zHgnd
fk5dCEC6MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgElAqpgC5
4ReZWyI9R3I5QXfNXzvYS4Mr2vNWpX9J5VUCIGtcJMecnCXMnHd4c1eEsqC9k+75
ga4wGCpXjsbVl7K1
-----END CERTIFICATE-----
`;

test('an enrolled key shows its custody and last drill and needs a second witness; a virtual passkey is refused with the reason', async ({ page: admin }) => {
  await signInAsAdmin(admin);
  await goto(admin, '/settings/break-glass');
  await expect(admin.getByText('Only 0 active break-glass accounts')).toBeVisible();

  await admin.getByLabel('Name', { exact: true }).fill('Emergency access 1');
  await admin.getByLabel('E-mail').fill('breakglass1@example.org');
  await admin.getByRole('button', { name: 'Create account' }).click();
  await expect(admin.getByRole('status')).toContainText('Account created with permanent Global Administrator');

  await admin.getByLabel('Description').fill('Example hardware key');
  await admin.getByLabel('AAGUID').fill('cb69481e-8ff7-4039-93ec-0a2729a154a8');
  await admin.getByLabel("Manufacturer's attestation root CA (PEM)").fill(UNRELATED_CA.trim());
  await admin.getByRole('button', { name: 'Allow this model' }).click();
  await expect(admin.getByRole('status').filter({ hasText: 'Model allowed.' })).toBeVisible();

  // A key the test hook enrolls through the real ceremony, with a CA it puts on the list.
  const hook = await admin.request.post('/__test/break-glass/soft-key?email=breakglass1@example.org&label=Key%20A');
  expect(hook.ok(), await hook.text()).toBeTruthy();
  await goto(admin, '/settings/break-glass');
  const vault = admin.getByRole('region', { name: 'Emergency access 1' });
  const key = vault.getByRole('row', { name: /Key A/ });
  await expect(key).toContainText('Soft token (test hook)');
  await expect(key).toContainText('Fire safe, head office');
  await expect(key).toContainText('Head of IT operations');
  await expect(key).toContainText('Awaiting witness');
  await expect(key.getByRole('cell').nth(6)).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
  await expect(admin.getByText('Emergency access 1 has 0 ready keys')).toBeVisible();

  // The administrator who enrolled it cannot also witness it.
  await key.getByRole('button', { name: 'Witness' }).click();
  await expect(admin.getByRole('alert').filter({ hasText: 'second administrator' })).toBeVisible();
  await expect(key).toContainText('Awaiting witness');

  // A roaming key in the browser: Chromium's virtual authenticator, which cannot prove a make.
  // (A second DevTools session replaces the first one's authenticators, so this comes last.)
  const cdp = await admin.context().newCDPSession(admin);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: 'usb',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  await goto(admin, '/settings/break-glass');
  await vault.getByLabel('Key name').fill('Virtual key');
  await vault.getByLabel('Where it is stored').fill('Desk drawer');
  await vault.getByLabel('Custodian').fill('Nobody in particular');
  await vault.getByRole('button', { name: 'Enroll a hardware key' }).click();
  await expect(admin.getByRole('alert').filter({ hasText: 'This key cannot be a break-glass key' }))
    .toContainText('does not chain to an allowed CA');
  await expect(vault.getByRole('row', { name: /Virtual key/ })).toHaveCount(0);
});
