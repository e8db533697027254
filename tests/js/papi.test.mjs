// polkadot-api against a real node through the new JSON-RPC interface (chainHead_v1,
// transaction_v1): follow blocks, read storage with the API built from the chain's metadata,
// and submit a signed transfer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'polkadot-api';
import { getWsProvider } from 'polkadot-api/ws';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import WebSocket from 'ws';
import { startDevNode, devUri, LUX } from './lib/node.mjs';

let node;
let client;
let api;
let alice;
let bob;

before(async () => {
  await cryptoWaitReady();
  node = await startDevNode();
  // Node 20 has no global WebSocket; polkadot-api takes the class to use.
  client = createClient(getWsProvider(node.url, { websocketClass: WebSocket }));
  api = client.getUnsafeApi();
  const keyring = new Keyring({ type: 'ethereum' });
  alice = keyring.addFromUri(devUri(0));
  bob = keyring.addFromUri(devUri(1));
});

after(async () => {
  client?.destroy();
  await node?.stop();
});

/** Resolves with the first value of `observable` that satisfies `predicate`. */
function first(observable, predicate, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    let done = false;
    let subscription;
    const finish = (settle) => {
      done = true;
      clearTimeout(timer);
      subscription?.unsubscribe();
      settle();
    };
    const timer = setTimeout(() => finish(() => reject(new Error('timed out'))), timeoutMs);
    // The observable may emit while `subscribe` is still running.
    subscription = observable.subscribe({
      next: (value) => { if (!done && predicate(value)) finish(() => resolve(value)); },
      error: (e) => { if (!done) finish(() => reject(e)); },
    });
    if (done) subscription.unsubscribe();
  });
}

test('follows finalized and best blocks', async () => {
  const finalized = await first(client.finalizedBlock$, (b) => b.number >= 2);
  assert.equal(finalized.hash.length, 66);
  const best = await first(client.bestBlocks$, (blocks) => blocks.length > 0 && blocks[0].number >= finalized.number);
  assert.ok(best[0].number >= finalized.number);
  const chainSpec = await client.getChainSpecData();
  assert.equal(chainSpec.name, 'LuxTensor Development');
  assert.equal(chainSpec.properties.tokenSymbol, 'LUX');
});

test('reads storage and constants through the API built from the metadata', async () => {
  const account = await api.query.System.Account.getValue(alice.address);
  assert.ok(account.data.free >= 1_000_000n * LUX - LUX, `free: ${account.data.free}`);
  const ed = await api.constants.Balances.ExistentialDeposit();
  assert.equal(ed, LUX / 1000n);
  const number = await api.query.System.Number.getValue();
  assert.ok(number >= 1);
});

test('submits a signed transfer', async () => {
  const signer = getPolkadotSigner(alice.addressRaw, 'Ecdsa', (payload) => alice.sign(payload));
  const before = (await api.query.System.Account.getValue(bob.address)).data.free;
  const tx = api.tx.Balances.transfer_keep_alive({ dest: bob.address, value: 3n * LUX });
  const result = await tx.signAndSubmit(signer);
  assert.equal(result.ok, true, JSON.stringify(result.dispatchError));
  const transfer = result.events.find((e) => e.type === 'Balances' && e.value.type === 'Transfer');
  assert.ok(transfer, 'Balances.Transfer');
  assert.equal(transfer.value.value.amount, 3n * LUX);
  const after = (await api.query.System.Account.getValue(bob.address, { at: result.block.hash })).data.free;
  assert.equal(after - before, 3n * LUX);
});
