// Foundry's `cast` (the npm package @foundry-rs/cast: the same binary a Solidity developer
// installs with foundryup) against the node's Ethereum JSON-RPC, as a developer scripts a
// chain from the shell: chain facts, balances, value transfers (EIP-1559 and legacy, with
// cast's own fee and gas filling), deploying the test ERC-20 from its bytecode, calls,
// transactions by hash, logs by event signature, gas estimates and revert reasons.
//
// The endpoint is pluggable like the other Ethereum tests ($ETH_TEST_TARGET, lib/eth.mjs):
// `ETH_TEST_TARGET=anvil` runs the same commands against anvil, Foundry's own node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Wallet } from 'ethers';
import { compileErc20, devWallet, foundryBinary, rpc, startEthTarget } from './lib/eth.mjs';

/** How long one cast command may take (a `send` waits for its receipt). */
const COMMAND_TIMEOUT_MS = 90_000;

let target;

before(async () => {
  target = await startEthTarget();
});

after(async () => {
  await target?.stop();
});

/** Runs `cast <command> --rpc-url <node> <args>` (options before the command's positional
 * arguments, as cast's parser wants them; `keccak` needs no node): `{ code, stdout, stderr }`,
 * never throws. */
function castRun([command, ...args]) {
  const rpcUrl = command === 'keccak' ? [] : ['--rpc-url', target.httpUrl];
  return new Promise((resolve) => {
    execFile(foundryBinary('cast'), [command, ...rpcUrl, ...args],
      { timeout: COMMAND_TIMEOUT_MS, env: { ...process.env, NO_COLOR: '1', FOUNDRY_DISABLE_NIGHTLY_WARNING: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout: stdout.trim(), stderr: stderr.trim() }));
  });
}

/** The output of a cast command that must succeed. */
async function cast(...args) {
  const { code, stdout, stderr } = await castRun(args);
  assert.equal(code, 0, `cast ${args.join(' ')} failed:\n${stderr}\n${stdout}`);
  return stdout;
}

/** A cast command's JSON output. */
async function castJson(command, ...args) {
  return JSON.parse(await cast(command, '--json', ...args));
}

/** The first word of cast's answer: a decoded value may be followed by a note (`1000 [1e3]`). */
const firstWord = (text) => text.split(/\s+/)[0];

/** A transaction `cast send` made and waited for: its receipt. */
async function send(key, ...args) {
  const receipt = await castJson('send', '--private-key', key, ...args);
  assert.equal(receipt.status, '0x1', `cast send ${args.join(' ')}: ${JSON.stringify(receipt)}`);
  return receipt;
}

test('cast: chain id, block number, client, the chain\'s blocks, balances and nonces', async () => {
  assert.equal(await cast('chain-id'), BigInt(await rpc(target.httpUrl, 'eth_chainId')).toString());
  const first = BigInt(await cast('block-number'));
  assert.ok((await cast('client')).length > 0, 'web3_clientVersion');
  const block = await castJson('block', 'latest');
  assert.ok(BigInt(block.number) >= first, `latest ${block.number} before ${first}`);
  assert.match(block.hash, /^0x[0-9a-f]{64}$/);
  assert.ok(block.baseFeePerGas !== undefined && BigInt(block.baseFeePerGas) > 0n, 'an EIP-1559 block');
  const byHash = await castJson('block', block.hash);
  assert.equal(byHash.number, block.number);
  assert.equal(BigInt(await cast('base-fee')), BigInt(block.baseFeePerGas), 'base-fee reads the pending or latest block');
  assert.ok(BigInt(await cast('gas-price')) > 0n);

  const charlie = devWallet(2).address;
  const balance = BigInt(await cast('balance', charlie));
  assert.equal(balance, BigInt(await rpc(target.httpUrl, 'eth_getBalance', [charlie, 'latest'])));
  assert.ok(balance >= 10n ** 24n, `charlie holds ${balance}`);
  assert.equal(await cast('nonce', Wallet.createRandom().address), '0');
});

test('cast send: value transfers, EIP-1559 and legacy, filled by cast; the transaction by hash', async () => {
  const dave = devWallet(3);
  const to = Wallet.createRandom().address;
  const nonce = BigInt(await cast('nonce', dave.address));

  const receipt = await send(dave.privateKey, to, '--value', '12345');
  assert.equal(receipt.type, '0x2', 'cast sends EIP-1559 by default where the chain has a base fee');
  assert.equal(receipt.to.toLowerCase(), to.toLowerCase());
  assert.equal(BigInt(await cast('balance', to)), 12345n);
  const tx = await castJson('tx', receipt.transactionHash);
  assert.equal(BigInt(tx.nonce), nonce);
  assert.equal(BigInt(tx.value), 12345n);
  assert.equal(tx.blockHash, receipt.blockHash);

  const legacy = await send(dave.privateKey, to, '--value', '1', '--legacy');
  assert.equal(legacy.type, '0x0');
  assert.equal(BigInt(await cast('balance', to)), 12346n);
  assert.equal(BigInt(await cast('nonce', dave.address)), nonce + 2n);

  // The receipt cast prints later is the one it waited for.
  const again = await castJson('receipt', legacy.transactionHash);
  assert.equal(again.blockHash, legacy.blockHash);
  assert.equal(again.gasUsed, legacy.gasUsed);
});

test('cast: deploy an ERC-20 from its bytecode, call it, transfer, find the event with cast logs, estimate, revert reasons', async () => {
  const eve = devWallet(4);
  const { bytecode } = compileErc20();
  const deployed = await send(eve.privateKey, '--create', bytecode, 'constructor(string,string,uint256)', 'Cast Token', 'CST', '1000000');
  const token = deployed.contractAddress;
  assert.match(token, /^0x[0-9a-fA-F]{40}$/);
  assert.ok((await cast('code', token)).length > 2, 'the contract has code');
  assert.equal(firstWord(await cast('call', token, 'balanceOf(address)(uint256)', eve.address)), '1000000');
  assert.equal(await cast('call', token, 'symbol()(string)'), '"CST"');

  const to = Wallet.createRandom().address;
  const moved = await send(eve.privateKey, token, 'transfer(address,uint256)', to, '250');
  assert.equal(firstWord(await cast('call', token, 'balanceOf(address)(uint256)', to)), '250');
  const signature = 'Transfer(address indexed from,address indexed to,uint256 value)';
  const logs = await castJson('logs', '--from-block', BigInt(deployed.blockNumber).toString(),
    '--to-block', 'latest', '--address', token, signature);
  assert.equal(logs.length, 2, `the mint and the transfer: ${JSON.stringify(logs)}`);
  const transfer = logs.find((l) => l.transactionHash === moved.transactionHash);
  assert.ok(transfer, 'the transfer is among the logs');
  assert.equal(transfer.topics[0], await cast('keccak', 'Transfer(address,address,uint256)'));
  assert.equal(BigInt(transfer.data), 250n);
  // Filtering by an indexed argument (the sender: not the mint's zero address).
  const fromEve = await castJson('logs', '--from-block', BigInt(deployed.blockNumber).toString(),
    '--to-block', 'latest', '--address', token, signature, eve.address);
  assert.deepEqual(fromEve.map((l) => l.transactionHash), [moved.transactionHash]);

  const estimate = BigInt(await cast('estimate', '--from', eve.address, token, 'transfer(address,uint256)', to, '1'));
  assert.ok(estimate > 21_000n && estimate < 100_000n, `estimate ${estimate}`);

  // cast access-list (eth_createAccessList): the token, with the two balances' slots.
  const listed = await castJson('access-list', '--from', eve.address, token, 'transfer(address,uint256)', to, '1');
  assert.equal(listed.accessList?.length, 1, JSON.stringify(listed));
  assert.equal(listed.accessList[0].address.toLowerCase(), token.toLowerCase());
  assert.equal(listed.accessList[0].storageKeys.length, 2, 'the sender\'s and the recipient\'s balance');
  assert.ok(BigInt(listed.gasUsed) > 21_000n);

  // Reverts: a call and a send over the balance report Solidity's reason.
  const tooMuch = (10n ** 30n).toString();
  const failedCall = await castRun(['call', '--from', to, token, 'transfer(address,uint256)', eve.address, tooMuch]);
  assert.notEqual(failedCall.code, 0);
  assert.match(failedCall.stderr, /execution reverted.*insufficient balance/s, failedCall.stderr);
  const failedSend = await castRun(['send', '--private-key', eve.privateKey, token, 'transfer(address,uint256)', to, tooMuch]);
  assert.notEqual(failedSend.code, 0, 'cast refuses to send a transaction its estimate sees revert');
  assert.match(failedSend.stderr, /insufficient balance/, failedSend.stderr);
  assert.equal(firstWord(await cast('call', token, 'balanceOf(address)(uint256)', eve.address)), '999750');
});
