// The browser half of every WebAuthn ceremony. The server sends webauthn-rs options as JSON;
// the browser's own JSON helpers turn them into the binary form and back, so no base64 code
// lives here.
const withoutNulls = (json) => JSON.parse(json, (_key, value) => (value === null ? undefined : value));

export async function createCredential(optionsJson) {
  const { publicKey } = withoutNulls(optionsJson);
  const options = PublicKeyCredential.parseCreationOptionsFromJSON(publicKey);
  const credential = await navigator.credentials.create({ publicKey: options });
  return JSON.stringify(credential.toJSON());
}

export async function getCredential(optionsJson) {
  const { publicKey } = withoutNulls(optionsJson);
  const options = PublicKeyCredential.parseRequestOptionsFromJSON(publicKey);
  const credential = await navigator.credentials.get({ publicKey: options });
  return JSON.stringify(credential.toJSON());
}
