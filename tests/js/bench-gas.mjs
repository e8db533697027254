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

import { ContractFactory, JsonRpcProvider, SigningKey, keccak256, sha256, toUtf8Bytes } from 'ethers';
import { createRequire } from 'node:module';
import { generateKeyPairSync, sign } from 'node:crypto';
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
  // KZG point evaluation (EIP-4844): a correct proof from c-kzg-4844's test vectors
  // (verify_kzg_proof_case_correct_proof_4_4), with the commitment's versioned hash.
  const commitment = '8f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca25f26936857bc3a7c2539ea8ec3a952b7';
  const versionedHash = `01${sha256(`0x${commitment}`).slice(4)}`;
  const pointEvaluation = hex(
    versionedHash,
    '73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000',
    '1522a4a7f34e1ea350ae07c29c96c7e79655aa926122e95fe69fcbd932ca49e9',
    commitment,
    'a62ad71d14c5719385c0686f1871430475bf3a00f0aa3f7b8dd99a9abc2160744faf0070725e00b60ad9a026a15b1a8c',
  );
  // BLS12-381 (EIP-2537): field elements in 64 bytes; G1's and G2's generators, and -G1.
  const fp = (h) => h.padStart(128, '0');
  const blsP = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;
  const g1y = 0x08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1n;
  const blsG1 = fp('17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb') + fp(g1y.toString(16));
  const blsNegG1 = blsG1.slice(0, 128) + fp((blsP - g1y).toString(16));
  const blsG2 = [
    '024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8',
    '13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e',
    '0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801',
    '0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be',
  ].map(fp).join('');
  const scalar = 'ff'.repeat(31) + '00';
  // P-256 (EIP-7951): a signature of node's crypto, as hash, r, s, x, y.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const message = Buffer.from('LuxTensor');
  const rs = sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('hex');
  const jwk = publicKey.export({ format: 'jwk' });
  const coordinate = (b64) => Buffer.from(b64, 'base64url').toString('hex').padStart(64, '0');
  const p256 = hex(sha256(message).slice(2), rs, coordinate(jwk.x), coordinate(jwk.y));
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
    ['KZG point evaluation (0x0a)', 10, pointEvaluation],
    ['bls12-381 G1 add (0x0b)', 11, hex(blsG1, blsG1)],
    ['bls12-381 G1 MSM, 1 pair (0x0c)', 12, hex(blsG1, scalar)],
    ['bls12-381 G2 add (0x0d)', 13, hex(blsG2, blsG2)],
    ['bls12-381 G2 MSM, 1 pair (0x0e)', 14, hex(blsG2, scalar)],
    ['bls12-381 pairing, 2 pairs (0x0f)', 15, hex(blsG1, blsG2, blsNegG1, blsG2)],
    ['bls12-381 map to G1 (0x10)', 16, hex(fp('ab'.repeat(47)))],
    ['bls12-381 map to G2 (0x11)', 17, hex(fp('ab'.repeat(47)), fp('cd'.repeat(47)))],
    ['p256verify (0x100)', 0x100, p256],
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
