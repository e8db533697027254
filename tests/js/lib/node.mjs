// Starts a real `luxtensor --dev` node on a free loopback port for a test file, waits until it
// serves RPC (with a deadline, never a fixed sleep), and kills it afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The binary under test: $LUXTENSOR_BIN, or the debug build of this checkout. */
export function binary() {
  const bin = process.env.LUXTENSOR_BIN ?? path.resolve(here, '../../../target/debug/luxtensor');
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: build it with \`cargo build -p luxtensor\` or set LUXTENSOR_BIN`);
  }
  return bin;
}

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a truthy value, or throws after `timeoutMs`. */
export async function waitFor(what, timeoutMs, check) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a dev node; `stop()` kills it and removes its data. */
export async function startDevNode({ blockTimeMs = 500 } = {}) {
  const port = await freePort();
  const basePath = mkdtempSync(path.join(tmpdir(), 'luxtensor-js-'));
  const args = ['--dev', '--base-path', basePath, '--rpc-port', String(port), '--no-prometheus',
    '--dev-block-time', String(blockTimeMs)];
  const child = spawn(binary(), args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, RUST_LOG: 'info' } });
  let log = '';
  child.stderr.on('data', (chunk) => { log += chunk; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const httpUrl = `http://127.0.0.1:${port}`;
  const health = async () => {
    if (child.exitCode !== null) throw new Error(`luxtensor exited early:\n${log}`);
    const res = await fetch(httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system_health', params: [] }),
    });
    return res.ok;
  };
  try {
    await waitFor('the node to serve RPC', 120_000, health);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${e.message}\n${log}`);
  }
  const stop = async () => {
    child.kill('SIGKILL');
    await exited;
    rmSync(basePath, { recursive: true, force: true });
  };
  process.once('exit', () => child.kill('SIGKILL'));
  return { url: `ws://127.0.0.1:${port}`, httpUrl, stop, log: () => log };
}

/** The Substrate dev phrase; its Ethereum accounts are m/44'/60'/0'/0/{0..5}. */
export const DEV_PHRASE = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';
export const devUri = (index) => `${DEV_PHRASE}/m/44'/60'/0'/0/${index}`;
export const LUX = 10n ** 18n;
