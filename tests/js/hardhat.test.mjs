// Hardhat against the node: the project in hardhat/ is what a Solidity developer has (a
// config with a network and a key, a contract, mocha tests with hardhat-ethers), and this
// test runs it the way they do, `npx hardhat test --network lux`, with the network pointed
// at the node and a dev account's key. Hardhat compiles with solc-js (hardhat.config.js).
//
// The endpoint is pluggable like the other Ethereum tests ($ETH_TEST_TARGET, lib/eth.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { devWallet, rpc, startEthTarget } from './lib/eth.mjs';

const PROJECT = fileURLToPath(new URL('./hardhat/', import.meta.url));
const HARDHAT = fileURLToPath(new URL('./node_modules/hardhat/internal/cli/bootstrap.js', import.meta.url));

let target;

before(async () => {
  target = await startEthTarget();
});

after(async () => {
  await target?.stop();
});

test('Hardhat: compile with solc-js, then the project\'s tests on the node (npx hardhat test --network lux)', async () => {
  const env = {
    ...process.env,
    LUX_URL: target.httpUrl,
    LUX_KEY: devWallet(5).privateKey,
    LUX_CHAIN_ID: BigInt(await rpc(target.httpUrl, 'eth_chainId')).toString(),
    HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true',
    NO_COLOR: '1',
  };
  const { code, output } = await new Promise((resolve) => {
    execFile(process.execPath, [HARDHAT, 'test', '--network', 'lux'], { cwd: PROJECT, env, timeout: 300_000 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, output: `${stdout}\n${stderr}` }));
  });
  assert.equal(code, 0, `npx hardhat test --network lux failed:\n${output}`);
  const passing = Number(/(\d+) passing/.exec(output)?.[1] ?? 0);
  assert.equal(passing, 3, `three Hardhat tests pass:\n${output}`);
  assert.doesNotMatch(output, /failing/);
});
