// What a Hardhat user's tests do on a live network, with hardhat-ethers: the signer from the
// config's key, a value transfer, deploying and using an ERC-20, its events, gas estimates
// and revert reasons.
const assert = require('node:assert/strict');
const { ethers } = require('hardhat');

describe('TestToken on a live network', function () {
  let signer;

  before(async function () {
    [signer] = await ethers.getSigners();
    assert.ok(signer, 'the config\'s key is a signer');
  });

  it('knows the chain: its id, blocks and the signer\'s balance', async function () {
    const network = await ethers.provider.getNetwork();
    assert.equal(network.chainId, BigInt(process.env.LUX_CHAIN_ID ?? network.chainId));
    const block = await ethers.provider.getBlock('latest');
    assert.ok(block.number > 0, `latest block ${block.number}`);
    assert.ok(block.baseFeePerGas > 0n, 'EIP-1559 blocks');
    assert.ok((await ethers.provider.getBalance(signer.address)) > ethers.parseEther('1'));
  });

  it('sends value and the balance moves by exactly that', async function () {
    const to = ethers.Wallet.createRandom().address;
    const receipt = await (await signer.sendTransaction({ to, value: 123_456n })).wait();
    assert.equal(receipt.status, 1);
    assert.equal(await ethers.provider.getBalance(to), 123_456n);
  });

  it('deploys an ERC-20, transfers, finds the event, estimates gas, reports reverts', async function () {
    const token = await ethers.deployContract('TestToken', ['Hardhat Token', 'HHT', 1_000_000n]);
    await token.waitForDeployment();
    assert.equal(await token.symbol(), 'HHT');
    assert.equal(await token.decimals(), 18n);
    assert.equal(await token.balanceOf(signer.address), 1_000_000n);

    const to = ethers.Wallet.createRandom().address;
    const receipt = await (await token.transfer(to, 250n)).wait();
    assert.equal(receipt.status, 1);
    assert.equal(await token.balanceOf(to), 250n);
    const events = await token.queryFilter(token.filters.Transfer(signer.address), receipt.blockNumber);
    assert.equal(events.length, 1);
    assert.equal(events[0].args.to, to);
    assert.equal(events[0].args.value, 250n);

    const gas = await token.transfer.estimateGas(to, 1n);
    assert.ok(gas > 21_000n && gas < 100_000n, `estimate ${gas}`);

    await assert.rejects(token.transfer.staticCall(to, 10n ** 30n), /execution reverted: insufficient balance/);
    await assert.rejects(token.transfer(to, 10n ** 30n), /insufficient balance/);
    assert.equal(await token.balanceOf(signer.address), 999_750n);
  });
});
