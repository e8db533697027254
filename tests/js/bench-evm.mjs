// The EVM side by side with anvil, the dev node a Solidity developer would otherwise run: the
// same work, in one run, on both. For each node it deploys an ERC-20 with a transfer loop,
// then measures
//   - EVM speed: gas per second of `run(n)` (n ERC-20 transfers to new holders) in `eth_call`,
//   - `eth_call` latency of `balanceOf` (p50),
//   - deploy-to-receipt latency: a signed deployment sent raw, its receipt polled every 20 ms
//     (the median of five; where the send falls in the block interval spreads each one),
//   - value transfers and ERC-20 transfers per second, pre-signed by several accounts, sent with
//     `eth_sendRawTransaction` and counted when the block holding the last of them is seen
//     (their receipts are checked afterwards).
// Both nodes make a block every 500 ms with a 30 million gas limit.
//
// Run with `scripts/bench-evm.sh` (it builds the node and sets LUXTENSOR_BIN), or
// `node bench-evm.mjs` in tests/js with LUXTENSOR_BIN set. Prints one JSON line per node.
// BENCH_TRANSFERS sets how many transfers each throughput run sends (6,000: four blocks of
// value transfers and ten of ERC-20 transfers, so where the first block falls matters little,
// and within the pool's 8,192 ready slots); BENCH_VERBOSE prints each run's blocks;
// BENCH_LOG_DIR keeps each node's log there.

import { Contract, ContractFactory, JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { createRequire } from 'node:module';
import { devWallet } from './lib/eth.mjs';

const require = createRequire(import.meta.url);
const TRANSFERS = Number(process.env.BENCH_TRANSFERS ?? 6000);
const SENDERS = 8;
const LOOP = 300;
const DEPLOYS = 5;

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract BenchToken {
    mapping(address => uint256) public balanceOf;
    event Transfer(address indexed from, address indexed to, uint256 value);
    constructor() { balanceOf[msg.sender] = 1e30; }
    function transfer(address to, uint256 value) public returns (bool) {
        require(balanceOf[msg.sender] >= value, "insufficient balance");
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }
    function run(uint256 n) external {
        for (uint256 i = 0; i < n; i++) { transfer(address(uint160(i + 1)), 1); }
    }
}`;

function compile() {
  const solc = require('solc');
  const input = {
    language: 'Solidity',
    sources: { 'B.sol': { content: SOURCE } },
    settings: { optimizer: { enabled: true }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const c = out.contracts['B.sol'].BenchToken;
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function waitReceipts(provider, hashes, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  const pending = new Set(hashes);
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`${pending.size} transactions without a receipt`);
    const batch = [...pending].slice(0, 200);
    const receipts = await Promise.all(batch.map((h) => provider.send('eth_getTransactionReceipt', [h])));
    receipts.forEach((r, i) => {
      if (r) {
        if (r.status !== '0x1') throw new Error(`transaction ${batch[i]} failed`);
        pending.delete(batch[i]);
      }
    });
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 100));
  }
}

/** The node's block number, asked every time (ethers' `getBlockNumber` may answer from its cache). */
const blockNumber = async (provider) => Number(await provider.send('eth_blockNumber', []));

/** Follows the chain from block `from` until every transaction of `hashes` is in a block; returns
 * the blocks seen (number and how many of the transactions each held). */
async function waitIncluded(provider, from, hashes, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  const ours = new Set(hashes);
  const blocks = [];
  let included = 0;
  let seen = from;
  while (included < ours.size) {
    if (Date.now() > deadline) throw new Error(`${ours.size - included} transactions not included`);
    const latest = await blockNumber(provider);
    for (let n = seen + 1; n <= latest; n++) {
      const block = await provider.send('eth_getBlockByNumber', [`0x${n.toString(16)}`, false]);
      const count = block.transactions.filter((h) => ours.has(h)).length;
      included += count;
      blocks.push(`${n}:${count}`);
    }
    seen = latest;
    if (included < ours.size) await new Promise((r) => setTimeout(r, 20));
  }
  return blocks;
}

/** Pre-signs `TRANSFERS` transactions round robin over funded senders, sends them all without
 * waiting, and returns included transactions per second: from the first send to the moment the
 * block holding the last of them is seen over RPC (an observer polling `eth_blockNumber` every
 * 20 ms). Every receipt is then checked for success, untimed: polling thousands of receipts
 * measures the client more than the node. */
async function throughput(provider, senders, makeTx) {
  const { chainId } = await provider.getNetwork();
  const fee = await provider.getFeeData();
  const nonces = await Promise.all(senders.map((w) => provider.getTransactionCount(w.address, 'pending')));
  const signed = [];
  for (let i = 0; i < TRANSFERS; i++) {
    const s = i % senders.length;
    const tx = { ...makeTx(i), chainId, nonce: nonces[s]++, maxFeePerGas: fee.maxFeePerGas * 2n, maxPriorityFeePerGas: 1n, type: 2 };
    signed.push(await senders[s].signTransaction(tx));
  }
  const from = await blockNumber(provider);
  const start = Date.now();
  const hashes = [];
  for (let i = 0; i < signed.length; i += 100) {
    const chunk = signed.slice(i, i + 100);
    hashes.push(...(await Promise.all(chunk.map((raw) => provider.send('eth_sendRawTransaction', [raw])))));
  }
  const sentMs = Date.now() - start;
  const blocks = await waitIncluded(provider, from, hashes, 600_000);
  const includedMs = Date.now() - start;
  await waitReceipts(provider, hashes, 600_000);
  if (process.env.BENCH_VERBOSE) {
    console.error(`sent in ${sentMs} ms, all included at ${includedMs} ms; blocks ${blocks.join(' ')}`);
  }
  return Math.round(TRANSFERS / (includedMs / 1000));
}

/** Deploy-to-receipt latency (median of `DEPLOYS`): from `eth_sendRawTransaction` of a signed
 * deployment to its receipt, polled every 20 ms. */
async function deployLatency(provider, wallet, bytecode) {
  const { chainId } = await provider.getNetwork();
  const times = [];
  for (let i = 0; i < DEPLOYS; i++) {
    const fee = await provider.getFeeData();
    // Asked every time: ethers answers a repeated request from a 250 ms cache, and a receipt
    // can come sooner than that.
    const nonce = Number(await provider.send('eth_getTransactionCount', [wallet.address, 'pending']));
    const gasLimit = await provider.estimateGas({ from: wallet.address, data: bytecode });
    const raw = await wallet.signTransaction({
      chainId, nonce, data: bytecode, gasLimit, type: 2,
      maxFeePerGas: fee.maxFeePerGas * 2n, maxPriorityFeePerGas: fee.maxPriorityFeePerGas,
    });
    const start = performance.now();
    const hash = await provider.send('eth_sendRawTransaction', [raw]);
    for (;;) {
      const receipt = await provider.send('eth_getTransactionReceipt', [hash]);
      if (receipt) {
        if (receipt.status !== '0x1') throw new Error(`deployment ${hash} failed`);
        break;
      }
      if (performance.now() - start > 60_000) throw new Error(`deployment ${hash} without a receipt`);
      await new Promise((r) => setTimeout(r, 20));
    }
    times.push(performance.now() - start);
  }
  return median(times);
}

async function measure(target) {
  const provider = new JsonRpcProvider(target.httpUrl, undefined, { batchMaxCount: 1 });
  const { abi, bytecode } = compile();
  const deployer = devWallet(1, provider);

  const token = await new ContractFactory(abi, bytecode, deployer).deploy();
  await token.deploymentTransaction().wait();
  const address = await token.getAddress();
  const deployMs = await deployLatency(provider, deployer, bytecode);

  // EVM speed: the gas of run(LOOP), from estimateGas, over the time of one eth_call of it.
  const data = token.interface.encodeFunctionData('run', [LOOP]);
  const call = { from: deployer.address, to: address, data };
  const gas = Number(await provider.send('eth_estimateGas', [call]));
  const runTimes = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await provider.send('eth_call', [{ ...call, gas: `0x${gas.toString(16)}` }, 'latest']);
    runTimes.push(performance.now() - t);
  }
  const balanceTimes = [];
  const reader = new Contract(address, abi, provider);
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await reader.balanceOf(deployer.address);
    balanceTimes.push(performance.now() - t);
  }

  // Funded senders: fresh keys, so nothing else uses their nonces.
  const funder = devWallet(2, provider);
  const senders = Array.from({ length: SENDERS }, () => Wallet.createRandom().connect(provider));
  let nonce = await provider.getTransactionCount(funder.address, 'pending');
  const funding = [];
  for (const w of senders) funding.push(await funder.sendTransaction({ to: w.address, value: parseEther('1000'), nonce: nonce++ }));
  await Promise.all(funding.map((tx) => tx.wait()));
  const tokenFunding = [];
  nonce = await provider.getTransactionCount(deployer.address, 'pending');
  for (const w of senders) tokenFunding.push(await token.transfer(w.address, 10n ** 24n, { nonce: nonce++ }));
  await Promise.all(tokenFunding.map((tx) => tx.wait()));

  const valuePerSecond = await throughput(provider, senders, (i) => ({
    to: `0x${(0x100000 + i).toString(16).padStart(40, '0')}`, value: 1n, gasLimit: 21000n,
  }));
  const erc20PerSecond = await throughput(provider, senders, (i) => ({
    to: address,
    data: token.interface.encodeFunctionData('transfer', [`0x${(0x200000 + i).toString(16).padStart(40, '0')}`, 1n]),
    gasLimit: 60000n,
  }));
  provider.destroy();
  return {
    node: target.kind,
    evm_gas_per_second: Math.round(gas / (median(runTimes) / 1000)),
    evm_loop_gas: gas,
    eth_call_p50_ms: Number(median(balanceTimes).toFixed(2)),
    deploy_to_receipt_ms: Math.round(deployMs),
    value_transfers_per_second: valuePerSecond,
    erc20_transfers_per_second: erc20PerSecond,
    transfers: TRANSFERS,
  };
}

for (const kind of (process.env.BENCH_NODES ?? 'luxtensor,anvil').split(',')) {
  process.env.ETH_TEST_TARGET = kind;
  const { startEthTarget } = await import(`./lib/eth.mjs?${kind}`);
  const target = await startEthTarget();
  try {
    console.log(JSON.stringify(await measure(target)));
    if (process.env.BENCH_LOG_DIR) {
      (await import('node:fs')).writeFileSync(`${process.env.BENCH_LOG_DIR}/${kind}.log`, target.log());
    }
  } finally {
    await target.stop();
  }
}
