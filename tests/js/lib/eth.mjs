// The Ethereum endpoint the Ethereum client tests run against, chosen by $ETH_TEST_TARGET:
//
//   (unset) or `luxtensor`  a `luxtensor --dev` node started like the other tests do
//                           ($LUXTENSOR_BIN, loopback, `--rpc-port 0`); its Ethereum JSON-RPC
//                           shares the Substrate RPC port (HTTP and WebSocket).
//   `anvil`                 a local anvil (the npm package @foundry-rs/anvil, or $ANVIL_BIN) set
//                           up like our dev chain: chain id 42, the six dev accounts holding one
//                           million each, no unlocked accounts, a block every 500 ms. Use it to
//                           check the tests themselves against a reference node.
//   `http://host:port`      any running endpoint whose dev accounts are funded (its WebSocket
//                           is assumed on the same address).
//
// Also: raw JSON-RPC over fetch (to see codes, messages and data exactly as sent), the dev
// accounts as ethers wallets, and the test ERC-20 compiled with solc-js.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { HDNodeWallet } from 'ethers';
import { startDevNode, waitFor, rpc, DEV_PHRASE } from './node.mjs';

const require = createRequire(import.meta.url);

/** Which kind of endpoint the tests use: 'luxtensor', 'anvil' or 'external'. */
export const TARGET = (() => {
  const value = process.env.ETH_TEST_TARGET ?? 'luxtensor';
  if (value === 'luxtensor' || value === 'anvil') return value;
  if (/^https?:\/\//.test(value)) return 'external';
  throw new Error(`ETH_TEST_TARGET=${value}: expected luxtensor, anvil or an http(s) URL`);
})();

/** The dev accounts' BIP44 path: m/44'/60'/0'/0/{0..5} are alice, bob, charlie, dave, eve, ferdie. */
export const devPath = (index) => `m/44'/60'/0'/0/${index}`;

/** Dev account `index` (0 = alice) as an ethers wallet, connected to `provider` if given. */
export function devWallet(index, provider = null) {
  return HDNodeWallet.fromPhrase(DEV_PHRASE, undefined, devPath(index), undefined).connect(provider);
}

/** One million (the dev accounts' genesis balance), in wei. */
const DEV_ENDOWMENT = 10n ** 24n;

export { rpc, rpcRaw, rpcResponse } from './node.mjs';

/** The binary of Foundry tool `tool` (anvil, cast): $<TOOL>_BIN, or the one its npm package's
 * platform package installs (the package's `bin.mjs` only spawns it, and killing a wrapper
 * would leave the tool running). */
export function foundryBinary(tool) {
  const override = process.env[`${tool.toUpperCase()}_BIN`];
  if (override) return override;
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? process.arch;
  const name = process.platform === 'win32' ? `${tool}.exe` : tool;
  const bin = require.resolve(`@foundry-rs/${tool}-${process.platform}-${arch}/bin/${name}`);
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: run \`npm install\` in tests/js or set ${tool.toUpperCase()}_BIN`);
  }
  return bin;
}

async function startAnvil() {
  // `--accounts 0`: no unlocked accounts, so eth_accounts is [] as on our node; the dev
  // accounts are funded below with anvil_setBalance instead. The gas limit is our blocks'
  // (stated, not left to anvil's default).
  const args = ['--host', '127.0.0.1', '--port', '0', '--chain-id', '42', '--mnemonic', DEV_PHRASE,
    '--accounts', '0', '--block-time', '0.5', '--gas-limit', '30000000'];
  const child = spawn(foundryBinary('anvil'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (chunk) => { log += chunk; });
  child.stderr.on('data', (chunk) => { log += chunk; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  let addr;
  try {
    const state = await waitFor('anvil to listen', 60_000, async () => {
      if (child.exitCode !== null) return { exited: true };
      const listening = /Listening on (\S+)/.exec(log)?.[1];
      return listening && { addr: listening };
    });
    if (state.exited) throw new Error('anvil exited early');
    addr = state.addr;
  } catch (e) {
    kill();
    throw new Error(`${e.message}\n${log}`);
  }
  const httpUrl = `http://${addr}`;
  for (let i = 0; i < 6; i++) {
    await rpc(httpUrl, 'anvil_setBalance', [devWallet(i).address, `0x${DEV_ENDOWMENT.toString(16)}`]);
  }
  return {
    kind: 'anvil',
    httpUrl,
    wsUrl: `ws://${addr}`,
    log: () => log,
    stop: async () => {
      kill();
      await exited;
      process.off('exit', kill);
    },
  };
}

async function startLuxTensor() {
  const node = await startDevNode();
  return { kind: 'luxtensor', httpUrl: node.httpUrl, wsUrl: node.url, log: node.log, stop: node.stop };
}

/** Starts (or, for a URL, only checks) the endpoint the tests use:
 * `{ kind, httpUrl, wsUrl, stop(), log() }`. */
export async function startEthTarget() {
  if (TARGET === 'anvil') return startAnvil();
  if (TARGET === 'luxtensor') return startLuxTensor();
  const httpUrl = process.env.ETH_TEST_TARGET;
  await rpc(httpUrl, 'eth_chainId');
  return { kind: 'external', httpUrl, wsUrl: httpUrl.replace(/^http/, 'ws'), log: () => '', stop: async () => {} };
}

/** A small ERC-20 (no library): what a wallet or a dapp expects of one, plus the revert
 * reason the revert tests look for. The Hardhat project (hardhat/) compiles the same file. */
export const ERC20_SOURCE = readFileSync(new URL('../hardhat/contracts/TestToken.sol', import.meta.url), 'utf8');

let compiled;

/** TestToken compiled by solc-js with its default settings but the optimizer on (so the
 * default evmVersion of that solc): `{ abi, bytecode, deployedBytecode, slots, solcVersion,
 * evmVersion }`, `slots` mapping each state variable to its storage slot. */
export function compileErc20() {
  if (compiled) return compiled;
  const solc = require('solc');
  const input = {
    language: 'Solidity',
    sources: { 'TestToken.sol': { content: ERC20_SOURCE } },
    settings: {
      optimizer: { enabled: true },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'storageLayout', 'metadata'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const contract = output.contracts['TestToken.sol'].TestToken;
  compiled = {
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
    deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
    slots: Object.fromEntries(contract.storageLayout.storage.map((s) => [s.label, BigInt(s.slot)])),
    solcVersion: solc.version(),
    evmVersion: JSON.parse(contract.metadata).settings.evmVersion,
  };
  return compiled;
}
