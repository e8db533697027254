// A reorg on the local testnet, through ethers and viem: the four validators start as two
// pairs that do not know each other, so each pair builds its own fork (half the stake finalizes
// nothing). On each fork the same account deploys the test ERC-20 with its nonce 0, so both
// forks have a contract at the same address but with another name and supply, and another
// account sends a transfer found only on that fork. Then the pairs are connected, one fork
// wins, and every node's Ethereum view must be the canonical chain's: blocks and parents,
// receipts, transactions, logs (`eth_getLogs` and its topic filter), code, contract state,
// balances and nonces. The losing fork's deploy is gone (its nonce is taken); its transfer is
// not lost but mined again on the canonical chain, as an Ethereum client expects of a reorg.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Contract, ContractFactory, JsonRpcProvider, getCreateAddress, id as keccakId } from 'ethers';
import { createPublicClient, http, parseAbiItem } from 'viem';
import { startLocalTestnetGroups, p2pAddress, rpc, waitFor } from './lib/node.mjs';
import { compileErc20, devWallet } from './lib/eth.mjs';

/** How long anything the test waits for may take (a sent transaction to be mined, the forks to
 * grow, the network to finalize once joined). */
const WITHIN_MS = 120_000;
const TRANSFER = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');
const ZERO = '0x0000000000000000000000000000000000000000';
const TRANSFER_TOPIC = keccakId('Transfer(address,address,uint256)');

let testnet;
/** Per node: `{ name, httpUrl, provider (ethers), client (viem) }`. */
let nodes;

before(async () => {
  testnet = await startLocalTestnetGroups([['alice', 'bob'], ['charlie', 'dave']]);
  nodes = testnet.nodes.map((node) => ({
    ...node,
    provider: new JsonRpcProvider(node.httpUrl, undefined, { pollingInterval: 200, cacheTimeout: -1 }),
    client: createPublicClient({ transport: http(node.httpUrl) }),
  }));
});

after(async () => {
  for (const node of nodes ?? []) node.provider.destroy();
  await testnet?.stop();
});

/** `node`'s finalized block number (viem's `finalized` tag). */
const finalizedNumber = async (node) => (await node.client.getBlock({ blockTag: 'finalized' })).number;

test('a reorg on the local testnet leaves every node\'s Ethereum index on the canonical chain', async () => {
  const { abi, bytecode, deployedBytecode } = compileErc20();
  const [alice, , charlie] = nodes;
  const deployer = devWallet(0);
  const token = getCreateAddress({ from: deployer.address, nonce: 0 });

  // One fork per pair: alice's (a legacy transfer) and charlie's (an EIP-1559 transfer), each
  // with its own sender and recipient, and each deploying its own token at `token`.
  const forks = [
    { node: alice, name: 'Fork A', supply: 1_000n, sender: 1, to: '0x' + '11'.repeat(20), value: 1_000n, type: 0 },
    { node: charlie, name: 'Fork C', supply: 2_000n, sender: 2, to: '0x' + '22'.repeat(20), value: 2_000n, type: 2 },
  ];
  for (const fork of forks) {
    const { provider } = fork.node;
    assert.equal(await provider.getTransactionCount(deployer.address, 'latest'), 0, 'the deployer has sent nothing');
    const factory = new ContractFactory(abi, bytecode, deployer.connect(provider));
    const deployTx = await factory.getDeployTransaction(fork.name, fork.name.replace(' ', ''), fork.supply);
    const deploy = await deployer.connect(provider).sendTransaction({ ...deployTx, nonce: 0 });
    const transfer = await devWallet(fork.sender, provider).sendTransaction({ to: fork.to, value: fork.value, type: fork.type });
    fork.deploy = await deploy.wait(1, WITHIN_MS);
    fork.transfer = await transfer.wait(1, WITHIN_MS);
    assert.equal(fork.deploy.status, 1);
    assert.equal(fork.deploy.contractAddress, token, 'both deploys create the same address');
    assert.equal(await new Contract(token, abi, provider).name(), fork.name);
  }
  assert.notEqual(forks[0].deploy.blockHash, forks[1].deploy.blockHash, 'two forks');

  // Each fork grows past its transactions; half the stake finalizes nothing.
  const forkHeight = Math.max(...forks.flatMap((f) => [f.deploy.blockNumber, f.transfer.blockNumber]));
  for (const { node } of forks) {
    await waitFor(`${node.name}'s fork past #${forkHeight + 1}`, WITHIN_MS,
      async () => (await node.provider.getBlockNumber()) > forkHeight + 1);
    assert.equal(await finalizedNumber(node), 0n, `${node.name}: nothing finalized`);
  }

  // Join the pairs: alice reserves charlie. All four finalize past the forks on one chain,
  // and the losing fork's transfer is mined again on it.
  assert.equal(await rpc(alice.httpUrl, 'system_addReservedPeer', [await p2pAddress(charlie)]), null);
  assert.equal((await rpc(alice.httpUrl, 'system_reservedPeers')).length, 1);
  assert.equal(await alice.client.request({ method: 'net_listening' }), true, 'a networked node listens');
  const target = BigInt(forkHeight + 2);
  for (const node of nodes) {
    await waitFor(`${node.name} to finalize #${target} and both transfers`, WITHIN_MS, async () => {
      if ((await finalizedNumber(node)) < target) return false;
      for (const fork of forks) {
        const receipt = await node.provider.getTransactionReceipt(fork.transfer.hash);
        if (!receipt || BigInt(receipt.blockNumber) > (await finalizedNumber(node))) return false;
      }
      return true;
    });
  }
  let height = target;
  for (const node of nodes) {
    const finalized = await finalizedNumber(node);
    if (finalized < height) height = finalized;
  }

  const winners = new Set();
  for (const node of nodes) {
    const { provider, client } = node;
    const canonical = async (number) => rpc(node.httpUrl, 'chain_getBlockHash', [Number(number)]);

    // Every block up to the finalized one: the Ethereum view is the canonical block.
    let parent;
    for (let number = 0n; number <= height; number++) {
      const block = await client.getBlock({ blockNumber: number });
      assert.equal(block.hash, await canonical(number), `${node.name}: Ethereum block #${number}`);
      if (number > 0n) assert.equal(block.parentHash, parent, `${node.name}: parent of #${number}`);
      parent = block.hash;
    }

    // Exactly one deploy is mined, in a canonical block; the other is gone for good.
    const mined = [];
    for (const fork of forks) {
      const receipt = await provider.getTransactionReceipt(fork.deploy.hash);
      if (receipt === null) {
        await waitFor(`${node.name} to drop the losing deploy`, WITHIN_MS,
          async () => (await provider.getTransaction(fork.deploy.hash)) === null);
        assert.notEqual(await canonical(fork.deploy.blockNumber), fork.deploy.blockHash,
          `${node.name}: the losing fork's block left the chain`);
        continue;
      }
      mined.push(fork);
      assert.equal(receipt.blockHash, await canonical(receipt.blockNumber), `${node.name}: deploy receipt`);
      assert.equal(receipt.contractAddress, token);
      assert.equal((await provider.getTransaction(fork.deploy.hash)).blockHash, receipt.blockHash);
      const blockReceipts = await client.request({ method: 'eth_getBlockReceipts', params: [receipt.blockHash] });
      assert.ok(blockReceipts.some((r) => r.transactionHash === fork.deploy.hash), `${node.name}: in its block's receipts`);
    }
    assert.equal(mined.length, 1, `${node.name}: exactly one deploy is mined`);
    const [winner] = mined;
    winners.add(winner.name);

    // The contract at `token` is the winner's: code, state and its one log.
    assert.equal(await provider.getCode(token), deployedBytecode, `${node.name}: code`);
    const contract = new Contract(token, abi, provider);
    assert.equal(await contract.name(), winner.name, `${node.name}: the token's name`);
    assert.equal(await contract.totalSupply(), winner.supply, `${node.name}: the token's supply`);
    const logs = await client.getLogs({ address: token, event: TRANSFER, args: { from: ZERO }, fromBlock: 0n, toBlock: 'latest' });
    assert.equal(logs.length, 1, `${node.name}: one mint log: ${JSON.stringify(logs, (_, v) => (typeof v === 'bigint' ? `${v}` : v))}`);
    assert.equal(logs[0].transactionHash, winner.deploy.hash);
    assert.equal(logs[0].args.value, winner.supply);
    assert.equal(logs[0].blockHash, await canonical(logs[0].blockNumber), `${node.name}: the log's block`);
    const ethersLogs = await provider.getLogs({ fromBlock: 0, toBlock: 'latest', topics: [TRANSFER_TOPIC] });
    assert.deepEqual(ethersLogs.map((l) => l.transactionHash), [winner.deploy.hash], `${node.name}: ethers' getLogs`);

    // Both transfers are in canonical blocks (the loser's mined again), and took effect once.
    for (const fork of forks) {
      const receipt = await provider.getTransactionReceipt(fork.transfer.hash);
      assert.equal(receipt.status, 1);
      assert.equal(receipt.blockHash, await canonical(receipt.blockNumber), `${node.name}: ${fork.name}'s transfer`);
      if (fork !== winner) {
        assert.notEqual(receipt.blockHash, fork.transfer.blockHash, `${node.name}: the losing transfer is mined again`);
      }
      const block = await client.getBlock({ blockHash: receipt.blockHash });
      assert.ok(block.transactions.includes(fork.transfer.hash), `${node.name}: its block lists it`);
      assert.equal(await provider.getBalance(fork.to), fork.value, `${node.name}: ${fork.to}'s balance`);
      assert.equal(await provider.getTransactionCount(devWallet(fork.sender).address, 'latest'), 1);
    }
    assert.equal(await provider.getTransactionCount(deployer.address, 'latest'), 1, `${node.name}: the deployer's nonce`);
  }
  assert.equal(winners.size, 1, `every node agrees on the winner: ${[...winners]}`);
});

