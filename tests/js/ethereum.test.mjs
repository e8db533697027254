// Ethereum clients nobody here wrote (ethers v6, viem, solc-js) against the node's Ethereum
// JSON-RPC, served on its Substrate RPC port (HTTP and WebSocket), as a wallet or a dapp uses
// it. The endpoint is pluggable ($ETH_TEST_TARGET, see lib/eth.mjs): by default a
// `luxtensor --dev` node; `ETH_TEST_TARGET=anvil` runs the same tests against anvil, a
// reference node, to check the tests themselves. The unified-accounts tests (polkadot.js and
// ethers on the same account) run only against LuxTensor.
//
// Each test uses its own dev account (or fresh accounts it funds), so balances and nonces it
// checks move only by what it sends. Alice is avoided where balances must be exact: on
// LuxTensor she is the dev validator, so she receives the tips of the blocks she authors and
// staking payouts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AbiCoder, ContractFactory, JsonRpcProvider, Transaction, Wallet, getCreate2Address, getCreateAddress,
  id as keccakId, keccak256, toBeHex, toQuantity, zeroPadValue,
} from 'ethers';
import {
  createPublicClient, createWalletClient, decodeEventLog, defineChain, http, webSocket, parseEther,
} from 'viem';
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { DEV_PHRASE, devUri, waitFor, LUX } from './lib/node.mjs';
import { TARGET, compileErc20, devWallet, rpc, rpcRaw, rpcResponse, startEthTarget } from './lib/eth.mjs';

const ALICE = '0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac';
const ALICE_KEY = '0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133';
const TRANSFER_TOPIC = keccakId('Transfer(address,address,uint256)');
/** Error(string)'s selector: how Solidity encodes `require(cond, "reason")`. */
const ERROR_STRING_SELECTOR = '0x08c379a0';
/** How long a sent transaction may take to be in a block. */
const MINED_WITHIN_MS = 60_000;
const ONLY_LUXTENSOR = TARGET !== 'luxtensor' && `LuxTensor only (ETH_TEST_TARGET=${process.env.ETH_TEST_TARGET})`;

let target;
/** ethers' provider, as a dapp makes it (batching on, its default); polls every 250 ms. */
let provider;
/** eth_chainId, as a bigint. */
let chainId;

before(async () => {
  target = await startEthTarget();
  chainId = BigInt(await rpc(target.httpUrl, 'eth_chainId'));
  provider = new JsonRpcProvider(target.httpUrl, undefined, { pollingInterval: 250, cacheTimeout: -1 });
});

after(async () => {
  provider?.destroy();
  await target?.stop();
});

const call = (method, params = []) => rpc(target.httpUrl, method, params);
const callResponse = (method, params = []) => rpcResponse(target.httpUrl, method, params);

/** A fresh random account holding `amount`, sent by `funder`. */
async function freshWallet(funder, amount) {
  const wallet = Wallet.createRandom(provider);
  const receipt = await (await funder.sendTransaction({ to: wallet.address, value: amount })).wait(1, MINED_WITHIN_MS);
  assert.equal(receipt.status, 1, 'funding transfer');
  assert.equal(await provider.getBalance(wallet.address), amount);
  return wallet;
}

/** Deploys TestToken from `signer` with `supply`: `{ token, address, receipt }`. */
async function deployToken(signer, supply, name = 'Lux Test Token', symbol = 'LTT') {
  const { abi, bytecode } = compileErc20();
  const token = await new ContractFactory(abi, bytecode, signer).deploy(name, symbol, supply);
  const receipt = await token.deploymentTransaction().wait(1, MINED_WITHIN_MS);
  assert.equal(receipt.status, 1, 'deployment');
  return { token, address: await token.getAddress(), receipt };
}

/** Fee fields of a type-2 transaction that the next blocks accept. */
async function fees() {
  const { maxFeePerGas, maxPriorityFeePerGas } = await provider.getFeeData();
  assert.ok(maxFeePerGas > 0n && maxPriorityFeePerGas !== null, `fee data: ${maxFeePerGas}, ${maxPriorityFeePerGas}`);
  return { maxFeePerGas, maxPriorityFeePerGas };
}

/** eth_sendRawTransaction of `raw`: `{ result }` or `{ error }`, as the endpoint sent it. */
const sendRaw = (raw) => callResponse('eth_sendRawTransaction', [raw]);

test('basics: chain id, block number, blocks by number and hash, the miner, accounts, peers, unknown method, batches', async (t) => {
  const [chainIdHex, netVersion] = await Promise.all([call('eth_chainId'), call('net_version')]);
  assert.match(chainIdHex, /^0x[0-9a-f]+$/);
  assert.equal(netVersion, BigInt(chainIdHex).toString(), 'net_version is the chain id in decimal');
  t.diagnostic(`${target.kind} at ${target.httpUrl}: chain id ${BigInt(chainIdHex)}`);
  assert.equal((await provider.getNetwork()).chainId, chainId, 'ethers detects the chain id');

  const first = BigInt(await call('eth_blockNumber'));
  const later = await waitFor('eth_blockNumber to increase', 30_000, async () => {
    const n = BigInt(await call('eth_blockNumber'));
    return n > first && n;
  });
  assert.ok(later > first);

  const block = await call('eth_getBlockByNumber', ['latest', false]);
  assert.ok(block, 'the latest block');
  assert.match(block.hash, /^0x[0-9a-f]{64}$/);
  assert.match(block.parentHash, /^0x[0-9a-f]{64}$/);
  for (const field of ['number', 'timestamp', 'baseFeePerGas', 'gasLimit', 'gasUsed']) {
    assert.match(block[field], /^0x(0|[1-9a-f][0-9a-f]*)$/, `${field}: ${block[field]}`);
  }
  assert.ok(BigInt(block.number) >= later, 'latest is at least the number seen before');
  assert.ok(BigInt(block.gasLimit) >= 21_000n && BigInt(block.baseFeePerGas) > 0n);
  const age = Date.now() / 1000 - Number(BigInt(block.timestamp));
  assert.ok(Math.abs(age) < 600, `the timestamp is in seconds and recent (${age} s ago)`);
  assert.ok(Array.isArray(block.transactions));

  assert.deepEqual(await call('eth_getBlockByHash', [block.hash, false]), block, 'the same block by its hash');
  assert.deepEqual(await call('eth_getBlockByNumber', [block.number, false]), block, 'the same block by its number');
  const parent = await call('eth_getBlockByHash', [block.parentHash, false]);
  assert.equal(BigInt(parent.number) + 1n, BigInt(block.number), 'the parent is one block before');
  const viaEthers = await provider.getBlock(block.hash);
  assert.equal(viaEthers.hash, block.hash);
  assert.equal(BigInt(viaEthers.number), BigInt(block.number));
  assert.equal(viaEthers.parentHash, block.parentHash);
  if (target.kind === 'luxtensor') {
    // The dev chain has one validator, Alice: she authors every block after genesis, and
    // `miner` is her account. (anvil's is the zero address.)
    assert.equal(block.miner, ALICE.toLowerCase(), 'miner: the block author, the dev validator Alice');
    assert.equal(viaEthers.miner, ALICE);
  }

  assert.deepEqual(await call('eth_accounts'), [], 'the node holds no keys for anyone');

  // Peers: a dev node has none, and listens for them only if it has a p2p listen address.
  assert.equal(typeof await call('net_listening'), 'boolean');
  if (target.kind === 'luxtensor') {
    // (anvil has no net_peerCount.)
    assert.equal(await call('net_peerCount'), '0x0', 'a dev node has no peers');
    const listenAddresses = await call('system_localListenAddresses');
    assert.equal(await call('net_listening'), listenAddresses.length > 0,
      `net_listening says whether the node has a listen address: ${JSON.stringify(listenAddresses)}`);
  }

  const unknown = await callResponse('eth_noSuchMethod', []);
  assert.equal(unknown.result, undefined);
  assert.equal(unknown.error?.code, -32601, `error: ${JSON.stringify(unknown.error)}`);
  if (target.kind === 'luxtensor') {
    assert.equal(unknown.error.message, 'the method eth_noSuchMethod does not exist/is not available', 'geth\'s message');
  }

  // ethers batches the calls made in the same tick (its default).
  const payloads = [];
  const onDebug = (info) => { if (info.action === 'sendRpcPayload') payloads.push(info.payload); };
  await provider.on('debug', onDebug);
  const [number, balance, nonce, version] = await Promise.all([
    provider.getBlockNumber(),
    provider.getBalance(ALICE),
    provider.getTransactionCount(ALICE),
    provider.send('net_version', []),
  ]);
  await provider.off('debug', onDebug);
  assert.ok(payloads.some((p) => Array.isArray(p) && p.length >= 2), `ethers sent a batch: ${JSON.stringify(payloads)}`);
  assert.ok(number >= Number(block.number) && balance > 0n && nonce >= 0 && version === netVersion);

  // A raw batch of three calls: three answers, matched by id.
  const batch = await rpcRaw(target.httpUrl, [
    { jsonrpc: '2.0', id: 101, method: 'eth_chainId', params: [] },
    { jsonrpc: '2.0', id: 102, method: 'net_version', params: [] },
    { jsonrpc: '2.0', id: 103, method: 'eth_getBalance', params: [ALICE, 'latest'] },
  ]);
  assert.ok(Array.isArray(batch) && batch.length === 3, `batch answer: ${JSON.stringify(batch)}`);
  const byId = Object.fromEntries(batch.map((r) => [r.id, r]));
  assert.equal(byId[101].result, chainIdHex);
  assert.equal(byId[102].result, netVersion);
  assert.ok(BigInt(byId[103].result) > 0n);
});

test('fee suggestions on an idle chain: eth_maxPriorityFeePerGas is 1 gwei, eth_gasPrice is the next base fee plus it', async () => {
  // The suggested tip samples the tips paid in recent blocks (geth's oracle: the last 20); in
  // blocks without transactions it is the default, 1 gwei.
  await waitFor('20 blocks without transactions', 60_000, async () => {
    const { gasUsedRatio } = await call('eth_feeHistory', [toQuantity(20), 'latest', []]);
    return gasUsedRatio.every((ratio) => ratio === 0);
  });
  // The three answers at one block (retried if a block came in between).
  const [tip, gasPrice, history] = await waitFor('the fee suggestions, read at one block', 30_000, async () => {
    const number = await call('eth_blockNumber');
    const answers = await Promise.all([
      call('eth_maxPriorityFeePerGas'), call('eth_gasPrice'), call('eth_feeHistory', ['0x1', 'latest', []]),
    ]);
    return (await call('eth_blockNumber')) === number && answers[2].oldestBlock === number && answers;
  });
  assert.equal(tip, '0x3b9aca00', 'eth_maxPriorityFeePerGas: 1 gwei');
  assert.equal(history.baseFeePerGas.length, 2, `eth_feeHistory: ${JSON.stringify(history)}`);
  const nextBaseFee = BigInt(history.baseFeePerGas[1]);
  assert.equal(BigInt(gasPrice), nextBaseFee + BigInt(tip), `eth_gasPrice ${BigInt(gasPrice)}: the next base fee ${nextBaseFee} plus the tip`);
  if (target.kind === 'luxtensor') {
    assert.equal(nextBaseFee, 250_000_000_000n, 'an idle chain\'s base fee is the floor, 250 gwei');
  }
  const { maxPriorityFeePerGas } = await provider.getFeeData();
  assert.equal(maxPriorityFeePerGas, 1_000_000_000n, 'what ethers suggests');
});

test('value transfers with an ethers Wallet: EIP-1559 and legacy, exact balances, the transaction by hash and by block and index, the pending nonce', async (t) => {
  const bob = devWallet(1, provider);
  const to = Wallet.createRandom().address;
  assert.equal(await provider.getBalance(to), 0n);

  // EIP-1559 (type 2).
  const value = 1_500_000_000_000_000_000n;
  const nonce = await provider.getTransactionCount(bob.address, 'latest');
  const senderBefore = await provider.getBalance(bob.address);
  const tx = await bob.sendTransaction({ to, value, type: 2 });
  // The pending count includes the pool (read before latest: if latest still lacks the
  // transaction, pending certainly counted it while it was in the pool).
  const pending = await provider.getTransactionCount(bob.address, 'pending');
  const latest = await provider.getTransactionCount(bob.address, 'latest');
  assert.equal(tx.nonce, nonce);
  assert.equal(pending, nonce + 1, 'eth_getTransactionCount(pending) counts the transaction');
  t.diagnostic(latest === nonce ? 'the transaction was seen pending' : 'the transaction was already in a block');
  const receipt = await tx.wait(1, MINED_WITHIN_MS);
  assert.equal(receipt.status, 1);
  assert.equal(receipt.type, 2);
  assert.equal(receipt.from, bob.address);
  assert.equal(receipt.to, to);
  assert.equal(receipt.contractAddress, null);
  assert.equal(receipt.gasUsed, 21_000n, 'a plain transfer costs the intrinsic gas');
  assert.equal(receipt.logs.length, 0);
  const block = await provider.getBlock(receipt.blockHash);
  assert.equal(block.number, receipt.blockNumber);
  assert.ok(block.transactions.includes(tx.hash), 'the block lists the transaction');
  // The block's transactions by count and by index are those of the whole block by hash.
  const full = await call('eth_getBlockByHash', [receipt.blockHash, true]);
  const count = toQuantity(full.transactions.length);
  assert.equal(full.number, toQuantity(receipt.blockNumber));
  assert.equal(full.transactions[receipt.index]?.hash, tx.hash, 'the transaction is at its receipt\'s index');
  assert.equal(await call('eth_getBlockTransactionCountByNumber', [full.number]), count);
  for (const [index, expected] of full.transactions.entries()) {
    assert.deepEqual(await call('eth_getTransactionByBlockHashAndIndex', [full.hash, toQuantity(index)]), expected,
      `eth_getTransactionByBlockHashAndIndex(${index})`);
  }
  assert.equal(await call('eth_getTransactionByBlockHashAndIndex', [full.hash, count]), null, 'an index past the end');
  // Proof of stake makes no uncles: a known block counts none, an unknown one is null as in
  // geth (anvil answers "Resource not found").
  assert.equal(await call('eth_getUncleCountByBlockHash', [full.hash]), '0x0');
  assert.equal(await call('eth_getUncleCountByBlockNumber', [full.number]), '0x0');
  if (target.kind !== 'anvil') {
    assert.equal(await call('eth_getUncleCountByBlockHash', [`0x${'ab'.repeat(32)}`]), null, 'an unknown block');
  }
  assert.equal(await call('eth_getUncleByBlockHashAndIndex', [full.hash, '0x0']), null);
  assert.equal(await call('eth_getUncleByBlockNumberAndIndex', [full.number, '0x0']), null);
  // "latest" is read together with the latest block, retried if a block came in between.
  const [latestBlock, latestCount] = await waitFor('the latest block and its transaction count, read at one block', 30_000, async () => {
    const latestBlock = await call('eth_getBlockByNumber', ['latest', false]);
    const latestCount = await call('eth_getBlockTransactionCountByNumber', ['latest']);
    return (await call('eth_blockNumber')) === latestBlock.number && [latestBlock, latestCount];
  });
  assert.equal(latestCount, toQuantity(latestBlock.transactions.length), `block ${BigInt(latestBlock.number)}`);
  const expectedPrice = [tx.maxFeePerGas, block.baseFeePerGas + tx.maxPriorityFeePerGas].reduce((a, b) => (a < b ? a : b));
  assert.equal(receipt.gasPrice, expectedPrice, 'effectiveGasPrice = min(maxFeePerGas, baseFee + maxPriorityFeePerGas)');
  assert.equal(await provider.getBalance(to), value, 'the recipient gets exactly the value');
  assert.equal(await provider.getBalance(bob.address), senderBefore - value - receipt.gasUsed * receipt.gasPrice,
    'the sender pays the value and gasUsed * effectiveGasPrice');
  assert.equal(await provider.getTransactionCount(bob.address, 'latest'), nonce + 1);

  const found = await provider.getTransaction(tx.hash);
  assert.equal(found.hash, tx.hash);
  assert.equal(found.from, bob.address);
  assert.equal(found.to, to);
  assert.equal(found.value, value);
  assert.equal(found.nonce, nonce);
  assert.equal(found.type, 2);
  assert.equal(found.chainId, chainId);
  assert.equal(found.blockHash, receipt.blockHash);
  assert.equal(found.blockNumber, receipt.blockNumber);
  const raw = await call('eth_getTransactionByHash', [tx.hash]);
  assert.equal(raw.from.toLowerCase(), bob.address.toLowerCase());
  assert.equal(raw.to.toLowerCase(), to.toLowerCase());
  assert.equal(BigInt(raw.value), value);
  assert.equal(BigInt(raw.nonce), BigInt(nonce));
  assert.equal(BigInt(raw.transactionIndex), BigInt(receipt.index));
  const rawReceipt = await call('eth_getTransactionReceipt', [tx.hash]);
  assert.equal(rawReceipt.status, '0x1');
  assert.equal(BigInt(rawReceipt.effectiveGasPrice), receipt.gasPrice);
  assert.ok(BigInt(rawReceipt.cumulativeGasUsed) >= 21_000n);
  assert.match(rawReceipt.logsBloom, /^0x[0-9a-f]{512}$/);

  // Legacy (type 0) with a gas price.
  const { gasPrice } = await provider.getFeeData();
  assert.ok(gasPrice > 0n, `eth_gasPrice: ${gasPrice}`);
  const legacyValue = 250_000_000_000_000_000n;
  const before = await provider.getBalance(bob.address);
  const legacy = await bob.sendTransaction({ to, value: legacyValue, type: 0, gasPrice });
  assert.equal(legacy.type, 0);
  assert.equal(legacy.nonce, nonce + 1);
  const legacyReceipt = await legacy.wait(1, MINED_WITHIN_MS);
  assert.equal(legacyReceipt.status, 1);
  assert.equal(legacyReceipt.type, 0);
  assert.equal(legacyReceipt.gasPrice, gasPrice, 'a legacy transaction pays its gas price');
  assert.equal(await provider.getBalance(to), value + legacyValue);
  assert.equal(await provider.getBalance(bob.address), before - legacyValue - legacyReceipt.gasUsed * gasPrice);
  const legacyFound = await provider.getTransaction(legacy.hash);
  assert.equal(legacyFound.type, 0);
  assert.equal(legacyFound.gasPrice, gasPrice);
  assert.equal(legacyFound.chainId, chainId, 'EIP-155: the signature carries the chain id');
});

test('eth_newPendingTransactionFilter: eth_getFilterChanges reports a transaction sent after it, once, even once mined', async () => {
  const bob = devWallet(1, provider);
  const { maxFeePerGas, maxPriorityFeePerGas } = await fees();
  const filterId = await call('eth_newPendingTransactionFilter');
  assert.match(filterId, /^0x[0-9a-f]+$/);
  const nonce = await provider.getTransactionCount(bob.address, 'pending');
  const raw = await bob.signTransaction({
    type: 2, chainId, nonce, to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n, maxFeePerGas, maxPriorityFeePerGas,
  });
  const { hash } = Transaction.from(raw);
  const sent = await sendRaw(raw);
  assert.equal(sent.result, hash, JSON.stringify(sent.error));
  // As geth's: the filter reports every transaction that entered the pool since the last
  // poll, so one already in a block by the first poll is reported too.
  assert.equal((await provider.waitForTransaction(hash, 1, MINED_WITHIN_MS)).status, 1);
  const changes = await call('eth_getFilterChanges', [filterId]);
  assert.ok(changes.every((h) => /^0x[0-9a-f]{64}$/.test(h)), `transaction hashes: ${JSON.stringify(changes)}`);
  assert.ok(changes.includes(hash), `${hash} reported: ${JSON.stringify(changes)}`);
  assert.ok(!(await call('eth_getFilterChanges', [filterId])).includes(hash), 'reported once');
  assert.equal(await call('eth_uninstallFilter', [filterId]), true);
  const gone = await callResponse('eth_getFilterChanges', [filterId]);
  assert.equal(gone.result, undefined, 'an uninstalled filter is not polled');
  if (target.kind === 'luxtensor') {
    assert.equal(gone.error?.message, 'filter not found', 'geth\'s message');
  }
});

test('EIP-2930 (type 1): an ERC-20 transfer with an access list; eth_call, eth_getStorageAt and eth_getBalance at the blocks before and after', async () => {
  const owner = await freshWallet(devWallet(3, provider), 10n * LUX);
  const supply = 1000n * 10n ** 18n;
  const { token, address, receipt: deployed } = await deployToken(owner, supply, 'Access Token', 'ACT');
  const callAt = (data, block) => call('eth_call', [{ to: address, data }, block]);
  const totalSupply = token.interface.encodeFunctionData('totalSupply');
  assert.equal(await callAt(totalSupply, toQuantity(deployed.blockNumber - 1)), '0x', 'no code yet at the block before the deployment');
  assert.equal(await callAt(totalSupply, toQuantity(deployed.blockNumber)), toBeHex(supply, 32));

  // The transfer lists the two balance slots it touches.
  const to = Wallet.createRandom().address;
  const amount = 25n * 10n ** 18n;
  const { slots } = compileErc20();
  const balanceSlot = (account) => keccak256(AbiCoder.defaultAbiCoder().encode(['address', 'uint256'], [account, slots.balanceOf]));
  const accessList = [{ address, storageKeys: [balanceSlot(owner.address), balanceSlot(to)] }];
  const sent = await token.transfer(to, amount, { type: 1, accessList });
  assert.equal(sent.type, 1);
  const receipt = await sent.wait(1, MINED_WITHIN_MS);
  assert.equal(receipt.status, 1);
  assert.equal(receipt.type, 1);
  assert.equal(receipt.gasPrice, sent.gasPrice, 'a type-1 transaction pays its gas price');
  const rawReceipt = await call('eth_getTransactionReceipt', [sent.hash]);
  assert.equal(rawReceipt.type, '0x1');
  assert.equal(rawReceipt.status, '0x1');
  const found = await call('eth_getTransactionByHash', [sent.hash]);
  assert.equal(found.type, '0x1');
  assert.equal(found.chainId, toQuantity(chainId));
  assert.equal(BigInt(found.gasPrice), sent.gasPrice);
  assert.deepEqual(found.accessList, [{ address: address.toLowerCase(), storageKeys: accessList[0].storageKeys }], 'the access list');
  assert.deepEqual((await provider.getTransaction(sent.hash)).accessList, accessList, 'as ethers reads it');

  // State at the block before the transfer and at its block, by explicit block number.
  const before = toQuantity(receipt.blockNumber - 1);
  const after = toQuantity(receipt.blockNumber);
  const balanceOf = (account) => token.interface.encodeFunctionData('balanceOf', [account]);
  assert.equal(await callAt(balanceOf(to), before), toBeHex(0n, 32));
  assert.equal(await callAt(balanceOf(to), after), toBeHex(amount, 32));
  assert.equal(await callAt(balanceOf(owner.address), before), toBeHex(supply, 32));
  assert.equal(await callAt(balanceOf(owner.address), after), toBeHex(supply - amount, 32));
  assert.equal(await call('eth_getStorageAt', [address, balanceSlot(to), before]), toBeHex(0n, 32));
  assert.equal(await call('eth_getStorageAt', [address, balanceSlot(to), after]), toBeHex(amount, 32));
  const ethBefore = BigInt(await call('eth_getBalance', [owner.address, before]));
  const ethAfter = BigInt(await call('eth_getBalance', [owner.address, after]));
  assert.equal(ethBefore - ethAfter, receipt.gasUsed * receipt.gasPrice, 'in that block the owner paid the fee, and nothing else');
  assert.equal(ethAfter, await provider.getBalance(owner.address), 'nor since');

  // What a list costs: 2,400 gas per address and 1,900 per storage key (EIP-2930). A value
  // transfer with the same list uses exactly 21,000 + 2,400 + 2 * 1,900 gas (ethers' estimate);
  // its recipient holds nothing at the block before it, and the value at its block.
  const payee = Wallet.createRandom().address;
  const paid = await (await owner.sendTransaction({ to: payee, value: LUX / 10n, type: 1, accessList }))
    .wait(1, MINED_WITHIN_MS);
  assert.equal(paid.status, 1);
  assert.equal(paid.type, 1);
  assert.equal(paid.gasUsed, 27_200n, 'the intrinsic gas of a transfer with one address and two keys');
  assert.equal(await call('eth_getBalance', [payee, toQuantity(paid.blockNumber - 1)]), '0x0');
  assert.equal(BigInt(await call('eth_getBalance', [payee, toQuantity(paid.blockNumber)])), LUX / 10n);
});

test('eth_createAccessList (raw and viem): an ERC-20 transfer lists the token\'s two balance slots, the transfer sent with that list uses the gas it says, and a reverting call gets its list and the error', async () => {
  const owner = await freshWallet(devWallet(3, provider), 10n * LUX);
  const supply = 1000n * 10n ** 18n;
  const { token, address } = await deployToken(owner, supply, 'List Token', 'LST');
  const { slots } = compileErc20();
  const balanceSlot = (account) => keccak256(AbiCoder.defaultAbiCoder().encode(['address', 'uint256'], [account, slots.balanceOf]));
  const to = Wallet.createRandom().address;
  const amount = 5n * 10n ** 18n;
  const data = token.interface.encodeFunctionData('transfer', [to, amount]);
  const normal = (list) => list.map((e) => ({ address: e.address.toLowerCase(), storageKeys: [...e.storageKeys].sort() }));
  const expected = [{ address: address.toLowerCase(), storageKeys: [balanceSlot(owner.address), balanceSlot(to)].sort() }];

  // Neither the sender nor the token (the recipient) is listed for itself: a transaction has
  // them warm; the token's slots are.
  const created = await call('eth_createAccessList', [{ from: owner.address, to: address, data }, 'latest']);
  assert.deepEqual(normal(created.accessList), expected, 'the token with both balance slots, nothing else');
  assert.equal(created.error, undefined, 'no error for a call that succeeds');
  const publicClient = createPublicClient({ chain: viemChain(), transport: http(target.httpUrl) });
  const viaViem = await publicClient.createAccessList({ account: owner.address, to: address, data });
  assert.deepEqual(normal(viaViem.accessList), expected, 'as viem reads it');
  assert.equal(viaViem.gasUsed, BigInt(created.gasUsed));

  // Sent with that list, the transfer uses exactly the gas the answer gives.
  const sent = await token.transfer(to, amount, { type: 2, accessList: created.accessList });
  const receipt = await sent.wait(1, MINED_WITHIN_MS);
  assert.equal(receipt.status, 1);
  assert.equal(receipt.gasUsed, BigInt(created.gasUsed), 'gasUsed of the transfer with the list');

  // A list given is kept, and what the call touches joins it (on the state after the
  // transfer, where the recipient's balance is no longer zero, so a second one costs less).
  const again = await call('eth_createAccessList', [{ from: owner.address, to: address, data }]);
  assert.ok(BigInt(again.gasUsed) < BigInt(created.gasUsed), 'a balance that is no longer zero costs less to raise');
  const extra = { address: Wallet.createRandom().address.toLowerCase(), storageKeys: [toBeHex(7n, 32)] };
  const kept = await call('eth_createAccessList', [{ from: owner.address, to: address, data, accessList: [extra] }]);
  assert.deepEqual(normal(kept.accessList).sort((a, b) => a.address.localeCompare(b.address)),
    [...expected, extra].sort((a, b) => a.address.localeCompare(b.address)));
  assert.equal(BigInt(kept.gasUsed), BigInt(again.gasUsed) + 2_400n + 1_900n, 'the extra address and key cost what EIP-2930 says');

  // A transfer of more than the sender holds reverts: its list still comes, with the error,
  // as geth answers and the specification's result has it (anvil answers a revert error).
  if (target.kind !== 'anvil') {
    const tooMuch = token.interface.encodeFunctionData('transfer', [to, supply * 2n]);
    const failed = await call('eth_createAccessList', [{ from: owner.address, to: address, data: tooMuch }]);
    assert.match(failed.error, /^execution reverted/);
    assert.ok(normal(failed.accessList)[0]?.storageKeys.includes(balanceSlot(owner.address)), 'the sender\'s balance slot was read');
  }
});

test('eth_estimateGas of a value transfer with an access list counts the list', async () => {
  const from = devWallet(3).address;
  const to = Wallet.createRandom().address;
  const accessList = [{ address: to, storageKeys: [toBeHex(1n, 32), toBeHex(2n, 32)] }];
  assert.equal(await call('eth_estimateGas', [{ from, to, value: '0x1' }]), toQuantity(21_000n), 'without a list');
  assert.equal(BigInt(await call('eth_estimateGas', [{ from, to, value: '0x1', accessList }])), 27_200n,
    'with one address and two keys: 21,000 + 2,400 + 2 * 1,900');
});

test('ERC-20: deploy with ContractFactory, reads, transfer events, eth_getLogs, filters, storage', async (t) => {
  const { deployedBytecode, slots, solcVersion, evmVersion } = compileErc20();
  t.diagnostic(`solc ${solcVersion}, evmVersion ${evmVersion}`);
  const charlie = devWallet(2, provider);
  const supply = 1_000_000n * 10n ** 18n;
  const deployNonce = await provider.getTransactionCount(charlie.address, 'pending');
  const { token, address, receipt: deployed } = await deployToken(charlie, supply);
  assert.equal(deployed.contractAddress, address);
  assert.equal(address, getCreateAddress({ from: charlie.address, nonce: deployNonce }));
  assert.equal(deployed.to, null);
  assert.equal(await provider.getCode(address), deployedBytecode, 'the runtime code solc produced');
  assert.equal(await provider.getCode(charlie.address), '0x', 'an account has no code');

  assert.equal(await token.name(), 'Lux Test Token');
  assert.equal(await token.symbol(), 'LTT');
  assert.equal(await token.decimals(), 18n);
  assert.equal(await token.totalSupply(), supply);
  assert.equal(await token.balanceOf(charlie.address), supply);
  const minted = deployed.logs.map((l) => token.interface.parseLog(l)).find((e) => e?.name === 'Transfer');
  assert.deepEqual([...minted.args], ['0x0000000000000000000000000000000000000000', charlie.address, supply]);

  // transfer: its Transfer event, parsed with the contract's interface.
  const to = Wallet.createRandom().address;
  const amount = 1234n * 10n ** 18n;
  const receipt = await (await token.transfer(to, amount)).wait(1, MINED_WITHIN_MS);
  assert.equal(receipt.status, 1);
  assert.equal(receipt.to, address);
  assert.equal(receipt.logs.length, 1);
  const log = receipt.logs[0];
  assert.equal(log.address, address);
  assert.equal(log.transactionHash, receipt.hash);
  assert.equal(log.blockHash, receipt.blockHash);
  assert.equal(log.blockNumber, receipt.blockNumber);
  assert.deepEqual(log.topics, [TRANSFER_TOPIC, zeroPadValue(charlie.address, 32).toLowerCase(), zeroPadValue(to, 32).toLowerCase()]);
  const transfer = token.interface.parseLog(log);
  assert.equal(transfer.name, 'Transfer');
  assert.deepEqual([...transfer.args], [charlie.address, to, amount]);
  assert.equal(await token.balanceOf(to), amount);
  assert.equal(await token.balanceOf(charlie.address), supply - amount);

  // eth_getLogs by topics: [Transfer, any sender, this recipient] finds exactly this log.
  const logs = await provider.getLogs({
    fromBlock: deployed.blockNumber, toBlock: 'latest', topics: [TRANSFER_TOPIC, null, zeroPadValue(to, 32)],
  });
  assert.equal(logs.length, 1, `logs: ${JSON.stringify(logs)}`);
  assert.equal(logs[0].transactionHash, receipt.hash);
  assert.equal(logs[0].address, address);
  assert.equal(logs[0].index, log.index);
  assert.equal(BigInt(logs[0].data), amount);
  const inBlock = await provider.getLogs({ blockHash: receipt.blockHash, address });
  assert.deepEqual(inBlock.map((l) => l.transactionHash), [receipt.hash], 'by block hash and address');
  const fromToken = await provider.getLogs({ fromBlock: deployed.blockNumber, toBlock: receipt.blockNumber, address, topics: [TRANSFER_TOPIC] });
  assert.deepEqual(fromToken.map((l) => l.transactionHash), [deployed.hash, receipt.hash], 'the mint and the transfer, in order');
  assert.equal(BigInt(receipt.logsBloom) !== 0n, true, 'the receipt has a logs bloom');

  // approve, allowance, transferFrom.
  const alice = devWallet(0, provider);
  const approved = await (await token.approve(alice.address, 100n)).wait(1, MINED_WITHIN_MS);
  const approval = token.interface.parseLog(approved.logs[0]);
  assert.equal(approval.name, 'Approval');
  assert.deepEqual([...approval.args], [charlie.address, alice.address, 100n]);
  assert.equal(await token.allowance(charlie.address, alice.address), 100n);

  // A filter sees the later transfer (transferFrom by alice).
  const filterId = await call('eth_newFilter', [{ address, topics: [TRANSFER_TOPIC] }]);
  assert.match(filterId, /^0x[0-9a-f]+$/);
  const to2 = Wallet.createRandom().address;
  const moved = await (await token.connect(alice).transferFrom(charlie.address, to2, 60n)).wait(1, MINED_WITHIN_MS);
  assert.equal(moved.status, 1);
  assert.equal(await token.allowance(charlie.address, alice.address), 40n);
  assert.equal(await token.balanceOf(to2), 60n);
  const changes = [];
  const seen = await waitFor('eth_getFilterChanges to return the transfer', 30_000, async () => {
    changes.push(...await call('eth_getFilterChanges', [filterId]));
    return changes.find((l) => l.transactionHash === moved.hash);
  });
  assert.equal(seen.address.toLowerCase(), address.toLowerCase());
  assert.deepEqual(seen.topics, [TRANSFER_TOPIC, zeroPadValue(charlie.address, 32).toLowerCase(), zeroPadValue(to2, 32).toLowerCase()]);
  assert.equal(BigInt(seen.data), 60n);
  assert.ok(changes.every((l) => l.transactionHash === moved.hash), 'nothing from before the filter');
  assert.equal(await call('eth_uninstallFilter', [filterId]), true);

  // totalSupply's storage slot.
  assert.equal(slots.totalSupply, 0n);
  assert.equal(await provider.getStorage(address, slots.totalSupply), toBeHex(supply, 32));
  assert.equal(await provider.getStorage(address, 1000n), toBeHex(0n, 32), 'an unused slot is zero');
});

test('reverts: eth_call and eth_estimateGas report the reason; the estimate is enough; a reverted transaction has status 0', async () => {
  const dave = devWallet(3, provider);
  const supply = 1000n * 10n ** 18n;
  const { token, address } = await deployToken(dave, supply);
  const to = Wallet.createRandom().address;
  const tooMuch = supply + 1n;

  // ethers: a CALL_EXCEPTION with the decoded reason.
  await assert.rejects(token.transfer.staticCall(to, tooMuch), (e) => {
    assert.equal(e.code, 'CALL_EXCEPTION', e.message);
    assert.equal(e.reason, 'insufficient balance');
    assert.ok(e.data?.startsWith(ERROR_STRING_SELECTOR), `data: ${e.data}`);
    assert.equal(e.revert?.name, 'Error');
    return true;
  });

  // Raw JSON-RPC: geth's code 3, message and revert data.
  const data = token.interface.encodeFunctionData('transfer', [to, tooMuch]);
  const expectRevert = (response, method) => {
    assert.equal(response.result, undefined, `${method} should fail`);
    assert.equal(response.error?.code, 3, `${method}: ${JSON.stringify(response.error)}`);
    assert.ok(response.error.message.includes('execution reverted: insufficient balance'), `${method}: ${response.error.message}`);
    assert.ok(response.error.data?.startsWith(ERROR_STRING_SELECTOR), `${method} data: ${response.error.data}`);
    const [reason] = AbiCoder.defaultAbiCoder().decode(['string'], `0x${response.error.data.slice(10)}`);
    assert.equal(reason, 'insufficient balance');
  };
  expectRevert(await callResponse('eth_call', [{ from: dave.address, to: address, data }, 'latest']), 'eth_call');
  expectRevert(await callResponse('eth_estimateGas', [{ from: dave.address, to: address, data }]), 'eth_estimateGas');
  await assert.rejects(token.transfer.estimateGas(to, tooMuch), (e) => {
    assert.equal(e.code, 'CALL_EXCEPTION', e.message);
    assert.equal(e.reason, 'insufficient balance');
    return true;
  });

  // A good transfer: its estimate is enough to run it, and covers what it uses.
  const amount = 10n ** 18n;
  assert.equal(await token.transfer.staticCall(to, amount), true, 'eth_call returns the result');
  const estimate = await token.transfer.estimateGas(to, amount);
  assert.ok(estimate > 21_000n, `estimate: ${estimate}`);
  const receipt = await (await token.transfer(to, amount, { gasLimit: estimate })).wait(1, MINED_WITHIN_MS);
  assert.equal(receipt.status, 1, 'the transaction with exactly the estimate succeeds');
  assert.ok(estimate >= receipt.gasUsed, `estimate ${estimate} >= gasUsed ${receipt.gasUsed}`);
  assert.equal((await provider.getTransaction(receipt.hash)).gasLimit, estimate);
  assert.equal(await token.balanceOf(to), amount);

  // Sent anyway (gas limit given, so nothing estimates it first), it is mined and fails.
  const nonce = await provider.getTransactionCount(dave.address, 'pending');
  const before = await provider.getBalance(dave.address);
  const failing = await token.transfer(to, tooMuch, { gasLimit: 100_000n });
  await assert.rejects(failing.wait(1, MINED_WITHIN_MS), (e) => {
    assert.equal(e.code, 'CALL_EXCEPTION', e.message);
    assert.equal(e.receipt?.status, 0);
    return true;
  });
  const failed = await provider.getTransactionReceipt(failing.hash);
  assert.equal(failed.status, 0);
  assert.equal(failed.logs.length, 0, 'a reverted transaction keeps no logs');
  assert.ok(failed.gasUsed > 21_000n && failed.gasUsed <= 100_000n, `gasUsed: ${failed.gasUsed}`);
  assert.equal(await provider.getTransactionCount(dave.address, 'latest'), nonce + 1, 'it used its nonce');
  assert.equal(await provider.getBalance(dave.address), before - failed.gasUsed * failed.gasPrice, 'it paid for its gas');
  assert.equal(await token.balanceOf(to), amount, 'and changed no state');
});

/** A viem chain for the target: its id read with eth_chainId. */
const viemChain = () => defineChain({
  id: Number(chainId),
  name: 'LuxTensor test target',
  nativeCurrency: { name: 'LUX', symbol: 'LUX', decimals: 18 },
  rpcUrls: { default: { http: [target.httpUrl], webSocket: [target.wsUrl] } },
});

test('viem over HTTP: sendTransaction, waitForTransactionReceipt, deployContract, readContract, watchBlocks', async () => {
  const chain = viemChain();
  const account = mnemonicToAccount(DEV_PHRASE, { addressIndex: 4 });
  assert.equal(account.address, devWallet(4).address, 'viem derives eve like ethers');
  assert.equal(mnemonicToAccount(DEV_PHRASE).address, ALICE);
  assert.equal(privateKeyToAccount(ALICE_KEY).address, ALICE);
  const publicClient = createPublicClient({ chain, transport: http(target.httpUrl), pollingInterval: 250 });
  const walletClient = createWalletClient({ account, chain, transport: http(target.httpUrl), pollingInterval: 250 });
  assert.equal(await publicClient.getChainId(), Number(chainId));

  const to = privateKeyToAccount(generatePrivateKey()).address;
  const value = parseEther('0.25');
  const hash = await walletClient.sendTransaction({ to, value });
  const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: MINED_WITHIN_MS });
  assert.equal(receipt.status, 'success');
  assert.equal(receipt.from.toLowerCase(), account.address.toLowerCase());
  assert.equal(receipt.type, 'eip1559');
  assert.equal(await publicClient.getBalance({ address: to }), value);
  const tx = await publicClient.getTransaction({ hash });
  assert.equal(tx.value, value);
  assert.equal(tx.chainId, Number(chainId));

  const { abi, bytecode } = compileErc20();
  const supply = 5000n * 10n ** 18n;
  const deployHash = await walletClient.deployContract({ abi, bytecode, args: ['Viem Token', 'VTK', supply] });
  const deployed = await publicClient.waitForTransactionReceipt({ hash: deployHash, timeout: MINED_WITHIN_MS });
  assert.equal(deployed.status, 'success');
  const address = deployed.contractAddress;
  assert.ok(address, 'contractAddress');
  assert.equal(await publicClient.readContract({ address, abi, functionName: 'symbol' }), 'VTK');
  assert.equal(await publicClient.readContract({ address, abi, functionName: 'balanceOf', args: [account.address] }), supply);
  const { request } = await publicClient.simulateContract({ account, address, abi, functionName: 'transfer', args: [to, 7n] });
  const sent = await publicClient.waitForTransactionReceipt({ hash: await walletClient.writeContract(request), timeout: MINED_WITHIN_MS });
  assert.equal(sent.status, 'success');
  assert.equal(await publicClient.readContract({ address, abi, functionName: 'balanceOf', args: [to] }), 7n);
  const [event] = await publicClient.getContractEvents({ address, abi, eventName: 'Transfer', args: { to }, fromBlock: deployed.blockNumber });
  assert.equal(event.transactionHash, sent.transactionHash);
  assert.equal(event.args.value, 7n);

  // Polling for new blocks.
  const numbers = [];
  const unwatch = publicClient.watchBlocks({ poll: true, pollingInterval: 250, onBlock: (b) => numbers.push(b.number) });
  try {
    await waitFor('viem watchBlocks to see two new blocks', 30_000, async () => numbers.length >= 2);
  } finally {
    unwatch();
  }
  assert.ok(numbers[1] > numbers[0], `blocks: ${numbers}`);
  assert.ok(await publicClient.getBlockNumber({ cacheTime: 0 }) >= numbers[1]);
});

test('viem over WebSocket: eth_subscribe newHeads, logs and newPendingTransactions', async () => {
  const chain = viemChain();
  const wsClient = createPublicClient({ chain, transport: webSocket(target.wsUrl, { keepAlive: false, reconnect: false }) });
  const rpcClient = await wsClient.transport.getRpcClient();
  const subscriptions = [];
  try {
    assert.equal(await wsClient.getChainId(), Number(chainId), 'requests over the socket');

    const heads = [];
    const errors = [];
    subscriptions.push(await wsClient.transport.subscribe({
      params: ['newHeads'], onData: ({ result }) => heads.push(result), onError: (e) => errors.push(e),
    }));
    const head = await waitFor('a newHeads notification', 30_000, async () => heads[0]);
    assert.match(head.hash, /^0x[0-9a-f]{64}$/);
    assert.match(head.parentHash, /^0x[0-9a-f]{64}$/);
    assert.ok(BigInt(head.number) > 0n);
    const block = await call('eth_getBlockByHash', [head.hash, false]);
    assert.equal(block?.number, head.number, 'the header is a block the node serves');

    // A Transfer log arrives on a logs subscription made before the transfer.
    const eve = devWallet(4, provider);
    const { token, address } = await deployToken(eve, 10n ** 21n);
    const logs = [];
    subscriptions.push(await wsClient.transport.subscribe({
      params: ['logs', { address, topics: [TRANSFER_TOPIC] }], onData: ({ result }) => logs.push(result), onError: (e) => errors.push(e),
    }));
    const to = Wallet.createRandom().address;
    const receipt = await (await token.transfer(to, 42n)).wait(1, MINED_WITHIN_MS);
    const log = await waitFor('the Transfer log on the logs subscription', 30_000, async () =>
      logs.find((l) => l.transactionHash === receipt.hash));
    assert.equal(log.address.toLowerCase(), address.toLowerCase());
    assert.equal(log.blockHash, receipt.blockHash);
    assert.equal(BigInt(log.blockNumber), BigInt(receipt.blockNumber));
    const decoded = decodeEventLog({ abi: compileErc20().abi, data: log.data, topics: log.topics });
    assert.equal(decoded.eventName, 'Transfer');
    assert.equal(decoded.args.from, eve.address);
    assert.equal(decoded.args.to, to);
    assert.equal(decoded.args.value, 42n);
    assert.ok(logs.every((l) => l.transactionHash === receipt.hash), 'only the matching log');

    // newPendingTransactions: a transaction sent after subscribing is announced as it enters
    // the pool, by hash (and, on LuxTensor, whole with `true`, as geth does).
    const pendingHashes = [];
    const pendingFull = [];
    subscriptions.push(await wsClient.transport.subscribe({
      params: ['newPendingTransactions'], onData: ({ result }) => pendingHashes.push(result), onError: (e) => errors.push(e),
    }));
    if (target.kind === 'luxtensor') {
      subscriptions.push(await wsClient.transport.subscribe({
        params: ['newPendingTransactions', true], onData: ({ result }) => pendingFull.push(result), onError: (e) => errors.push(e),
      }));
    }
    const sent = await eve.sendTransaction({ to, value: 7n });
    await waitFor('the transaction on newPendingTransactions', 30_000, async () => pendingHashes.includes(sent.hash) || undefined);
    if (target.kind === 'luxtensor') {
      const full = await waitFor('the whole transaction on newPendingTransactions', 30_000, async () =>
        pendingFull.find((tx) => tx.hash === sent.hash));
      assert.equal(full.from.toLowerCase(), eve.address.toLowerCase());
      assert.equal(full.to.toLowerCase(), to.toLowerCase());
      assert.equal(BigInt(full.value), 7n);
      assert.equal(BigInt(full.nonce), BigInt(sent.nonce));
      assert.equal(full.blockHash, null, 'pending: in no block yet');
    }
    await sent.wait(1, MINED_WITHIN_MS);
    assert.deepEqual(errors, []);
    for (const subscription of subscriptions.splice(0)) {
      assert.equal((await subscription.unsubscribe()).result, true, 'eth_unsubscribe');
    }
  } finally {
    rpcClient.close();
  }
});

test('refused transactions: nonce too low, intrinsic gas too low, insufficient funds, another chain id', async () => {
  const ferdie = devWallet(5, provider);
  const wallet = await freshWallet(ferdie, LUX);
  const { maxFeePerGas, maxPriorityFeePerGas } = await fees();
  const to = Wallet.createRandom().address;
  const base = { type: 2, chainId, to, value: 1000n, gasLimit: 21_000n, maxFeePerGas, maxPriorityFeePerGas };
  assert.equal((await (await wallet.sendTransaction({ ...base, nonce: 0 })).wait(1, MINED_WITHIN_MS)).status, 1);
  assert.equal(await provider.getTransactionCount(wallet.address, 'latest'), 1);

  /** Sends `raw`, expects a refusal whose message matches `pattern`, and checks the node
   * does not know the transaction afterwards. */
  const refused = async (fields, pattern, ethersCode) => {
    const raw = await wallet.signTransaction(fields);
    const { result, error } = await sendRaw(raw);
    assert.equal(result, undefined, `accepted: ${JSON.stringify(fields, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
    assert.match(error.message, pattern, JSON.stringify(error));
    assert.equal(typeof error.code, 'number');
    if (ethersCode) {
      await assert.rejects(provider.broadcastTransaction(raw), (e) => {
        assert.equal(e.code, ethersCode, e.message);
        return true;
      });
    }
    assert.equal(await provider.getTransaction(Transaction.from(raw).hash), null, 'the refused transaction is unknown');
  };
  // (A different value than the mined transaction's, so a different transaction.)
  await refused({ ...base, nonce: 0, value: 999n }, /nonce too low/i, 'NONCE_EXPIRED');
  await refused({ ...base, nonce: 1, gasLimit: 20_000n }, /intrinsic gas too low/i);
  await refused({ ...base, nonce: 1, value: 2n * LUX }, /insufficient funds for gas \* price \+ value/i, 'INSUFFICIENT_FUNDS');
  await refused({ ...base, nonce: 1, chainId: chainId + 1n }, /chain id/i);
  if (target.kind !== 'anvil') {
    // A legacy (EIP-155) transaction for another chain too, as geth refuses it. (anvil
    // accepts and mines it: it checks the chain id of typed transactions only.)
    const legacy = { ...base, type: 0, gasPrice: maxFeePerGas, maxFeePerGas: undefined, maxPriorityFeePerGas: undefined };
    await refused({ ...legacy, nonce: 1, chainId: chainId + 1n }, /chain id/i);
  }
  assert.equal(await provider.getTransactionCount(wallet.address, 'pending'), 1, 'nothing refused entered the pool');
  assert.equal(await provider.getBalance(to), 1000n);
});

test('refused gas limits: above EIP-7825\'s per-transaction cap (2^24), above the block gas limit (30 million)', { skip: ONLY_LUXTENSOR }, async () => {
  // (anvil has no per-transaction cap, and words the block's limit differently.)
  const ferdie = devWallet(5, provider);
  const blockGasLimit = 30_000_000n;
  const txGasCap = 16_777_216n;
  assert.equal(BigInt((await call('eth_getBlockByNumber', ['latest', false])).gasLimit), blockGasLimit);
  const { maxFeePerGas, maxPriorityFeePerGas } = await fees();
  const nonce = await provider.getTransactionCount(ferdie.address, 'pending');
  const base = { type: 2, chainId, nonce, to: Wallet.createRandom().address, value: 1n, maxFeePerGas, maxPriorityFeePerGas };
  // Ferdie could pay for all of these: only the gas limit is wrong.
  assert.ok(await provider.getBalance(ferdie.address) > (blockGasLimit + 1n) * maxFeePerGas);
  for (const [gasLimit, message] of [
    [txGasCap + 1n, 'transaction gas limit too high'],
    [20_000_000n, 'transaction gas limit too high'],
    [blockGasLimit, 'transaction gas limit too high'],
    [blockGasLimit + 1n, 'exceeds block gas limit'],
  ]) {
    const raw = await ferdie.signTransaction({ ...base, gasLimit });
    const { result, error } = await sendRaw(raw);
    assert.equal(result, undefined, `gas limit ${gasLimit} accepted`);
    assert.equal(error.code, -32000, JSON.stringify(error));
    assert.ok(error.message.includes(message), `gas limit ${gasLimit}: ${error.message}`);
    assert.equal(await provider.getTransaction(Transaction.from(raw).hash), null, 'the refused transaction is unknown');
  }
  assert.equal(await provider.getTransactionCount(ferdie.address, 'pending'), nonce, 'nothing refused entered the pool');
  // At the cap itself the transaction is accepted, and pays only for the gas it uses.
  const before = await provider.getBalance(ferdie.address);
  const accepted = await ferdie.sendTransaction({ ...base, gasLimit: txGasCap });
  const receipt = await accepted.wait(1, MINED_WITHIN_MS);
  assert.equal(receipt.status, 1);
  assert.equal(receipt.gasUsed, 21_000n);
  assert.equal((await provider.getTransaction(accepted.hash)).gasLimit, txGasCap);
  assert.equal(await provider.getBalance(ferdie.address), before - 1n - 21_000n * receipt.gasPrice);
});

test('a pending transaction is replaced only by a higher fee: "replacement transaction underpriced"', async (t) => {
  const ferdie = devWallet(5, provider);
  const wallet = await freshWallet(ferdie, LUX);
  const { maxFeePerGas, maxPriorityFeePerGas } = await fees();
  const bumped = { maxFeePerGas: maxFeePerGas * 2n, maxPriorityFeePerGas: maxPriorityFeePerGas * 2n + 1n };
  // The replacement must reach the pool while the first transaction is still there: a block
  // may be authored in between (rarely: the three are sent back to back), so a round where the
  // first was already mined ("nonce too low") is retried with the next nonce.
  for (let attempt = 1; attempt <= 5; attempt++) {
    const nonce = await provider.getTransactionCount(wallet.address, 'pending');
    const fields = { type: 2, chainId, nonce, gasLimit: 21_000n, maxFeePerGas, maxPriorityFeePerGas };
    const first = await wallet.signTransaction({ ...fields, to: Wallet.createRandom().address, value: 1n });
    const same = await wallet.signTransaction({ ...fields, to: Wallet.createRandom().address, value: 2n });
    const higher = await wallet.signTransaction({ ...fields, ...bumped, to: Wallet.createRandom().address, value: 3n });
    const sentFirst = await sendRaw(first);
    assert.equal(sentFirst.result, Transaction.from(first).hash, JSON.stringify(sentFirst.error));
    const sentSame = await sendRaw(same);
    const sentHigher = sentSame.error && /replacement transaction underpriced/i.test(sentSame.error.message) ? await sendRaw(higher) : undefined;
    const raced = [sentSame, sentHigher].some((r) => r?.error && /nonce too low/i.test(r.error.message));
    if (raced) {
      t.diagnostic(`attempt ${attempt}: the first transaction was mined before its replacement arrived; retrying`);
      await provider.waitForTransaction(Transaction.from(first).hash, 1, MINED_WITHIN_MS);
      continue;
    }
    assert.equal(sentSame.result, undefined, 'the same fee does not replace');
    assert.match(sentSame.error.message, /replacement transaction underpriced/i, JSON.stringify(sentSame.error));
    assert.equal(sentHigher.result, Transaction.from(higher).hash, `a higher fee replaces: ${JSON.stringify(sentHigher.error)}`);
    const receipt = await provider.waitForTransaction(Transaction.from(higher).hash, 1, MINED_WITHIN_MS);
    assert.equal(receipt.status, 1);
    assert.equal(await provider.getTransactionReceipt(Transaction.from(first).hash), null, 'the replaced transaction is never mined');
    assert.equal(await provider.getTransaction(Transaction.from(same).hash), null);
    assert.equal(await provider.getTransactionCount(wallet.address, 'latest'), nonce + 1);
    return;
  }
  assert.fail('every attempt raced with block production');
});

/** polkadot.js on the target's WebSocket. */
async function polkadotApi() {
  await cryptoWaitReady();
  return ApiPromise.create({ provider: new WsProvider(target.wsUrl), noInitWarn: true, throwOnConnect: true });
}

/** Submits a signed extrinsic and resolves with the hash of the block it is in. */
function submitUntilInBlock(api, xt) {
  return new Promise((resolve, reject) => {
    api.rpc.author.submitAndWatchExtrinsic(xt, (status) => {
      if (status.isInBlock) resolve(status.asInBlock.toHex());
      if (status.isInvalid || status.isDropped || status.isUsurped) reject(new Error(`extrinsic ${status.type}`));
    }).catch(reject);
  });
}

test('unified accounts: polkadot.js and ethers see the same account, balance and nonce', { skip: ONLY_LUXTENSOR }, async () => {
  const api = await polkadotApi();
  try {
    const keyring = new Keyring({ type: 'ethereum' });
    for (let i = 0; i < 6; i++) {
      assert.equal(keyring.addFromUri(devUri(i)).address, devWallet(i).address, `dev account ${i}`);
    }
    const alice = keyring.addFromUri(devUri(0));
    assert.equal(alice.address, ALICE);
    assert.equal(new Wallet(ALICE_KEY).address, ALICE);

    // The same balance, at the same block, through both APIs (1 wei = 1 native unit).
    const finalized = await api.rpc.chain.getFinalizedHead();
    const number = (await api.rpc.chain.getHeader(finalized)).number.toNumber();
    const { data } = await (await api.at(finalized)).query.system.account(alice.address);
    // (Alice, the dev validator, has her bond frozen: an Ethereum wallet sees what she can
    // spend, `free - frozen`, as on Moonbeam; polkadot.js shows both parts.)
    assert.ok(data.frozen.toBigInt() > 0n, 'the dev validator has a bond');
    const ethBalance = BigInt(await call('eth_getBalance', [ALICE, toQuantity(number)]));
    assert.equal(ethBalance, data.free.toBigInt() - data.frozen.toBigInt(),
      `eth_getBalance at block ${number} vs system.account: free ${data.free}, frozen ${data.frozen}, reserved ${data.reserved}`);
    const ethBlock = await call('eth_getBlockByNumber', [toQuantity(number), false]);
    assert.equal(ethBlock.hash, finalized.toHex(), 'an Ethereum client sees the same block hashes');

    // Native and Ethereum transactions of one key, back to back, share its nonce: each side's
    // pool-aware next nonce (eth_getTransactionCount 'pending', system_accountNextIndex)
    // counts the other's transaction. (polkadot.js's `nonce: -1` asks the runtime's
    // AccountNonceApi, which sees no pool, so the next index is asked for explicitly.)
    const wallet = devWallet(0, provider);
    const nextIndex = async () => (await api.rpc.system.accountNextIndex(ALICE)).toNumber();
    const nonce = await provider.getTransactionCount(ALICE, 'pending');
    assert.equal(await nextIndex(), nonce);
    const [dest1, dest2, dest3] = [0, 1, 2].map(() => Wallet.createRandom().address);
    const native1 = await api.tx.balances.transferKeepAlive(dest1, 3n * LUX).signAsync(alice, { nonce });
    const included1 = submitUntilInBlock(api, native1);
    await waitFor('the native transfer to be in the pool or a block', 10_000, async () => (await nextIndex()) === nonce + 1);
    const ethTx = await wallet.sendTransaction({ to: dest2, value: 5n * LUX });
    assert.equal(ethTx.nonce, nonce + 1, 'ethers\' pending nonce counts the native transaction');
    assert.equal(await nextIndex(), nonce + 2, 'system_accountNextIndex counts the Ethereum transaction');
    const native2 = await api.tx.balances.transferKeepAlive(dest3, 7n * LUX).signAsync(alice, { nonce: nonce + 2 });
    const [block1, ethReceipt, block2] = await Promise.all([included1, ethTx.wait(1, MINED_WITHIN_MS), submitUntilInBlock(api, native2)]);
    assert.equal(ethReceipt.status, 1);
    assert.ok(block1 && block2);
    assert.equal(await provider.getTransactionCount(ALICE, 'latest'), nonce + 3);
    assert.equal((await api.query.system.account(ALICE)).nonce.toNumber(), nonce + 3);
    for (const [dest, amount] of [[dest1, 3n * LUX], [dest2, 5n * LUX], [dest3, 7n * LUX]]) {
      assert.equal(await provider.getBalance(dest), amount, `eth_getBalance(${dest})`);
      assert.equal((await api.query.system.account(dest)).data.free.toBigInt(), amount, `system.account(${dest})`);
    }
  } finally {
    await api.disconnect();
  }
});

test('unified accounts: an ERC-20 Transfer is also the runtime events EVM.Log and Ethereum.Executed', { skip: ONLY_LUXTENSOR }, async () => {
  const api = await polkadotApi();
  try {
    const charlie = devWallet(2, provider);
    const { token, address } = await deployToken(charlie, 10n ** 21n, 'Event Token', 'EVT');
    const to = Wallet.createRandom().address;
    const receipt = await (await token.transfer(to, 99n)).wait(1, MINED_WITHIN_MS);
    assert.equal(receipt.status, 1);
    assert.equal((await api.rpc.chain.getBlockHash(receipt.blockNumber)).toHex(), receipt.blockHash,
      'the receipt\'s block hash is the Substrate block hash');

    const records = await (await api.at(receipt.blockHash)).query.system.events();
    const json = (e) => JSON.stringify(e.toJSON()).toLowerCase();
    const named = (section, method) => records.filter(({ event }) => event.section.toLowerCase() === section && event.method === method);
    const evmLogs = named('evm', 'Log').filter(({ event }) => json(event.data).includes(address.toLowerCase().slice(2)));
    assert.equal(evmLogs.length, 1, `EVM.Log events: ${JSON.stringify(named('evm', 'Log').map(({ event }) => event.toHuman()))}`);
    assert.ok(json(evmLogs[0].event.data).includes(TRANSFER_TOPIC.slice(2)), 'the log carries the Transfer topic');
    assert.ok(json(evmLogs[0].event.data).includes(zeroPadValue(to, 32).slice(2).toLowerCase()), 'and the recipient topic');
    const executed = named('ethereum', 'Executed').filter(({ event }) => json(event.data).includes(receipt.hash.slice(2)));
    assert.equal(executed.length, 1, `Ethereum.Executed events: ${JSON.stringify(named('ethereum', 'Executed').map(({ event }) => event.toHuman()))}`);
    assert.ok(json(executed[0].event.data).includes(charlie.address.toLowerCase().slice(2)), 'from charlie');

    // Both come from the one extrinsic carrying the transaction: an unsigned ethereum.transact.
    assert.ok(evmLogs[0].phase.isApplyExtrinsic && executed[0].phase.isApplyExtrinsic);
    const index = executed[0].phase.asApplyExtrinsic.toNumber();
    assert.equal(evmLogs[0].phase.asApplyExtrinsic.toNumber(), index);
    const { block } = await api.rpc.chain.getBlock(receipt.blockHash);
    const xt = block.extrinsics[index];
    assert.equal(`${xt.method.section}.${xt.method.method}`, 'ethereum.transact');
    assert.equal(xt.isSigned, false);
  } finally {
    await api.disconnect();
  }
});

test('native origins: polkadot.js creates a contract with EVM.create2 and calls it with EVM.call; ethers sees both', { skip: ONLY_LUXTENSOR }, async () => {
  const api = await polkadotApi();
  try {
    const dave = new Keyring({ type: 'ethereum' }).addFromUri(devUri(3));
    // Runtime code that stores its call's first word in slot 0 (PUSH1 0 CALLDATALOAD PUSH1 0
    // SSTORE STOP), and init code that returns it.
    const runtime = '0x60003560005500';
    const length = ((runtime.length - 2) / 2).toString(16).padStart(2, '0');
    const init = `0x60${length}600c60003960${length}6000f3${runtime.slice(2)}`;
    const salt = zeroPadValue('0x1a2b', 32);
    const expected = getCreate2Address(dave.address, salt, keccak256(init));
    assert.equal(await provider.getCode(expected), '0x', 'nothing there yet');

    const nextIndex = async () => (await api.rpc.system.accountNextIndex(dave.address)).toNumber();
    const created = await submitUntilInBlock(api, await api.tx.evm.create2(init, salt, 0, 200_000).signAsync(dave, { nonce: await nextIndex() }));
    const events = await (await api.at(created)).query.system.events();
    const createdEvents = events.filter(({ event }) => event.section === 'evm' && event.method === 'Created');
    assert.deepEqual(createdEvents.map(({ event }) => event.data[0].toString().toLowerCase()), [expected.toLowerCase()],
      'EVM.Created at the CREATE2 address of (dave, salt, keccak(init))');
    await waitFor('the created code through eth_getCode', MINED_WITHIN_MS, async () => (await provider.getCode(expected)) === runtime);

    const value = zeroPadValue('0x07', 32);
    await submitUntilInBlock(api, await api.tx.evm.call(expected, value, 0, 100_000).signAsync(dave, { nonce: await nextIndex() }));
    await waitFor('the stored word through eth_getStorageAt', MINED_WITHIN_MS, async () => (await provider.getStorage(expected, 0)) === value);
    // A second create2 with the same salt and code collides: the extrinsic is included, the
    // contract is unchanged and EVM.CreatedFailed says so.
    const again = await submitUntilInBlock(api, await api.tx.evm.create2(init, salt, 0, 200_000).signAsync(dave, { nonce: await nextIndex() }));
    const failed = (await (await api.at(again)).query.system.events())
      .filter(({ event }) => event.section === 'evm' && event.method === 'CreatedFailed');
    assert.equal(failed.length, 1, 'EVM.CreatedFailed');
    assert.equal(await provider.getStorage(expected, 0), value);
  } finally {
    await api.disconnect();
  }
});
