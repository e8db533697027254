// The gas-to-weight calibration: how long a unit of gas takes in the runtime's EVM (revm
// compiled to wasm, run by the node) for the kinds of work a contract can buy, next to anvil
// (native revm). LuxTensor charges block weight for gas at a fixed ratio (WEIGHT_PER_GAS,
// 25 ns a gas); this measures whether any workload takes longer per gas than that, so that a
// block full of it would overrun its weight (the slot), and which precompiles are slow in wasm.
//
// Each workload is a function of one contract (or a precompile called in a loop), run with
// `eth_call` at about WORK_GAS gas; the time per gas is the call's median time, less the median
// time of an empty call (the RPC's own cost), over the gas it uses (`eth_estimateGas`).
//
// Run with `scripts/bench-gas.sh` (`scripts/bench-evm.sh --gas`: it builds the node and sets LUXTENSOR_BIN), or
// `node bench-gas.mjs` in tests/js with LUXTENSOR_BIN set. Prints one JSON line per node and
// a table.

import { ContractFactory, JsonRpcProvider, SigningKey, keccak256, toUtf8Bytes } from 'ethers';
import { createRequire } from 'node:module';
import { devWallet } from './lib/eth.mjs';

const require = createRequire(import.meta.url);
const WORK_GAS = Number(process.env.BENCH_WORK_GAS ?? 10_000_000);
const RUNS = 5;

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract GasBench {
    mapping(uint256 => uint256) slots;
    function arith(uint256 n) external pure returns (uint256 x) {
        x = 1;
        unchecked { for (uint256 i; i < n; i++) { x = x * 3 + i; x ^= x >> 7; } }
    }
    // In scratch memory: memory that grew with every iteration would cost quadratic gas.
    function keccak(uint256 n) external pure returns (bytes32 h) {
        assembly {
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                mstore(0, h)
                mstore(32, i)
                h := keccak256(0, 64)
            }
        }
    }
    function sstore(uint256 n) external {
        for (uint256 i; i < n; i++) { slots[i] = i + 1; }
    }
    function sload(uint256 n) external view returns (uint256 x) {
        for (uint256 i; i < n; i++) { x += slots[i + 1000000]; }
    }
    // The input is copied to memory once and every call reuses it.
    // With \`vary\`, the input's first word changes at every call (no cache can answer).
    function precompile(address target, bytes calldata input, uint256 n, bool vary) external view returns (uint256 size) {
        assembly {
            let len := input.length
            let ptr := mload(0x40)
            calldatacopy(ptr, input.offset, len)
            let out := add(ptr, len)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                if vary { mstore(ptr, add(mload(ptr), 1)) }
                if iszero(staticcall(gas(), target, ptr, len, out, 64)) { revert(0, 0) }
            }
            size := returndatasize()
        }
    }
}`;

function compile() {
  const solc = require('solc');
  const input = {
    language: 'Solidity',
    sources: { 'G.sol': { content: SOURCE } },
    settings: { optimizer: { enabled: true }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const c = out.contracts['G.sol'].GasBench;
  if (!c) throw new Error(JSON.stringify(out.errors));
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

const word = (n) => BigInt(n).toString(16).padStart(64, '0');
const hex = (...words) => `0x${words.join('')}`;

/** Inputs of the standard precompiles that succeed. */
function precompileInputs() {
  const key = new SigningKey(keccak256(toUtf8Bytes('gas bench')));
  const digest = keccak256(toUtf8Bytes('LuxTensor'));
  const sig = key.sign(digest);
  const kilobyte = `0x${'ab'.repeat(1024)}`;
  // BN254: G1 = (1, 2), -G1 = (1, p - 2), and G2's generator (x_im, x_re, y_im, y_re).
  const p = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
  const g1 = [word(1), word(2)];
  const negG1 = [word(1), word(p - 2n)];
  const g2 = [
    word(11559732032986387107991004021392285783925812861821192530917403151452391805634n),
    word(10857046999023057135944570762232829481370756359578518086990519993285655852781n),
    word(4082367875863433681332203403145435568316851327593401208105741076214120093531n),
    word(8495653923123431417604973247489272438418190587263600148770280649306958101930n),
  ];
  // modexp with a 256-bit exponent and 32-byte, then 256-byte (RSA-2048) base and modulus.
  const modexp = (len) => hex(word(len), word(32), word(len), 'ff'.repeat(len), 'fe'.repeat(32), 'fd'.repeat(len - 1) + '01');
  // BLAKE2b's compression, 12 rounds (EIP-152's layout: rounds, h, m, t, final flag).
  const blake2f = `0x0000000c${'ab'.repeat(64)}${'cd'.repeat(128)}${'00'.repeat(16)}01`;
  if (blake2f.length !== 2 + 2 * 213) throw new Error(`blake2f input of ${(blake2f.length - 2) / 2} bytes`);
  return [
    ['ecrecover, a new message each time (0x01)', 1, hex(digest.slice(2), word(sig.v), sig.r.slice(2), sig.s.slice(2))],
    ['sha256 of 1 KiB (0x02)', 2, kilobyte],
    ['ripemd160 of 1 KiB (0x03)', 3, kilobyte],
    ['identity of 1 KiB (0x04)', 4, kilobyte],
    ['modexp 32-byte (0x05)', 5, modexp(32)],
    ['modexp 256-byte (0x05)', 5, modexp(256)],
    ['bn254 add (0x06)', 6, hex(...g1, ...g1)],
    ['bn254 mul (0x07)', 7, hex(...g1, 'ff'.repeat(31) + '00')],
    ['bn254 pairing, 2 pairs (0x08)', 8, hex(...g1, ...g2, ...negG1, ...g2)],
    ['blake2f 12 rounds (0x09)', 9, blake2f],
  ];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The median time of `eth_call`s of `call`; `data(run)`, if given, makes each run's input
 * (inputs that differ, so that no cache of the node answers a repeated computation). */
async function timeCall(provider, call, data) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const request = data ? { ...call, data: data(i) } : call;
    const t = performance.now();
    await provider.send('eth_call', [request, 'latest']);
    times.push(performance.now() - t);
  }
  return median(times);
}

async function measure(target) {
  const provider = new JsonRpcProvider(target.httpUrl, undefined, { batchMaxCount: 1 });
  const { abi, bytecode } = compile();
  const deployer = devWallet(1, provider);
  const bench = await new ContractFactory(abi, bytecode, deployer).deploy();
  await bench.deploymentTransaction().wait();
  const to = await bench.getAddress();
  const from = deployer.address;
  const encode = (name, args) => bench.interface.encodeFunctionData(name, args);
  const gasOf = async (data) => Number(await provider.send('eth_estimateGas', [{ from, to, data }]));

  const workloads = [
    ['arithmetic loop', (n) => encode('arith', [n])],
    ['keccak256 of 64 bytes', (n) => encode('keccak', [n])],
    ['SSTORE to new slots', (n) => encode('sstore', [n])],
    ['SLOAD of cold slots', (n) => encode('sload', [n])],
    ...precompileInputs().map(([name, address, input]) => [
      name,
      // ecrecover: each run starts from another message, and each call in it changes the
      // message (the host caches recovered signatures, as a block's are recovered once).
      (n, run = 0) => encode('precompile', [
        `0x${address.toString(16).padStart(40, '0')}`,
        address === 1 ? `0x${word(BigInt(keccak256(toUtf8Bytes(`run ${run} ${Math.random()}`))))}${input.slice(66)}` : input,
        n,
        address === 1,
      ]),
    ]),
  ];
  const empty = await timeCall(provider, { from, to, data: encode('arith', [0]) });
  const results = [];
  for (const [name, data] of workloads) {
    // Scale the loop to about WORK_GAS from the gas of k and 2k iterations, k large enough
    // that the loop, not the calldata's EIP-7623 floor, sets the gas.
    const g1 = await gasOf(data(1));
    let k = 1;
    let gk = g1;
    while (gk < 2 * g1 && k < 1 << 14) {
      k *= 4;
      gk = await gasOf(data(k));
    }
    const g2k = await gasOf(data(2 * k));
    const n = Math.max(1, k + Math.floor(((WORK_GAS - gk) * k) / (g2k - gk)));
    const gas = await gasOf(data(n));
    const ms = await timeCall(provider, { from, to, gas: `0x${gas.toString(16)}` }, (run) => data(n, run));
    results.push({ workload: name, gas, ms: Number(ms.toFixed(2)), ns_per_gas: Number((((ms - empty) * 1e6) / gas).toFixed(2)) });
  }
  provider.destroy();
  return { node: target.kind, empty_call_ms: Number(empty.toFixed(2)), results };
}

const all = [];
for (const kind of (process.env.BENCH_NODES ?? 'luxtensor,anvil').split(',')) {
  process.env.ETH_TEST_TARGET = kind;
  const { startEthTarget } = await import(`./lib/eth.mjs?${kind}`);
  const target = await startEthTarget();
  try {
    const measured = await measure(target);
    console.log(JSON.stringify(measured));
    all.push(measured);
  } finally {
    await target.stop();
  }
}
const [lux, anvil] = all;
console.log('\n| workload | gas | LuxTensor ns/gas | anvil ns/gas | ratio |');
console.log('|---|---|---|---|---|');
for (const r of lux.results) {
  const a = anvil?.results.find((x) => x.workload === r.workload);
  const ratio = a && a.ns_per_gas > 0 ? (r.ns_per_gas / a.ns_per_gas).toFixed(1) : '';
  console.log(`| ${r.workload} | ${r.gas.toLocaleString('en')} | ${r.ns_per_gas} | ${a?.ns_per_gas ?? ''} | ${ratio} |`);
}
