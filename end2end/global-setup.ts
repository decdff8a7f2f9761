import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PORT } from './playwright.config';

// A TCP server on a free loopback port.
async function listening(server: Server): Promise<number> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
}

// Starts the built portal on an empty SQLite database and records the first administrator's
// enrollment link, which the server prints on first start. The portal streams its audit log
// to a syslog receiver here (which takes everything) and to an HTTP receiver that is down.
export default async function globalSetup(): Promise<() => Promise<void>> {
  const root = resolve(__dirname, '..');
  const syslog = createServer((socket) => socket.resume());
  const syslogPort = await listening(syslog);
  const down = createServer();
  const downPort = await listening(down);
  await new Promise((done) => down.close(done));
  const binary = process.env.STINT_SERVER_BIN ?? join(root, 'target', 'debug', 'server');
  const dataDir = mkdtempSync(join(tmpdir(), 'stint-e2e-'));
  const server = spawn(binary, [], {
    cwd: root,
    env: {
      ...process.env,
      STINT_PUBLIC_URL: `http://localhost:${PORT}`,
      STINT_LISTEN: `127.0.0.1:${PORT}`,
      STINT_DATA_DIR: dataDir,
      STINT_DATABASE_URL: '',
      STINT_SITE_ROOT: process.env.STINT_SITE_ROOT ?? join(root, 'target', 'site'),
      // The test clock (debug builds only) lets tests show expiry; the background job runs
      // once at start and then not again, so expiry is seen without it.
      STINT_TEST_CLOCK: 'true',
      STINT_DUE_WORK_SECONDS: '86400',
      // Specs move the clock forward (a review's end is a day away); the first
      // administrator's bootstrap Global Administrator lasts the longest allowed.
      STINT_BOOTSTRAP_ADMIN_HOURS: '72',
      STINT_AUDIT_SYSLOG: `tcp://127.0.0.1:${syslogPort}`,
      STINT_AUDIT_HTTP_URL: `http://localhost:${downPort}/ingest`,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const link = await new Promise<string>((resolveLink, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    server.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
    server.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/BOOTSTRAP_ENROLLMENT_URL=(\S+)/);
      if (match) {
        clearTimeout(timer);
        resolveLink(match[1]);
      }
    });
  });
  writeFileSync(join(__dirname, '.bootstrap.json'), JSON.stringify({ link, dataDir }));
  return async () => {
    server.kill('SIGINT');
    syslog.close();
  };
}
