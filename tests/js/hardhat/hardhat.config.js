// A plain Hardhat project pointed at a LuxTensor node: `npx hardhat test --network lux`.
// $LUX_URL is the node's RPC address and $LUX_KEY the private key of a funded account
// (../hardhat.test.mjs sets both). Solidity is compiled by the solc-js build of the `solc`
// npm package, so nothing is downloaded (Hardhat's documented way to use a local compiler).
require('@nomicfoundation/hardhat-ethers');
const { subtask } = require('hardhat/config');
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require('hardhat/builtin-tasks/task-names');
const solc = require('solc');

const SOLC_VERSION = require('solc/package.json').version;

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async ({ solcVersion }, _hre, runSuper) => {
  if (solcVersion !== SOLC_VERSION) return runSuper();
  return {
    compilerPath: require.resolve('solc/soljson.js'),
    isSolcJs: true,
    version: solcVersion,
    longVersion: solc.version(),
  };
});

module.exports = {
  solidity: SOLC_VERSION,
  networks: {
    lux: {
      url: process.env.LUX_URL ?? 'http://127.0.0.1:9944',
      accounts: process.env.LUX_KEY ? [process.env.LUX_KEY] : [],
    },
  },
  // Not `test/`: node's test runner (tests/js's `npm test`) would take it for its own.
  paths: { tests: './mocha' },
  mocha: { timeout: 120_000 },
};
