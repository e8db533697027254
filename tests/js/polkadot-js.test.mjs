// @polkadot/api (polkadot.js) against a real node, with no custom types: everything it needs
// comes from the chain's metadata and standard RPC.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode, devUri, LUX } from './lib/node.mjs';

let node;
let provider;
let api;
let alice;
let bob;

before(async () => {
  await cryptoWaitReady();
  node = await startDevNode();
  provider = new WsProvider(node.url);
  api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
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

test('stakes with no custom types: session keys with their proof, bond, nominate, ledger and exposures', async () => {
  const dave = new Keyring({ type: 'ethereum' }).addFromUri(devUri(3));
  // The node generates a session key and proves Dave holds it (unsafe RPC, served on localhost).
  const { keys, proof } = await provider.send('author_rotateKeysWithOwner', [dave.address]);
  assert.equal((await api.rpc.author.hasSessionKeys(keys)).isTrue, true);
  assert.equal((await api.rpc.author.rotateKeys()).length, 32, 'rotateKeys: one sr25519 key');
  await signAndWatch(api.tx.session.setKeys(keys, proof), dave);
  assert.equal((await api.query.session.nextKeys(dave.address)).unwrap().lux.toHex(), keys);
  // A wrong proof is refused with the session pallet's error.
  const { result: refused } = await signAndWatch(api.tx.session.setKeys(keys, `0x${'00'.repeat(64)}`), bob);
  assert.equal(api.registry.findMetaError(refused.dispatchError.asModule).name, 'InvalidProof');

  const bond = 5_000n * LUX;
  await signAndWatch(api.tx.staking.bond(bond, 'Staked'), dave);
  const ledger = (await api.query.staking.ledger(dave.address)).unwrap();
  assert.equal(ledger.active.toBigInt(), bond);
  assert.equal(ledger.stash.toString(), dave.address);
  assert.equal((await api.query.system.account(dave.address)).data.frozen.toBigInt(), bond, 'bonded funds are frozen');
  await signAndWatch(api.tx.staking.nominate([alice.address]), dave);
  const nominations = (await api.query.staking.nominators(dave.address)).unwrap();
  assert.deepEqual(nominations.targets.map((t) => t.toString()), [alice.address]);

  // Bonded funds cannot be transferred: the balances pallet says why.
  const free = (await api.query.system.account(dave.address)).data.free.toBigInt();
  const { result } = await signAndWatch(api.tx.balances.transferKeepAlive(bob.address, free - bond / 2n), dave);
  assert.equal(api.registry.findMetaError(result.dispatchError.asModule).name, 'LiquidityRestrictions');

  // The validator set and its exposures, as wallets and explorers read them.
  const validators = (await api.query.session.validators()).map((v) => v.toString());
  assert.deepEqual(validators, [alice.address]);
  const era = (await api.query.staking.activeEra()).unwrap().index.toNumber();
  const exposure = await api.query.staking.erasStakers(era, alice.address);
  assert.ok(exposure.own.toBigInt() >= 100_000n * LUX, `own: ${exposure.own}`);
  assert.equal(exposure.total.toBigInt(), exposure.own.toBigInt() + exposure.others.reduce((s, o) => s + o.value.toBigInt(), 0n));
  assert.equal(api.consts.staking.maxNominations.toNumber(), 16);
  assert.ok((await api.query.staking.bondingDuration()).toNumber() > 0);
});
