// MetaMask's own packages against the node, as the extension uses them when a user adds
// LuxTensor as a custom network and imports the dev phrase: its network controller (which
// builds the JSON-RPC middleware stack, caches and block tracker the extension sends every
// request through), its gas fee controller, and its HD keyring. A browser extension cannot run
// here; these are the packages it is built from, unmodified (versions pinned in package.json).
//
// The endpoint is pluggable like the other Ethereum tests ($ETH_TEST_TARGET, lib/eth.mjs);
// the polkadot.js side of the unified-accounts check runs only against LuxTensor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Messenger } from '@metamask/base-controller';
import { NetworkController, RpcEndpointType } from '@metamask/network-controller';
import { GasFeeController, GAS_ESTIMATE_TYPES } from '@metamask/gas-fee-controller';
import HdKeyring from '@metamask/eth-hd-keyring';
import { TransactionFactory } from '@ethereumjs/tx';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { AbiCoder, Interface, Wallet, getCreateAddress, keccak256, parseUnits, toQuantity } from 'ethers';
import { DEV_PHRASE, devUri, waitFor, LUX } from './lib/node.mjs';
import { TARGET, compileErc20, devWallet, rpc, startEthTarget } from './lib/eth.mjs';

const ONLY_LUXTENSOR = TARGET !== 'luxtensor' && `LuxTensor only (ETH_TEST_TARGET=${process.env.ETH_TEST_TARGET})`;
/** How long a sent transaction may take to be in a block. */
const MINED_WITHIN_MS = 60_000;

let target;
let messenger;
let networkController;
let networkClientId;
/** The extension's provider for the network: MetaMask's middleware stack over HTTP. */
let provider;
let blockTracker;
/** MetaMask's HD keyring holding the dev phrase's first six accounts. */
let keyring;

/** A request through MetaMask's provider; a JSON-RPC error rejects. */
function request(method, params = []) {
  return new Promise((resolve, reject) => {
    provider.sendAsync({ id: 1, jsonrpc: '2.0', method, params }, (error, response) => {
      if (error) reject(error);
      else if (response.error) reject(Object.assign(new Error(response.error.message), response.error));
      else resolve(response.result);
    });
  });
}

/** Signs an EIP-1559 transaction with the keyring, sends it raw through MetaMask's provider, and
 * follows it as the pending transaction tracker does: the receipt, then its block. */
async function send(from, fields) {
  const unsigned = TransactionFactory.fromTxData({ type: 2, chainId: await request('eth_chainId'), ...fields });
  const signed = await keyring.signTransaction(from, unsigned);
  const raw = `0x${Buffer.from(signed.serialize()).toString('hex')}`;
  const hash = await request('eth_sendRawTransaction', [raw]);
  let receipt = null;
  await waitFor('the receipt', MINED_WITHIN_MS, async () => (receipt = await request('eth_getTransactionReceipt', [hash])) !== null);
  const block = await request('eth_getBlockByHash', [receipt.blockHash, false]);
  assert.equal(block.number, receipt.blockNumber);
  assert.ok(block.transactions.includes(hash));
  return { hash, raw, receipt };
}

/** The gas the extension puts on a contract interaction: the node's estimate times 1.5, at most
 * 90% of the latest block's gas limit (and never less than the estimate). */
async function bufferedGas(tx) {
  const estimate = BigInt(await request('eth_estimateGas', [tx]));
  const { gasLimit } = await request('eth_getBlockByNumber', ['latest', false]);
  const cap = (BigInt(gasLimit) * 9n) / 10n;
  const buffered = (estimate * 3n) / 2n;
  return toQuantity(buffered < cap ? buffered : estimate > cap ? estimate : cap);
}

before(async () => {
  target = await startEthTarget();
  const chainId = await rpc(target.httpUrl, 'eth_chainId');
  // What "Add a network manually" does: a custom RPC endpoint for the chain id the user typed,
  // made the selected network (the controller then looks the network up: its EIP-1559 support
  // from the latest block).
  messenger = new Messenger();
  networkController = new NetworkController({
    messenger: messenger.getRestricted({ name: 'NetworkController', allowedActions: [], allowedEvents: [] }),
    infuraProjectId: 'none',
  });
  const configuration = networkController.addNetwork({
    chainId,
    name: 'LuxTensor dev',
    nativeCurrency: 'LUX',
    blockExplorerUrls: [],
    defaultRpcEndpointIndex: 0,
    rpcEndpoints: [{ type: RpcEndpointType.Custom, url: target.httpUrl }],
  });
  networkClientId = configuration.rpcEndpoints[0].networkClientId;
  await networkController.setActiveNetwork(networkClientId);
  ({ provider, blockTracker } = networkController.getNetworkClientById(networkClientId));
  // "Import using Secret Recovery Phrase".
  keyring = new HdKeyring();
  await keyring.deserialize({ mnemonic: DEV_PHRASE, numberOfAccounts: 6 });
});

after(async () => {
  await blockTracker?.destroy();
  networkController?.destroy();
  await target?.stop();
});

test('MetaMask adds the chain as a custom network, finds it EIP-1559 compatible, and follows its blocks', async () => {
  assert.deepEqual(networkController.state.networksMetadata[networkClientId], { status: 'available', EIPS: { 1559: true } });
  assert.equal(await request('eth_chainId'), await rpc(target.httpUrl, 'eth_chainId'));
  assert.equal(await request('net_version'), BigInt(await request('eth_chainId')).toString());

  // The block tracker the extension polls for new blocks (and so for receipts and balances).
  const first = BigInt(await blockTracker.checkForLatestBlock());
  await waitFor('the block tracker to see a newer block', 20_000, async () => BigInt(await blockTracker.checkForLatestBlock()) > first);
  const latest = await request('eth_getBlockByNumber', ['latest', false]);
  assert.ok(BigInt(latest.number) >= first, 'a block the tracker named');
  assert.ok(latest.baseFeePerGas, 'baseFeePerGas in the latest block');
  assert.ok(BigInt(latest.gasLimit) >= 21_000n, 'a gas limit a transfer fits in');
});

test('a key imported in MetaMask sends a transfer as the extension does, and polkadot.js sees the same account', async () => {
  // MetaMask's HD keyring derives m/44'/60'/0'/0/i, the
  // dev accounts (polkadot.js' ethereum keyring derives the same from the same phrase).
  const accounts = await keyring.getAccounts();
  await cryptoWaitReady();
  const polkadotKeyring = new Keyring({ type: 'ethereum' });
  for (let i = 0; i < 6; i++) {
    assert.equal(accounts[i], devWallet(i).address.toLowerCase(), `dev account ${i}`);
    assert.equal(accounts[i], polkadotKeyring.addFromUri(devUri(i)).address.toLowerCase(), `polkadot.js account ${i}`);
  }
  const from = accounts[4]; // eve: nothing else in this file sends from her
  const to = Wallet.createRandom().address.toLowerCase();
  const value = 3n * LUX;

  // The gas fee controller, as the extension sets it up. Its fee API knows no custom chain (and
  // is unreachable here), so it falls back to the node: `eth_gasPrice`.
  const gasFeeController = new GasFeeController({
    messenger: messenger.getRestricted({
      name: 'GasFeeController',
      allowedActions: ['NetworkController:getState', 'NetworkController:getNetworkClientById', 'NetworkController:getEIP1559Compatibility'],
      allowedEvents: ['NetworkController:networkDidChange'],
    }),
    getProvider: () => provider,
    getCurrentNetworkEIP1559Compatibility: () => networkController.getEIP1559Compatibility(),
    getCurrentNetworkLegacyGasAPICompatibility: () => false,
    EIP1559APIEndpoint: 'http://127.0.0.1:1/networks/<chain_id>/suggestedGasFees',
  });
  const fees = await gasFeeController.fetchGasFeeEstimates({ networkClientId, shouldUpdateState: false });
  gasFeeController.destroy();
  assert.equal(fees.gasEstimateType, GAS_ESTIMATE_TYPES.ETH_GASPRICE);
  const gasPrice = parseUnits(fees.gasFeeEstimates.gasPrice, 'gwei');
  const latest = await request('eth_getBlockByNumber', ['latest', false]);
  assert.ok(gasPrice >= BigInt(latest.baseFeePerGas), `gas price ${gasPrice} covers the base fee ${BigInt(latest.baseFeePerGas)}`);

  // The transaction controller's steps: the pending nonce, the recipient's code (none: a
  // simple send), the gas estimate, then an EIP-1559 transaction whose fee caps are the gas
  // price estimate (what the extension does with an `eth_gasPrice` estimate), signed by the
  // keyring and sent raw.
  const balanceBefore = BigInt(await request('eth_getBalance', [from, 'latest']));
  const nonce = await request('eth_getTransactionCount', [from, 'pending']);
  assert.equal(await request('eth_getCode', [to, 'latest']), '0x');
  const gas = await request('eth_estimateGas', [{ from, to, value: toQuantity(value) }]);
  assert.equal(BigInt(gas), 21_000n);
  const { hash, raw, receipt } = await send(from, {
    nonce, to, value: toQuantity(value), gasLimit: gas, maxFeePerGas: toQuantity(gasPrice), maxPriorityFeePerGas: toQuantity(gasPrice),
  });
  assert.equal(hash, keccak256(raw));
  assert.equal(receipt.status, '0x1');
  assert.equal(receipt.from, from);
  assert.equal(receipt.to, to);
  const block = await request('eth_getBlockByHash', [receipt.blockHash, false]);
  assert.equal(block.number, receipt.blockNumber);
  assert.ok(block.transactions.includes(hash));
  assert.ok(BigInt(receipt.effectiveGasPrice) <= gasPrice);

  // What it cost, as the activity list shows it.
  const spent = value + BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice);
  assert.equal(BigInt(await request('eth_getBalance', [from, receipt.blockNumber])), balanceBefore - spent);
  assert.equal(BigInt(await request('eth_getBalance', [to, receipt.blockNumber])), value);
  assert.equal(BigInt(await request('eth_getTransactionCount', [from, receipt.blockNumber])), BigInt(nonce) + 1n);

  if (ONLY_LUXTENSOR) return;
  // The same account in polkadot.js: the same balance and nonce at the receipt's block.
  const api = await ApiPromise.create({ provider: new WsProvider(target.wsUrl), noInitWarn: true });
  try {
    const at = await api.at(receipt.blockHash);
    const account = await at.query.system.account(from);
    assert.equal(account.nonce.toBigInt(), BigInt(nonce) + 1n);
    assert.equal(account.data.free.toBigInt() - account.data.frozen.toBigInt(), balanceBefore - spent);
    assert.equal((await at.query.system.account(to)).data.free.toBigInt(), value);
  } finally {
    await api.disconnect();
  }
});

test('MetaMask deploys and calls a contract with its gas buffer, and shows a revert reason from the gas estimate', async () => {
  const from = (await keyring.getAccounts())[5]; // ferdie
  const { abi, bytecode } = compileErc20();
  const token = new Interface(abi);
  const fees = { maxFeePerGas: toQuantity(BigInt(await request('eth_gasPrice')) * 2n), maxPriorityFeePerGas: toQuantity(1n) };

  // A deployment: no `to`, the init code as data.
  const data = bytecode + AbiCoder.defaultAbiCoder().encode(['string', 'string', 'uint256'], ['Mask Token', 'MSK', 1000n]).slice(2);
  let nonce = await request('eth_getTransactionCount', [from, 'pending']);
  const deployed = await send(from, { nonce, data, gasLimit: await bufferedGas({ from, data }), ...fees });
  assert.equal(deployed.receipt.status, '0x1');
  const address = getCreateAddress({ from, nonce: BigInt(nonce) }).toLowerCase();
  assert.equal(deployed.receipt.contractAddress, address);
  assert.notEqual(await request('eth_getCode', [address, 'latest']), '0x');

  // A token transfer: the extension reads the token's details and balance with eth_call, then
  // sends with its buffered gas.
  const read = async (name, args = []) => token.decodeFunctionResult(name,
    await request('eth_call', [{ to: address, data: token.encodeFunctionData(name, args) }, 'latest']));
  assert.deepEqual([...(await read('symbol')), ...(await read('decimals'))], ['MSK', 18n]);
  const holder = Wallet.createRandom().address.toLowerCase();
  const transfer = { from, to: address, data: token.encodeFunctionData('transfer', [holder, 250n]) };
  nonce = await request('eth_getTransactionCount', [from, 'pending']);
  const sent = await send(from, { nonce, to: address, data: transfer.data, gasLimit: await bufferedGas(transfer), ...fees });
  assert.equal(sent.receipt.status, '0x1');
  assert.equal(sent.receipt.logs.length, 1, 'the Transfer event');
  assert.deepEqual([...(await read('balanceOf', [holder]))], [250n]);

  // More than the sender holds: the gas estimate fails. MetaMask's middleware wraps the node's
  // error as "Internal JSON-RPC error" and keeps it whole in `data`, where the extension reads
  // the reason it shows: code 3, the revert message, the revert data (Error(string)).
  const tooMuch = { from, to: address, data: token.encodeFunctionData('transfer', [holder, 10n ** 30n]) };
  await assert.rejects(request('eth_estimateGas', [tooMuch]), (error) => {
    assert.equal(error.code, -32603, JSON.stringify(error));
    assert.equal(error.data.code, 3);
    assert.equal(error.data.message, 'execution reverted: insufficient balance');
    assert.ok(error.data.data.startsWith('0x08c379a0'), 'the revert data');
    return true;
  });
});
