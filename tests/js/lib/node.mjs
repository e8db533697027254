// Starts a real `luxtensor --dev` node for a test file on an RPC port the system picks
// (`--rpc-port 0`; the node logs the address it bound, so parallel test files never race for a
// port), waits until it serves RPC (with a deadline, never a fixed sleep), and kills it
// afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** What the node logs once its RPC server listens. */
const RPC_LISTENING = /Running JSON-RPC server: addr=(\S+)/;

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

/** Starts a dev node (with `extraArgs` added to its command line); `stop()` kills it and
 * removes its data. */
export async function startDevNode({ blockTimeMs = 500, extraArgs = [] } = {}) {
  const basePath = mkdtempSync(path.join(tmpdir(), 'luxtensor-js-'));
  const args = ['--dev', '--base-path', basePath, '--rpc-port', '0', '--no-prometheus',
    '--dev-block-time', String(blockTimeMs), ...extraArgs];
  const child = spawn(binary(), args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, RUST_LOG: 'info' } });
  let log = '';
  child.stderr.on('data', (chunk) => { log += chunk; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = async () => {
    if (child.exitCode !== null) return { exited: true };
    const addr = RPC_LISTENING.exec(log)?.[1];
    if (!addr) return undefined;
    const res = await fetch(`http://${addr}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system_health', params: [] }),
    });
    return res.ok && { addr };
  };
  let addr;
  try {
    const state = await waitFor('the node to serve RPC', 120_000, ready);
    if (state.exited) throw new Error('luxtensor exited early');
    addr = state.addr;
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${e.message}\n${log}`);
  }
  const httpUrl = `http://${addr}`;
  const stop = async () => {
    child.kill('SIGKILL');
    await exited;
    rmSync(basePath, { recursive: true, force: true });
  };
  process.once('exit', () => child.kill('SIGKILL'));
  return { url: `ws://${addr}`, httpUrl, stop, log: () => log };
}

/** The Substrate dev phrase; its Ethereum accounts are m/44'/60'/0'/0/{0..5}. */
export const DEV_PHRASE = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';
export const devUri = (index) => `${DEV_PHRASE}/m/44'/60'/0'/0/${index}`;
export const LUX = 10n ** 18n;
