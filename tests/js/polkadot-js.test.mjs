// @polkadot/api (polkadot.js) against a real node, with no custom types: everything it needs
// comes from the chain's metadata and standard RPC.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode, devUri, LUX } from './lib/node.mjs';

let node;
let api;
let alice;
let bob;

before(async () => {
  await cryptoWaitReady();
  node = await startDevNode();
  api = await ApiPromise.create({ provider: new WsProvider(node.url), noInitWarn: true, throwOnConnect: true });
  const keyring = new Keyring({ type: 'ethereum' });
  alice = keyring.addFromUri(devUri(0));
  bob = keyring.addFromUri(devUri(1));
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

/** Signs and sends `tx`, resolving once it is finalized with every status and its events. */
function signAndWatch(tx, signer) {
  return new Promise((resolve, reject) => {
    const statuses = [];
    let inBlockEvents;
    tx.signAndSend(signer, (result) => {
      statuses.push(result.status.type);
      if (result.status.isInBlock) inBlockEvents = result.events;
      if (result.status.isFinalized) {
        resolve({ statuses, result, inBlockEvents, blockHash: result.status.asFinalized });
      }
      if (result.status.isInvalid || result.status.isDropped || result.status.isUsurped) {
        reject(new Error(`transaction ${result.status.type}`));
      }
    }).catch(reject);
  });
}

test('reads the chain name, properties and runtime version', async () => {
  const [chain, properties] = await Promise.all([api.rpc.system.chain(), api.rpc.system.properties()]);
  assert.equal(chain.toString(), 'LuxTensor Development');
  assert.equal(properties.tokenSymbol.unwrap()[0].toString(), 'LUX');
  assert.equal(properties.tokenDecimals.unwrap()[0].toNumber(), 18);
  assert.equal(api.runtimeVersion.specName.toString(), 'luxtensor');
  assert.ok(api.runtimeVersion.specVersion.toNumber() >= 100);
  assert.equal(alice.address, '0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac');
  assert.equal(api.registry.createType('AccountId', alice.address).toString(), alice.address,
    'accounts are 20-byte, EIP-55 formatted');
});

test('queries an account', async () => {
  const account = await api.query.system.account(alice.address);
  assert.ok(account.data.free.toBigInt() >= 1_000_000n * LUX - LUX, `free: ${account.data.free}`);
  assert.equal(account.nonce.toNumber(), 0);
});

test('transferKeepAlive goes InBlock then Finalized with its events decoded', async () => {
  const amount = 7n * LUX;
  const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
  const { statuses, result, inBlockEvents } = await signAndWatch(api.tx.balances.transferKeepAlive(bob.address, amount), alice);
  const inBlock = statuses.indexOf('InBlock');
  assert.ok(inBlock >= 0 && statuses.indexOf('Finalized') > inBlock, `statuses: ${statuses}`);
  const transfer = inBlockEvents.find(({ event }) => api.events.balances.Transfer.is(event));
  assert.ok(transfer, 'Balances.Transfer');
  const [from, to, value] = transfer.event.data;
  assert.equal(from.toString(), alice.address);
  assert.equal(to.toString(), bob.address);
  assert.equal(value.toBigInt(), amount);
  assert.ok(result.events.some(({ event }) => api.events.system.ExtrinsicSuccess.is(event)), 'System.ExtrinsicSuccess');
  assert.equal(result.dispatchError, undefined);
  assert.ok(result.dispatchInfo.weight.refTime.toBigInt() > 0n, 'dispatch info decoded');
  const after = (await api.query.system.account(bob.address)).data.free.toBigInt();
  assert.equal(after - before, amount);
});

test('paymentInfo estimates the fee', async () => {
  const info = await api.tx.balances.transferKeepAlive(bob.address, LUX).paymentInfo(alice);
  const fee = info.partialFee.toBigInt();
  assert.ok(fee > 0n && fee < LUX / 100n, `fee: ${fee}`);
  assert.ok(info.weight.refTime.toBigInt() > 0n);
});

test('a failing transfer is reported as ExtrinsicFailed with the decoded module error', async () => {
  const { result } = await signAndWatch(api.tx.balances.transferKeepAlive(bob.address, 10n ** 30n), alice);
  assert.ok(result.events.some(({ event }) => api.events.system.ExtrinsicFailed.is(event)), 'System.ExtrinsicFailed');
  assert.ok(result.dispatchError?.isModule, 'a module error');
  const { section, name, docs } = api.registry.findMetaError(result.dispatchError.asModule);
  assert.equal(section, 'balances');
  assert.equal(name, 'InsufficientBalance');
  assert.ok(docs.join(' ').length > 0, 'the error is documented');
});

test('subscribes to new heads', async () => {
  const numbers = await new Promise((resolve, reject) => {
    const seen = [];
    api.rpc.chain.subscribeNewHeads((header) => {
      seen.push(header.number.toNumber());
      if (seen.length === 3) resolve(seen);
    }).then((unsubscribe) => setTimeout(unsubscribe, 20_000)).catch(reject);
  });
  assert.ok(numbers[2] > numbers[0], `heads: ${numbers}`);
});

test('reads events at a given block hash', async () => {
  const { blockHash } = await signAndWatch(api.tx.system.remarkWithEvent('0x1234'), bob);
  const events = await (await api.at(blockHash)).query.system.events();
  const remarked = events.find(({ event }) => api.events.system.Remarked.is(event));
  assert.ok(remarked, 'System.Remarked at that block');
  assert.equal(remarked.event.data.sender.toString(), bob.address);
  assert.ok(remarked.phase.isApplyExtrinsic);
});

test('sudo dispatches a root call on the dev chain', async () => {
  const charlie = new Keyring({ type: 'ethereum' }).addFromUri(devUri(2));
  const call = api.tx.balances.forceSetBalance(charlie.address, 42n * LUX);
  const { result } = await signAndWatch(api.tx.sudo.sudo(call), alice);
  const sudid = result.events.find(({ event }) => api.events.sudo.Sudid.is(event));
  assert.ok(sudid, 'Sudo.Sudid');
  assert.ok(sudid.event.data.sudoResult.isOk, 'the root call succeeded');
  const account = await api.query.system.account(charlie.address);
  assert.equal(account.data.free.toBigInt(), 42n * LUX);
});
