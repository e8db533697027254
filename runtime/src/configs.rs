//! Configuration of every pallet: fees, limits, deposits.

use lux_primitives::weight::{
    WEIGHT_REF_TIME_PER_MICROS, WEIGHT_REF_TIME_PER_MILLIS, WEIGHT_REF_TIME_PER_SECOND,
};
use lux_primitives::{Balance, BlockNumber, Moment, Perbill, RuntimeVersion, LUX};
use lux_support::{DispatchClass, Weight};
use pallet_system::{BlockLength, BlockWeights};

use crate::{
    Balances, Ethereum, Preimage, Referenda, Runtime, RuntimeCall, RuntimeEvent, RuntimePalletInfo,
    Scheduler, Session, Staking, VERSION,
};

/// Blocks in a day of 1-second slots (the longest slot the presets use; shorter slots make
/// these periods shorter in time).
pub const DAYS: BlockNumber = 24 * 60 * 60;

/// The least balance an account must hold: 0.001 LUX.
pub const EXISTENTIAL_DEPOSIT: Balance = LUX / 1_000;
/// Fee per byte of an extrinsic: 0.000001 LUX.
pub const TRANSACTION_BYTE_FEE: Balance = LUX / 1_000_000;
/// Fee per microsecond of weight: 0.00001 LUX (a simple transfer costs about 0.0017 LUX).
pub const WEIGHT_FEE_PER_MICROS: Balance = LUX / 100_000;

/// The block author's share of transaction fees (tips go to it whole); the rest is burned.
pub const AUTHOR_FEE_SHARE: Perbill = Perbill::from_percent(20);

/// Block weight limits: one second of execution, 75% of it for normal transactions. The base
/// extrinsic weight covers decoding, the secp256k1 signature check and fee handling.
pub const BLOCK_WEIGHTS: BlockWeights = BlockWeights {
    base_block: Weight::from_parts(5 * WEIGHT_REF_TIME_PER_MILLIS, 0),
    max_block: Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
    base_extrinsic: Weight::from_parts(60 * WEIGHT_REF_TIME_PER_MICROS, 0),
    normal_ratio_percent: 75,
};

// An Ethereum transaction's weight leaves out the base extrinsic weight, which its intrinsic
// gas pays for (see `pallet_ethereum::INCLUSION_WEIGHT`); the two must be the same.
const _: () =
    assert!(BLOCK_WEIGHTS.base_extrinsic.ref_time == pallet_ethereum::INCLUSION_WEIGHT.ref_time);

/// Block length limit: 5 MiB, 75% for normal transactions.
pub const BLOCK_LENGTH: BlockLength =
    BlockLength { max: 5 * 1024 * 1024, normal_ratio_percent: 75 };

impl pallet_system::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type PalletInfo = RuntimePalletInfo;
    const VERSION: RuntimeVersion = VERSION;
    /// About an hour of 1-second blocks: mortal transactions can be born this far back.
    const BLOCK_HASH_COUNT: BlockNumber = 4096;
    const BLOCK_WEIGHTS: BlockWeights = BLOCK_WEIGHTS;
    const BLOCK_LENGTH: BlockLength = BLOCK_LENGTH;
}

impl pallet_timestamp::Config for Runtime {
    /// Allows block times down to 100 ms (`--dev-block-time 100`).
    const MINIMUM_PERIOD: Moment = 50;
    const MAX_DRIFT: Moment = 30_000;
}

impl pallet_session::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    /// Staking elects each session's validators.
    type SessionManager = Staking;
    /// Staking disables, chills and slashes equivocators.
    type ReportOffence = Staking;
}

impl pallet_staking::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
}

impl pallet_balances::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    const EXISTENTIAL_DEPOSIT: Balance = EXISTENTIAL_DEPOSIT;
}

impl pallet_transaction_payment::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    const TRANSACTION_BYTE_FEE: Balance = TRANSACTION_BYTE_FEE;
    const WEIGHT_FEE_PER_MICROS: Balance = WEIGHT_FEE_PER_MICROS;
    /// The block author (from its slot claim) gets the tips and this share of fees.
    type FindAuthor = Session;
    const AUTHOR_FEE_SHARE: Perbill = AUTHOR_FEE_SHARE;
}

impl pallet_sudo::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
}

impl pallet_scheduler::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type Preimages = Preimage;
    /// 80% of a block, as on Polkadot: scheduled calls never crowd out the inherents.
    const MAXIMUM_WEIGHT: Weight = Weight::from_parts(
        BLOCK_WEIGHTS.max_block.ref_time / 5 * 4,
        BLOCK_WEIGHTS.max_block.proof_size / 5 * 4,
    );
    const MAX_SCHEDULED_PER_BLOCK: u32 = 50;
}

impl pallet_preimage::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    /// 1 LUX per preimage, plus 0.00001 LUX per byte (10 LUX for 1 MiB).
    const BASE_DEPOSIT: Balance = LUX;
    const BYTE_DEPOSIT: Balance = LUX / 100_000;
}

impl pallet_conviction_voting::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type Polls = Referenda;
    /// Polkadot's: a 1x vote on the winning side stays locked 28 days after the poll.
    const VOTE_LOCKING_PERIOD: BlockNumber = 28 * DAYS;
    const MAX_VOTES: u32 = 512;
}

impl pallet_referenda::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type Scheduler = Scheduler;
    type Preimages = Preimage;
    /// 10 LUX to submit a referendum (returned unless it is killed, rejected or times out).
    const SUBMISSION_DEPOSIT: Balance = 10 * LUX;
    const MAX_QUEUED: u32 = 100;
    /// A referendum without a decision deposit times out after 14 days.
    const UNDECIDING_TIMEOUT: BlockNumber = 14 * DAYS;
}

/// A block's gas limit: what its normal dispatch weight buys at the EVM's weight per gas,
/// 750 ms / 25 ns = 30 million, like Ethereum's for years (a transaction may use at most 2^24
/// gas, EIP-7825). An Ethereum transaction weighs exactly its gas, so a block full of them
/// uses its whole gas limit.
pub const BLOCK_GAS_LIMIT: u64 =
    BLOCK_WEIGHTS.max_for(DispatchClass::Normal).ref_time / pallet_evm::WEIGHT_PER_GAS.ref_time;
// A block holds the largest transaction there may be.
const _: () = assert!(BLOCK_GAS_LIMIT >= pallet_evm::TX_GAS_LIMIT_CAP);
/// The lowest base fee per gas: gas costs what its weight costs a native extrinsic
/// (`WEIGHT_FEE_PER_MICROS` for 40 gas), 250 gwei; a transfer of 21 000 gas costs 0.00525 LUX.
pub const MIN_BASE_FEE_PER_GAS: Balance = WEIGHT_FEE_PER_MICROS
    * pallet_evm::WEIGHT_PER_GAS.ref_time as Balance
    / WEIGHT_REF_TIME_PER_MICROS as Balance;

impl pallet_evm::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    /// The author of the block (from its slot claim) is the EVM's `COINBASE`.
    type FindAuthor = Session;
    type FeeMarket = Ethereum;
    const BLOCK_GAS_LIMIT: u64 = BLOCK_GAS_LIMIT;
}

impl pallet_ethereum::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
}
