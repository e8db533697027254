// Starts real `luxtensor` nodes for a test file (a dev node, or local-testnet validators in
// groups that fork until connected) on loopback, without mDNS, on ports the system picks
// (`--rpc-port 0`, `/tcp/0`; a node logs the addresses it bound, so parallel test files never
// race for a port), waits until they serve RPC (with a deadline, never a fixed sleep), and
// kills them afterwards.
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
  return startNode(['--dev', '--dev-block-time', String(blockTimeMs), ...extraArgs]);
}

/** Starts `luxtensor <args>` on loopback with its own data directory, RPC on a port it binds
 * itself, no mDNS and no metrics; resolves once it serves RPC. `stop()` kills it and removes
 * its data; `log()` is what it has logged so far. */
export async function startNode(args) {
  const basePath = mkdtempSync(path.join(tmpdir(), 'luxtensor-js-'));
  const fullArgs = ['--base-path', basePath, '--rpc-port', '0', '--no-prometheus', '--no-mdns', ...args];
  const child = spawn(binary(), fullArgs, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, RUST_LOG: 'info' } });
  let log = '';
  child.stderr.on('data', (chunk) => { log += chunk; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = async () => {
    if (child.exitCode !== null) return { exited: true };
    const addr = RPC_LISTENING.exec(log)?.[1];
    if (!addr) return undefined;
    return (await rpc(`http://${addr}`, 'system_health')) && { addr };
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

/** Sends one JSON-RPC request (or a batch, if `body` is an array) and returns the parsed
 * response, errors included: nothing is thrown for a JSON-RPC error. */
export async function rpcRaw(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${url} answered HTTP ${res.status} with non-JSON: ${text.slice(0, 500)}`);
  }
}

let nextId = 1;

/** `{ result }` or `{ error }` of `method(params)`, as the endpoint sent it. */
export async function rpcResponse(url, method, params = []) {
  return rpcRaw(url, { jsonrpc: '2.0', id: nextId++, method, params });
}

/** The result of `method(params)`; throws with the JSON-RPC error if there is one. */
export async function rpc(url, method, params = []) {
  const response = await rpcResponse(url, method, params);
  if (response.error) {
    throw Object.assign(new Error(`${method}: ${JSON.stringify(response.error)}`), { rpcError: response.error });
  }
  return response.result;
}

/** The loopback address (with `/p2p/<peer id>`) that `node` listens on for peers. */
export async function p2pAddress(node) {
  return waitFor('a listen address', 30_000, async () => {
    const addresses = await rpc(node.httpUrl, 'system_localListenAddresses');
    return addresses.find((a) => a.startsWith('/ip4/127.0.0.1/'));
  });
}

/** The validators of the built-in local testnet (`--chain local`). */
export const LOCAL_VALIDATORS = ['alice', 'bob', 'charlie', 'dave'];

/** The local testnet's validators (names from LOCAL_VALIDATORS) started as separate groups:
 * each group's nodes find each other through the group's first node and no group knows
 * another, so each builds its own fork until they are connected (`system_addReservedPeer`).
 * Nodes come in the order of the groups, each with its `name`; `stop()` stops them all. */
export async function startLocalTestnetGroups(groups) {
  const nodes = [];
  const stop = () => Promise.all(nodes.map((n) => n.stop()));
  try {
    for (const group of groups) {
      let bootnode;
      for (const name of group) {
        const args = ['--chain', 'local', `--${name}`, '--listen-addr', '/ip4/127.0.0.1/tcp/0'];
        if (bootnode) args.push('--bootnodes', bootnode);
        const node = { name, ...(await startNode(args)) };
        nodes.push(node);
        bootnode ??= await p2pAddress(node);
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { nodes, stop };
}

/** The Substrate dev phrase; its Ethereum accounts are m/44'/60'/0'/0/{0..5}. */
export const DEV_PHRASE = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';
export const devUri = (index) => `${DEV_PHRASE}/m/44'/60'/0'/0/${index}`;
export const LUX = 10n ** 18n;
