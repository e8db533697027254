// The polkadot-api developer workflow, unmodified: `papi add` generates typed descriptors from a
// running node, and the typed API (which checks every call against the live runtime's metadata)
// reads storage and submits a transfer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient } from 'polkadot-api';
import { getWsProvider } from 'polkadot-api/ws';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import WebSocket from 'ws';
import { startDevNode, devUri, LUX } from './lib/node.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const papiCli = path.join(here, 'node_modules', '@polkadot-api', 'cli', 'dist', 'main', 'src', 'main.js');

let node;
let workDir;
let client;
let api;
let alice;
let bob;

/** Runs the papi CLI in `cwd`; rejects with its output if it fails. */
function papi(cwd, args) {
  // The CLI uses the global WebSocket, which Node 20 only has behind a flag.
  const nodeFlags = typeof globalThis.WebSocket === 'undefined' ? ['--experimental-websocket'] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, papiCli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`papi ${args.join(' ')} exited with ${code}:\n${output}`))));
  });
}

before(async () => {
  await cryptoWaitReady();
  node = await startDevNode();
  // Inside tests/js so the generated descriptors resolve `polkadot-api` from node_modules.
  workDir = mkdtempSync(path.join(here, '.papi-gen-'));
  mkdirSync(path.join(workDir, '.papi'));
  writeFileSync(path.join(workDir, '.papi', 'polkadot-api.json'), JSON.stringify({
    version: 0,
    descriptorPath: '.papi/descriptors',
    entries: {},
    // Import the descriptors by path rather than adding them to a package.json.
    options: { noDescriptorsPackage: true },
  }));
  await papi(workDir, ['add', 'lux', '--wsUrl', node.url]);
  const { lux } = await import(pathToFileURL(path.join(workDir, '.papi', 'descriptors', 'dist', 'index.js')).href);
  client = createClient(getWsProvider(node.url, { websocketClass: WebSocket }));
  api = client.getTypedApi(lux);
  const keyring = new Keyring({ type: 'ethereum' });
  alice = keyring.addFromUri(devUri(0));
  bob = keyring.addFromUri(devUri(1));
});

after(async () => {
  client?.destroy();
  await node?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test('descriptors generated from the node match its runtime', async () => {
  const { compat, constants } = await api.getStaticApis();
  // Generated from this very runtime: every entry is identical, not merely compatible.
  const IDENTICAL = 3;
  assert.equal(compat.query.System.Account.args.level, IDENTICAL);
  assert.equal(compat.query.System.Account.value.level, IDENTICAL);
  assert.equal(compat.tx.Balances.transfer_keep_alive.level, IDENTICAL);
  assert.equal(compat.event.Balances.Transfer.level, IDENTICAL);
  assert.equal(constants.Balances.ExistentialDeposit, LUX / 1000n);
});

test('typed storage reads and a typed transfer', async () => {
  const account = await api.query.System.Account.getValue(alice.address);
  assert.ok(account.data.free >= 1_000_000n * LUX - LUX, `free: ${account.data.free}`);
  const signer = getPolkadotSigner(alice.addressRaw, 'Ecdsa', (payload) => alice.sign(payload));
  const before = (await api.query.System.Account.getValue(bob.address)).data.free;
  const result = await api.tx.Balances.transfer_keep_alive({ dest: bob.address, value: 2n * LUX }).signAndSubmit(signer);
  assert.equal(result.ok, true, JSON.stringify(result.dispatchError));
  const transfers = api.event.Balances.Transfer.filter(result.events);
  assert.equal(transfers.length, 1);
  assert.equal(transfers[0].payload.amount, 2n * LUX);
  assert.equal(transfers[0].payload.to.toLowerCase(), bob.address.toLowerCase());
  const after = (await api.query.System.Account.getValue(bob.address, { at: result.block.hash })).data.free;
  assert.equal(after - before, 2n * LUX);
});
