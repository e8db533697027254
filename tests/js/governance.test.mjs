// Governance and a live runtime upgrade through @polkadot/api, as a wallet or a governance UI
// would drive them: a root-track referendum authorizes the `spec_version + 1` test runtime
// (built next to the node by runtime/build.rs), anyone applies it, and the same connected api
// follows the upgrade (new runtime version, new metadata, migrated storage, new call).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { binary, startDevNode, devUri, waitFor, LUX } from './lib/node.mjs';

/** The node's runtime's spec_version (105 when this was written), read at connection; the
 * test runtime's is one more. */
let SPEC_VERSION;
let NEXT_SPEC_VERSION;
/** Each of alice, bob and charlie votes this much: together 5% of the issuance, the support
 * the dev root track asks for at the start of its decision period. */
const VOTE = 100_000n * LUX;

/** The `spec_version + 1` test runtime: `<target>/debug/build/luxtensor-runtime-*\/out/`, next
 * to the node binary `<target>/debug/luxtensor` (the most recent build if there are several). */
function upgradeWasm() {
  const buildDir = path.join(path.dirname(binary()), 'build');
  const candidates = readdirSync(buildDir)
    .filter((d) => d.startsWith('luxtensor-runtime-'))
    .map((d) => path.join(buildDir, d, 'out', 'luxtensor_runtime_upgrade_test.wasm'))
    .filter((f) => { try { return statSync(f).isFile(); } catch { return false; } })
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (candidates.length === 0) {
    throw new Error(`no luxtensor_runtime_upgrade_test.wasm under ${buildDir}/luxtensor-runtime-*/out: build the node with \`cargo build -p luxtensor\``);
  }
  return new Uint8Array(readFileSync(candidates[0]));
}

let node;
let provider;
let api;
let wasm;
let alice;
let bob;
let charlie;
let dave;
/** Every event of every new best block, as `{ block, event }`, while the referendum runs. */
const events = [];
let stopCollectingEvents;
const unsubscribes = [];

before(async () => {
  await cryptoWaitReady();
  wasm = upgradeWasm();
  node = await startDevNode();
  provider = new WsProvider(node.url);
  api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
  SPEC_VERSION = api.runtimeVersion.specVersion.toNumber();
  NEXT_SPEC_VERSION = SPEC_VERSION + 1;
  const keyring = new Keyring({ type: 'ethereum' });
  [alice, bob, charlie, dave] = [0, 1, 2, 3].map((i) => keyring.addFromUri(devUri(i)));
  const unsubscribe = await api.rpc.chain.subscribeNewHeads(async (header) => {
    const at = await api.at(header.hash).catch(() => undefined);
    const records = await at?.query.system.events().catch(() => undefined);
    for (const { event } of records ?? []) events.push({ block: header.number.toNumber(), event });
  });
  let collecting = true;
  stopCollectingEvents = () => { if (collecting) { collecting = false; unsubscribe(); } };
  unsubscribes.push(stopCollectingEvents);
});

after(async () => {
  for (const unsubscribe of unsubscribes) unsubscribe();
  await api?.disconnect();
  await node?.stop();
});

/** Signs and sends `tx`, resolving once it is in a block; rejects if its call failed. */
function signAndInclude(tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, (result) => {
      if (result.status.isInBlock) {
        if (result.dispatchError) {
          const error = result.dispatchError.isModule
            ? api.registry.findMetaError(result.dispatchError.asModule)
            : result.dispatchError.toHuman();
          reject(new Error(`${tx.method.section}.${tx.method.method} failed: ${JSON.stringify(error)}`));
        } else {
          resolve({ blockHash: result.status.asInBlock, events: result.events.map(({ event }) => event) });
        }
      }
      if (result.status.isInvalid || result.status.isDropped || result.status.isUsurped) {
        reject(new Error(`${tx.method.section}.${tx.method.method}: transaction ${result.status.type}`));
      }
    }).catch(reject);
  });
}

/** The first recorded event that `is` matches, once there is one (30 s deadline). */
const waitForEvent = (name, is) =>
  waitFor(`the ${name} event`, 30_000, async () => events.find(({ event }) => is(event)));

/** Signs and submits `tx`, resolving with the hash of the block it is in. Unlike `signAndSend`
 * with a callback, it reads no events: see the upgrade test for why. */
async function submitUntilInBlock(tx, signer) {
  await tx.signAsync(signer);
  return new Promise((resolve, reject) => {
    api.rpc.author.submitAndWatchExtrinsic(tx, (status) => {
      if (status.isInBlock) resolve(status.asInBlock);
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        reject(new Error(`${tx.method.section}.${tx.method.method}: transaction ${status.type}`));
      }
    }).catch(reject);
  });
}

/** blake2-256 of the runtime code (`:code`) in the state of `blockHash`, read raw. */
const codeHashAt = async (blockHash) => blake2AsHex(await provider.send('state_getStorage', ['0x3a636f6465', blockHash]));

const blockNumber = async (blockHash) => (await api.rpc.chain.getHeader(blockHash)).number.toNumber();

let referendum;

test('a root-track referendum voted through by alice, bob and charlie authorizes the upgrade', async () => {
  const codeHash = blake2AsHex(wasm);
  assert.ok(SPEC_VERSION >= 105, `spec_version ${SPEC_VERSION}`);
  assert.ok((await api.query.system.authorizedUpgrade()).isNone, 'no upgrade authorized at genesis');

  // Alice submits the proposal inline and places the track's decision deposit.
  const proposal = api.tx.system.authorizeUpgrade(codeHash).method.toHex();
  const submitted = await signAndInclude(
    api.tx.referenda.submit({ system: 'Root' }, { Inline: proposal }, { After: 1 }), alice);
  const submittedEvent = submitted.events.find((e) => api.events.referenda.Submitted.is(e));
  assert.ok(submittedEvent, 'Referenda.Submitted');
  referendum = submittedEvent.data.index.toNumber();
  assert.equal(submittedEvent.data.track.toNumber(), 0, 'the root track');
  assert.equal(submittedEvent.data.proposal.asInline.toHex(), proposal);

  const deposit = await signAndInclude(api.tx.referenda.placeDecisionDeposit(referendum), alice);
  const placed = deposit.events.find((e) => api.events.referenda.DecisionDepositPlaced.is(e));
  assert.ok(placed, 'Referenda.DecisionDepositPlaced');
  assert.equal(placed.data.who.toString(), alice.address);
  assert.equal(placed.data.amount.toBigInt(), 1_000n * LUX);

  // Every state the referendum goes through, from now on.
  const states = [];
  unsubscribes.push(await api.query.referenda.referendumInfoFor(referendum, (info) => states.push(info)));

  const vote = () => api.tx.convictionVoting.vote(referendum,
    { Standard: { vote: { aye: true, conviction: 'Locked1x' }, balance: VOTE } });
  await Promise.all([alice, bob, charlie].map((voter) => signAndInclude(vote(), voter)));

  // Bob's vote, as conviction voting keeps it for the root track (class 0).
  const voting = await api.query.convictionVoting.votingFor(bob.address, 0);
  assert.ok(voting.isCasting, `votingFor(bob, 0): ${voting.toString()}`);
  const votes = voting.asCasting.votes;
  assert.equal(votes.length, 1);
  const [pollIndex, accountVote] = votes[0];
  assert.equal(pollIndex.toNumber(), referendum);
  assert.ok(accountVote.isStandard, 'a standard vote');
  assert.equal(accountVote.asStandard.vote.isAye, true);
  assert.equal(accountVote.asStandard.vote.conviction.type, 'Locked1x');
  assert.equal(accountVote.asStandard.balance.toBigInt(), VOTE);
  assert.equal((await api.query.system.account(bob.address)).data.frozen.toBigInt(), VOTE, 'the vote locks bob\'s funds');

  // It is deciding (Ongoing, with the three ayes tallied), then approved and enacted.
  const deciding = await waitFor('the referendum to be deciding', 30_000, async () =>
    states.find((s) => s.isSome && s.unwrap().isOngoing && s.unwrap().asOngoing.deciding.isSome));
  const ongoing = deciding.unwrap().asOngoing;
  assert.equal(ongoing.track.toNumber(), 0);
  assert.ok(ongoing.origin.isSystem && ongoing.origin.asSystem.isRoot, `origin: ${ongoing.origin.toString()}`);
  assert.equal(ongoing.tally.ayes.toBigInt(), 3n * VOTE);
  assert.equal(ongoing.tally.nays.toBigInt(), 0n);
  assert.equal(ongoing.tally.support.toBigInt(), 3n * VOTE);

  await waitForEvent('Referenda.Approved', (e) => api.events.referenda.Approved.is(e) && e.data.index.toNumber() === referendum);
  const info = await api.query.referenda.referendumInfoFor(referendum);
  assert.ok(info.unwrap().isApproved, `referendumInfoFor: ${info.toString()}`);
  assert.ok(states.some((s) => s.unwrap().isOngoing && s.unwrap().asOngoing.deciding.unwrapOr(undefined)?.confirming.isSome),
    'it confirmed before it was approved');

  const authorized = await waitFor('system.authorizedUpgrade to be set', 30_000, async () => {
    const value = await api.query.system.authorizedUpgrade();
    return value.isSome && value.unwrap();
  });
  assert.equal(authorized.codeHash.toHex(), codeHash);
  assert.equal(authorized.checkVersion.isTrue, true);
  const upgradeAuthorized = await waitForEvent('System.UpgradeAuthorized', (e) => api.events.system.UpgradeAuthorized.is(e));
  assert.equal(upgradeAuthorized.event.data.codeHash.toHex(), codeHash);
  stopCollectingEvents();
});

test('dave applies the authorized upgrade and the same api follows it: version, metadata, migration, new call', async () => {
  assert.ok(referendum !== undefined, 'the referendum passed');
  const versions = [];
  unsubscribes.push(await api.rpc.state.subscribeRuntimeVersion((v) => versions.push(v.specVersion.toNumber())));
  await waitFor('the current runtime version', 10_000, async () => versions.length > 0);
  assert.deepEqual(versions, [SPEC_VERSION]);
  assert.equal(api.tx.sudo.forceRemoveKey, undefined, 'the current runtime has no sudo.forceRemoveKey');
  assert.equal((await api.query.sudo.key()).unwrap().toString(), alice.address, 'version 0 keeps a bare account');

  // Anyone may apply the authorized code; it is free when it succeeds.
  // (Dave's extrinsic is watched without reading its block's events: @polkadot/api 16 swaps
  // its default registry to the new metadata in place when it sees the new version, so a query
  // at the upgrade block made around that swap (as signAndSend's own events lookup is) can
  // decode with the other version's type ids and fail. Its outcome is checked in state.)
  const codeHash = blake2AsHex(wasm);
  const daveBefore = await api.query.system.account(dave.address);
  const upgradeHash = await submitUntilInBlock(api.tx.system.applyAuthorizedUpgrade(u8aToHex(wasm)), dave);
  const upgradeBlock = await blockNumber(upgradeHash);
  const parentHash = (await api.rpc.chain.getHeader(upgradeHash)).parentHash;
  assert.notEqual(await codeHashAt(parentHash), codeHash);
  assert.equal(await codeHashAt(upgradeHash), codeHash, 'the upgrade block stores the authorized code');

  // The node reports the new version, and polkadot.js loads the new metadata by itself.
  await waitFor(`the runtime version subscription to report ${NEXT_SPEC_VERSION}`, 30_000, async () => versions.includes(NEXT_SPEC_VERSION));
  await waitFor('@polkadot/api to load the new metadata', 30_000, async () =>
    api.runtimeVersion.specVersion.toNumber() === NEXT_SPEC_VERSION && api.tx.sudo.forceRemoveKey !== undefined);
  assert.equal(api.isConnected, true);
  assert.ok((await api.query.system.authorizedUpgrade()).isNone, 'the authorization is used up');
  const daveAfter = await api.query.system.account(dave.address);
  assert.equal(daveAfter.nonce.toNumber(), daveBefore.nonce.toNumber() + 1, 'dave\'s extrinsic was applied');
  assert.equal(daveAfter.data.free.toBigInt(), daveBefore.data.free.toBigInt(), 'a successful applyAuthorizedUpgrade costs nothing');
  const onChain = await api.rpc.state.getRuntimeVersion();
  assert.equal(onChain.specVersion.toNumber(), NEXT_SPEC_VERSION);
  assert.equal(onChain.specName.toString(), 'luxtensor');

  // The migration rewrote sudo's key as { account, since } in the first block of the new code
  // (the upgrade block itself still ran the old code: until the next block, the state has the
  // old layout while the metadata already describes the new one).
  const firstNew = await waitFor(`block ${upgradeBlock + 1}`, 30_000, async () => {
    const hash = await api.rpc.chain.getBlockHash(upgradeBlock + 1);
    return !hash.isEmpty && hash;
  });
  const key = await (await api.at(firstNew)).query.sudo.key();
  assert.ok(key.isSome, 'sudo.key is still set');
  const keyInfo = key.unwrap();
  assert.equal(keyInfo.account.toString(), alice.address);
  assert.equal(keyInfo.since.toNumber(), upgradeBlock + 1, `since: ${keyInfo.since} (upgrade in block ${upgradeBlock})`);
  assert.deepEqual(Object.keys(keyInfo.toJSON()).sort(), ['account', 'since']);

  // The new root call, through sudo: it removes the key for good.
  const removed = await signAndInclude(api.tx.sudo.sudo(api.tx.sudo.forceRemoveKey()), alice);
  const sudid = removed.events.find((e) => api.events.sudo.Sudid.is(e));
  assert.ok(sudid, 'Sudo.Sudid');
  assert.ok(sudid.data.sudoResult.isOk, `sudoResult: ${sudid.data.sudoResult.toString()}`);
  assert.ok(removed.events.some((e) => api.events.sudo.KeyRemoved.is(e)), 'Sudo.KeyRemoved');
  assert.ok((await api.query.sudo.key()).isNone, 'sudo.key is empty');
  // Nothing rolled the code back meanwhile: the subscription saw exactly one change.
  assert.deepEqual(versions, [SPEC_VERSION, NEXT_SPEC_VERSION]);
  assert.equal((await api.rpc.state.getRuntimeVersion()).specVersion.toNumber(), NEXT_SPEC_VERSION);
});
