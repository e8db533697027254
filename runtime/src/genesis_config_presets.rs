//! Genesis configuration: the named presets from which `luxtensor build-spec` generates chain
//! specs. The config type itself, [`RuntimeGenesisConfig`], is generated from the pallets'
//! `Config` parts by `construct_runtime!` in the crate root.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use lux_primitives::{AccountId20, Balance, Sr25519Public, LUX};

pub use crate::RuntimeGenesisConfig;

/// The preset of the single-validator development chain.
pub const DEV_PRESET: &str = "development";
/// The preset of the local multi-validator testnet.
pub const LOCAL_TESTNET_PRESET: &str = "local_testnet";

/// `GenesisBuilder_build_state`: builds the genesis state from a full config in JSON (the node
/// merges a preset or chain-spec patch over the default config first).
pub fn build_state(json: &[u8]) -> Result<(), String> {
    let config: RuntimeGenesisConfig =
        serde_json::from_slice(json).map_err(|e| alloc::format!("invalid genesis config: {e}"))?;
    config.build()
}

/// `GenesisBuilder_get_preset`: the default config for `None`, a preset's patch otherwise.
pub fn get_preset(id: Option<&str>) -> Option<Vec<u8>> {
    let value = match id {
        None => serde_json::to_value(RuntimeGenesisConfig::default()).ok()?,
        Some(DEV_PRESET) => testnet_patch(&Testnet {
            validators: &[(dev::ALICE, dev::ALICE_SESSION)],
            nominators: &[],
            slot_duration: 1_000,
            epoch_length: 20,
            validator_count: 1,
            minimum_validator_count: 1,
            chain_id: DEV_CHAIN_ID,
        }),
        Some(LOCAL_TESTNET_PRESET) => testnet_patch(&Testnet {
            validators: &[
                (dev::ALICE, dev::ALICE_SESSION),
                (dev::BOB, dev::BOB_SESSION),
                (dev::CHARLIE, dev::CHARLIE_SESSION),
                (dev::DAVE, dev::DAVE_SESSION),
            ],
            nominators: &[
                (dev::EVE, &[dev::ALICE, dev::BOB]),
                (dev::FERDIE, &[dev::CHARLIE, dev::DAVE]),
            ],
            slot_duration: 500,
            epoch_length: 20,
            validator_count: 10,
            minimum_validator_count: 2,
            chain_id: LOCAL_CHAIN_ID,
        }),
        Some(_) => return None,
    };
    serde_json::to_vec(&value).ok()
}

/// `GenesisBuilder_preset_names`.
pub fn preset_names() -> Vec<String> {
    vec![DEV_PRESET.to_string(), LOCAL_TESTNET_PRESET.to_string()]
}

/// The Ethereum chain id of the dev chain (Frontier's template uses 42 too).
pub const DEV_CHAIN_ID: u64 = 42;
/// The Ethereum chain id of the local testnet.
pub const LOCAL_CHAIN_ID: u64 = 43;

/// Balance of each dev account at genesis: one million LUX.
pub const DEV_ENDOWMENT: Balance = 1_000_000 * LUX;
/// What each genesis validator bonds.
pub const VALIDATOR_BOND: Balance = 100_000 * LUX;
/// What each genesis nominator bonds.
pub const NOMINATOR_BOND: Balance = 50_000 * LUX;
/// The stakers' payout per era on the dev and local chains: 1 LUX (with their one-minute and
/// thirty-second eras, roughly 9% and 18% a year of their 6 million LUX).
pub const TESTNET_ERA_PAYOUT: Balance = LUX;

/// The shape of a dev or local chain.
struct Testnet<'a> {
    /// Validator accounts and their `//Name` session keys.
    validators: &'a [([u8; 20], [u8; 32])],
    /// Nominator accounts and their targets.
    nominators: &'a [([u8; 20], &'a [[u8; 20]])],
    slot_duration: u64,
    epoch_length: u64,
    /// The dev chain has one validator: its node holds every key it may need (a second
    /// validator there would need a second node to vote on finality).
    validator_count: u32,
    minimum_validator_count: u32,
    /// The EIP-155 chain id of Ethereum transactions.
    chain_id: u64,
}

fn testnet_patch(net: &Testnet<'_>) -> serde_json::Value {
    let account = AccountId20;
    let mut stakers: Vec<_> = net
        .validators
        .iter()
        .map(|(a, _)| (account(*a), VALIDATOR_BOND, pallet_staking::StakerStatus::Validator))
        .collect();
    stakers.extend(net.nominators.iter().map(|(a, targets)| {
        let targets = targets.iter().map(|t| account(*t)).collect();
        (account(*a), NOMINATOR_BOND, pallet_staking::StakerStatus::Nominator(targets))
    }));
    let config = RuntimeGenesisConfig {
        system: Default::default(),
        session: pallet_session::GenesisConfig {
            slot_duration: net.slot_duration,
            epoch_length: net.epoch_length,
            keys: net
                .validators
                .iter()
                .map(|(a, k)| (account(*a), pallet_session::SessionKeys { lux: Sr25519Public(*k) }))
                .collect(),
        },
        balances: pallet_balances::GenesisConfig {
            balances: dev::ACCOUNTS.iter().map(|a| (account(*a), DEV_ENDOWMENT)).collect(),
        },
        sudo: pallet_sudo::GenesisConfig { key: Some(account(dev::ALICE)) },
        referenda: pallet_referenda::GenesisConfig { tracks: testnet_tracks() },
        evm: pallet_evm::GenesisConfig { chain_id: net.chain_id },
        ethereum: pallet_ethereum::GenesisConfig {
            min_base_fee_per_gas: crate::configs::MIN_BASE_FEE_PER_GAS,
        },
        staking: pallet_staking::GenesisConfig {
            validator_count: net.validator_count,
            minimum_validator_count: net.minimum_validator_count,
            stakers,
            min_validator_bond: 1_000 * LUX,
            min_nominator_bond: 100 * LUX,
            sessions_per_era: 3,
            bonding_duration: 4,
            slash_defer_duration: 2,
            history_depth: 84,
            era_payout: TESTNET_ERA_PAYOUT,
            ..Default::default()
        },
    };
    serde_json::to_value(config).unwrap_or_default()
}

/// Well-known development keys: the accounts of the Substrate dev phrase at
/// m/44'/60'/0'/0/{0..5} and the sr25519 keys `//Alice`, `//Bob`, ... (checked against the
/// derivation by a test).
/// The referendum tracks of the dev and local chains: one `root` track with periods of a few
/// blocks, so a referendum passes in well under a minute. Three dev accounts voting 100 000
/// LUX each (5% of the issuance) pass it at once; a referendum short of the support curve
/// (from 5% down to 1% over the decision period) or of a simple majority is rejected when its
/// 40-block decision period ends. A real network uses Polkadot's root track instead (see the
/// referenda pallet's docs): 28-day decision, 1-day confirmation, 100 000-token deposit.
pub fn testnet_tracks() -> Vec<(u16, pallet_referenda::TrackInfo)> {
    use lux_primitives::Perbill;
    use pallet_referenda::{Curve, TrackInfo};
    vec![(
        0,
        TrackInfo {
            name: "root".to_string(),
            max_deciding: 10,
            decision_deposit: 1_000 * LUX,
            prepare_period: 2,
            decision_period: 40,
            confirm_period: 4,
            min_enactment_period: 2,
            min_approval: Curve::LinearDecreasing {
                length: Perbill::from_percent(100),
                floor: Perbill::from_percent(50),
                ceil: Perbill::from_percent(100),
            },
            min_support: Curve::LinearDecreasing {
                length: Perbill::from_percent(100),
                floor: Perbill::from_percent(1),
                ceil: Perbill::from_percent(5),
            },
        },
    )]
}

pub mod dev {
    /// Alice's account (m/44'/60'/0'/0/0).
    pub const ALICE: [u8; 20] = hex20("f24ff3a9cf04c71dbc94d0b566f7a27b94566cac");
    /// Bob's account (m/44'/60'/0'/0/1).
    pub const BOB: [u8; 20] = hex20("3cd0a705a2dc65e5b1e1205896baa2be8a07c6e0");
    /// Charlie's account (m/44'/60'/0'/0/2).
    pub const CHARLIE: [u8; 20] = hex20("798d4ba9baf0064ec19eb4f0a1a45785ae9d6dfc");
    /// Dave's account (m/44'/60'/0'/0/3).
    pub const DAVE: [u8; 20] = hex20("773539d4ac0e786233d90a233654ccee26a613d9");
    /// Eve's account (m/44'/60'/0'/0/4).
    pub const EVE: [u8; 20] = hex20("ff64d3f6efe2317ee2807d223a0bdc4c0c49dfdb");
    /// Ferdie's account (m/44'/60'/0'/0/5).
    pub const FERDIE: [u8; 20] = hex20("c0f0f4ab324c46e55d02d0033343b4be8a55532d");
    /// All dev accounts.
    pub const ACCOUNTS: [[u8; 20]; 6] = [ALICE, BOB, CHARLIE, DAVE, EVE, FERDIE];

    /// `//Alice`'s sr25519 session key.
    pub const ALICE_SESSION: [u8; 32] =
        hex32("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");
    /// `//Bob`'s sr25519 session key.
    pub const BOB_SESSION: [u8; 32] =
        hex32("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48");
    /// `//Charlie`'s sr25519 session key.
    pub const CHARLIE_SESSION: [u8; 32] =
        hex32("90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22");
    /// `//Dave`'s sr25519 session key.
    pub const DAVE_SESSION: [u8; 32] =
        hex32("306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20");

    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lowercase hex digit"),
        }
    }

    const fn hex<const N: usize>(s: &str) -> [u8; N] {
        let b = s.as_bytes();
        assert!(b.len() == 2 * N, "wrong hex length");
        let mut out = [0u8; N];
        let mut i = 0;
        while i < N {
            out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
            i += 1;
        }
        out
    }

    const fn hex20(s: &str) -> [u8; 20] {
        hex::<20>(s)
    }

    const fn hex32(s: &str) -> [u8; 32] {
        hex::<32>(s)
    }
}
