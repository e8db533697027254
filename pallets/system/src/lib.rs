//! The system pallet: what every other pallet builds on.
//!
//! It keeps the accounts (nonce, reference counts and balance data), the current block's
//! number, parent hash and digest, recent block hashes (for mortal transactions), the events
//! of the current block, the weight and length used so far, and the extrinsics of the block
//! (for the extrinsics root). It owns the runtime upgrade: `set_code` checks the new code's
//! version through the host before writing `:code`. The checks of the signed extensions that
//! concern it (sender, spec and transaction version, genesis, mortality, nonce, weight) live
//! in [`extensions`].

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod extensions;
mod limits;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use lux_primitives::dispatch::{DispatchError, DispatchInfo, DispatchResult};
use lux_primitives::{
    AccountId20, Balance, BlockNumber, DigestItem, Header, Nonce, RuntimeVersion, H256,
};
use lux_support::metadata::{ConstantMeta, PalletMeta};
use lux_support::storage::unhashed;
use lux_support::{
    ensure, ensure_root, ensure_signed, pallet_error, storage, Blake2_128Concat, DispatchClass,
    DispatchResultWithPostInfo, GetDispatchInfo, PalletInfo, Parameter, Pays, PostDispatchInfo,
    RawOrigin, Twox64Concat, ValueQuery, Weight,
};
use scale_info::TypeInfo;

pub use limits::{BlockLength, BlockWeights, ConsumedWeight};

/// Configuration of the system pallet: what the runtime tells it.
pub trait Config: 'static + Sized {
    /// The runtime's aggregated event type.
    type RuntimeEvent: Parameter + From<Event>;
    /// Maps pallets to their indices in the runtime.
    type PalletInfo: PalletInfo;
    /// The runtime's version (checked by upgrades and signed into transactions).
    const VERSION: RuntimeVersion;
    /// How many recent block hashes are kept; a mortal transaction must be born within them.
    const BLOCK_HASH_COUNT: BlockNumber;
    /// Weight limits of a block.
    const BLOCK_WEIGHTS: BlockWeights;
    /// Length limits of a block.
    const BLOCK_LENGTH: BlockLength;
}

/// The SS58 address prefix (generic Substrate) for sr25519 keys shown by user interfaces.
pub const SS58_PREFIX: u16 = 42;

/// Marker type of the pallet; its index and name come from the runtime's `PalletInfo`.
pub struct Pallet<T>(PhantomData<T>);

/// Balance data of an account, kept inside [`AccountInfo`] (the balances pallet manages it).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
#[scale_info(replace_segment("pallet_system", "frame_system"))]
pub struct AccountData {
    /// Balance that can be used.
    pub free: Balance,
    /// Balance set aside (not used yet).
    pub reserved: Balance,
    /// Part of `free` that cannot be transferred or spent: the largest of the balance locks.
    pub frozen: Balance,
    /// Reserved bit flags.
    pub flags: u128,
}

/// Everything the chain knows about an account. Same layout as Substrate's, so clients read
/// `system.account(who).data.free` as usual.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
#[scale_info(replace_segment("pallet_system", "frame_system"))]
pub struct AccountInfo {
    /// Number of transactions the account has sent (native and Ethereum).
    pub nonce: Nonce,
    /// Number of other modules that depend on the account existing.
    pub consumers: u32,
    /// Number of reasons for the account to exist (a balance of at least the existential
    /// deposit is one).
    pub providers: u32,
    /// Number of sufficient assets held (not used).
    pub sufficients: u32,
    /// Balances.
    pub data: AccountData,
}

/// When an event was emitted.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo,
)]
#[scale_info(replace_segment("pallet_system", "frame_system"))]
pub enum Phase {
    /// While applying the extrinsic with this index.
    ApplyExtrinsic(u32),
    /// While finalizing the block.
    Finalization,
    /// While initializing the block.
    #[default]
    Initialization,
}

/// An event with the phase it was emitted in.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(replace_segment("pallet_system", "frame_system"))]
pub struct EventRecord<E> {
    /// When.
    pub phase: Phase,
    /// What.
    pub event: E,
    /// Topics for filtering (unused).
    pub topics: Vec<H256>,
}

/// The runtime version of the last upgrade, to run migrations once after an upgrade.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(replace_segment("pallet_system", "frame_system"))]
pub struct LastRuntimeUpgradeInfo {
    /// `spec_version` of the runtime.
    #[codec(compact)]
    pub spec_version: u32,
    /// `spec_name` of the runtime.
    pub spec_name: alloc::string::String,
}

impl LastRuntimeUpgradeInfo {
    /// The info for `version`.
    pub fn of(version: &RuntimeVersion) -> Self {
        Self {
            spec_version: version.spec_version,
            spec_name: alloc::string::ToString::to_string(&version.spec_name),
        }
    }
}

/// Events of the system pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(replace_segment("pallet_system", "frame_system"))]
pub enum Event {
    /// An extrinsic completed successfully.
    ExtrinsicSuccess {
        /// Its weight, class and fee obligation.
        dispatch_info: DispatchInfo,
    },
    /// An extrinsic failed.
    ExtrinsicFailed {
        /// Why.
        dispatch_error: DispatchError,
        /// Its weight, class and fee obligation.
        dispatch_info: DispatchInfo,
    },
    /// The runtime code was updated.
    CodeUpdated,
    /// A new account was created.
    NewAccount {
        /// The account.
        account: AccountId20,
    },
    /// An account was removed.
    KilledAccount {
        /// The account.
        account: AccountId20,
    },
    /// A remark was made.
    Remarked {
        /// Who made it.
        sender: AccountId20,
        /// blake2_256 of the remark.
        hash: H256,
    },
    /// An upgrade to the code with this hash was authorized; anyone may now apply it.
    UpgradeAuthorized {
        /// blake2_256 of the code.
        code_hash: H256,
        /// Whether the code's version will be checked when it is applied.
        check_version: bool,
    },
    /// The new code failed its probation block (it traps, or exceeds the instruction budget,
    /// before it can build an empty block), so the previous code was put back (see the
    /// rollback rule in `lux_primitives::upgrade`).
    CodeRolledBack {
        /// blake2_256 of the code that failed.
        failed_code_hash: H256,
    },
}

pallet_error! {
    /// Errors of the system pallet.
    pub enum Error<T: Config> {
        /// The new code's `spec_name` differs from the current runtime's.
        InvalidSpecName,
        /// The new code's `spec_version` is not higher than the current runtime's.
        SpecVersionNeedsToIncrease,
        /// The new code's version could not be read: it is not a valid runtime.
        FailedToExtractRuntimeVersion,
        /// Not used (kept for Substrate's error indices).
        NonDefaultComposite,
        /// Not used (kept for Substrate's error indices).
        NonZeroRefCount,
        /// Not used (kept for Substrate's error indices).
        CallFiltered,
        /// Not used (kept for Substrate's error indices).
        MultiBlockMigrationsOngoing,
        /// No upgrade is authorized.
        NothingAuthorized,
        /// The code is not the one whose upgrade is authorized (its hash differs).
        Unauthorized,
        /// The new code is not a wasm module (it does not start with the wasm magic bytes).
        NotWasm,
        /// `set_storage` or `kill_storage` names a key the node reads to run the chain
        /// (`:code`, `:heappages`, the kept previous code).
        ProtectedKey,
    }
}

storage! {
    pallet = "System", config = Config;
    /// The full account information for a particular account ID.
    pub type Account = StorageMap<Blake2_128Concat, AccountId20, AccountInfo, ValueQuery>;
    /// Number of extrinsics applied so far in the current block.
    pub type ExtrinsicCount = StorageValue<u32>;
    /// Weight used so far in the current block, per dispatch class.
    pub type BlockWeight = StorageValue<ConsumedWeight, ValueQuery>;
    /// Total length (in bytes) of the extrinsics applied so far in the current block.
    pub type AllExtrinsicsLen = StorageValue<u32>;
    /// Hashes of recent blocks, by number (the genesis hash is kept forever).
    pub type BlockHash = StorageMap<Twox64Concat, BlockNumber, H256, ValueQuery>;
    /// Extrinsics of the current block, by index; removed when the block is finalized.
    pub type ExtrinsicData = StorageMap<Twox64Concat, u32, Vec<u8>, ValueQuery>;
    /// The current block number.
    pub type Number = StorageValue<BlockNumber, ValueQuery>;
    /// Hash of the previous block.
    pub type ParentHash = StorageValue<H256, ValueQuery>;
    /// Digest of the current block.
    pub type Digest = StorageValue<lux_primitives::Digest, ValueQuery>;
    /// Events of the current block.
    pub type Events<T> = StorageValue<Vec<EventRecord<<T as Config>::RuntimeEvent>>, ValueQuery>;
    /// Number of events in the current block.
    pub type EventCount = StorageValue<u32, ValueQuery>;
    /// The runtime version that last ran its migrations.
    pub type LastRuntimeUpgrade = StorageValue<LastRuntimeUpgradeInfo>;
    /// What the block is doing now.
    pub type ExecutionPhase = StorageValue<Phase>;
    /// The code upgrade that is authorized, if any: `apply_authorized_upgrade` installs it.
    pub type AuthorizedUpgrade = StorageValue<CodeUpgradeAuthorization>;
}

/// An authorized code upgrade.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(replace_segment("pallet_system", "frame_system"))]
pub struct CodeUpgradeAuthorization {
    /// blake2_256 of the code.
    pub code_hash: H256,
    /// Whether the code's version is checked when it is applied.
    pub check_version: bool,
}

/// Genesis configuration of the system pallet (nothing to configure).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {}

impl GenesisConfig {
    /// Writes the genesis state (nothing here can fail; the signature is every pallet's).
    pub fn build<T: Config>(&self) -> Result<(), alloc::string::String> {
        // Until block 1 records the real genesis hash, mark block 0's hash as unknown.
        BlockHash::insert(0, H256::repeat_byte(0x69));
        ParentHash::put(H256::repeat_byte(0x69));
        LastRuntimeUpgrade::put(LastRuntimeUpgradeInfo::of(&T::VERSION));
        Ok(())
    }
}

/// Calls of the system pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[scale_info(replace_segment("pallet_system", "frame_system"))]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Makes a remark (no effect but the fee).
    #[codec(index = 0)]
    remark {
        /// Any bytes.
        remark: Vec<u8>,
    },
    /// Sets the runtime code (root only), after checking its version: same `spec_name`,
    /// higher `spec_version`. The new code runs from the next block.
    #[codec(index = 2)]
    set_code {
        /// The wasm code.
        code: Vec<u8>,
    },
    /// Sets storage items (root; for dev chains and recovery). The keys the node reads to run
    /// the chain (`:code`, `:heappages`, the kept previous code) are refused: `set_code`
    /// changes the code with its checks and its probation.
    #[codec(index = 4)]
    set_storage {
        /// The keys and their new values.
        items: Vec<(Vec<u8>, Vec<u8>)>,
    },
    /// Removes storage items (root), with the same refusals as `set_storage`.
    #[codec(index = 5)]
    kill_storage {
        /// The keys.
        keys: Vec<Vec<u8>>,
    },
    /// Makes a remark and emits an event with its hash.
    #[codec(index = 7)]
    remark_with_event {
        /// Any bytes.
        remark: Vec<u8>,
    },
    /// Authorizes an upgrade to the code with hash `code_hash` (root: a referendum carries
    /// these 32 bytes, not the code); anyone may then apply it with `apply_authorized_upgrade`.
    /// Its version is checked when it is applied.
    #[codec(index = 9)]
    authorize_upgrade {
        /// blake2_256 of the code.
        code_hash: H256,
    },
    /// Like `authorize_upgrade`, but the code's version is not checked (root; for recovery).
    #[codec(index = 10)]
    authorize_upgrade_without_checks {
        /// blake2_256 of the code.
        code_hash: H256,
    },
    /// Installs the authorized code (any origin, signed or unsigned; free when it succeeds).
    /// The code must hash to the authorized hash and, unless authorized without checks, pass
    /// the same version checks as `set_code`.
    #[codec(index = 11)]
    apply_authorized_upgrade {
        /// The wasm code.
        code: Vec<u8>,
    },
}

impl GetDispatchInfo for Call {
    fn get_dispatch_info(&self) -> DispatchInfo {
        match self {
            Self::remark { remark } => DispatchInfo {
                weight: weights::remark(remark.len() as u32),
                class: DispatchClass::Normal,
                pays_fee: Pays::Yes,
            },
            // Pays unless dispatched through sudo (which refunds root calls): otherwise anyone
            // could fill blocks with free, failing `set_code` calls.
            Self::set_code { .. } => DispatchInfo {
                weight: weights::SET_CODE,
                class: DispatchClass::Operational,
                pays_fee: Pays::Yes,
            },
            Self::set_storage { items } => DispatchInfo {
                weight: weights::set_storage(items.len() as u32),
                class: DispatchClass::Operational,
                pays_fee: Pays::Yes,
            },
            Self::kill_storage { keys } => DispatchInfo {
                weight: weights::set_storage(keys.len() as u32),
                class: DispatchClass::Operational,
                pays_fee: Pays::Yes,
            },
            Self::remark_with_event { remark } => DispatchInfo {
                weight: weights::remark_with_event(remark.len() as u32),
                class: DispatchClass::Normal,
                pays_fee: Pays::Yes,
            },
            Self::authorize_upgrade { .. } | Self::authorize_upgrade_without_checks { .. } => {
                DispatchInfo {
                    weight: weights::AUTHORIZE_UPGRADE,
                    class: DispatchClass::Operational,
                    pays_fee: Pays::Yes,
                }
            }
            // Refunded when it succeeds (`Pays::No`), so only a failing attempt costs.
            Self::apply_authorized_upgrade { .. } => DispatchInfo {
                weight: weights::SET_CODE,
                class: DispatchClass::Operational,
                pays_fee: Pays::Yes,
            },
        }
    }
}

impl Call {
    /// Runs the call as `origin`.
    pub fn dispatch<T: Config>(self, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match self {
            Self::remark { .. } => {
                ensure_signed(origin)?;
            }
            Self::set_code { code } => {
                ensure_root(origin)?;
                Pallet::<T>::can_set_code(&code)?;
                Pallet::<T>::update_code(&code);
                return Ok(PostDispatchInfo { actual_weight: None, pays_fee: Pays::No });
            }
            Self::set_storage { items } => {
                ensure_root(origin)?;
                Pallet::<T>::ensure_not_protected(items.iter().map(|(key, _)| key))?;
                for (key, value) in items {
                    lux_io::storage::set(&key, &value);
                }
            }
            Self::kill_storage { keys } => {
                ensure_root(origin)?;
                Pallet::<T>::ensure_not_protected(keys.iter())?;
                for key in keys {
                    lux_io::storage::clear(&key);
                }
            }
            Self::remark_with_event { remark } => {
                let sender = ensure_signed(origin)?;
                let hash = H256(lux_io::hashing::blake2_256(&remark));
                Pallet::<T>::deposit_event(Event::Remarked { sender, hash });
            }
            Self::authorize_upgrade { code_hash } => {
                ensure_root(origin)?;
                Pallet::<T>::do_authorize_upgrade(code_hash, true);
            }
            Self::authorize_upgrade_without_checks { code_hash } => {
                ensure_root(origin)?;
                Pallet::<T>::do_authorize_upgrade(code_hash, false);
            }
            Self::apply_authorized_upgrade { code } => {
                Pallet::<T>::can_apply_authorized_upgrade(&code)?;
                Pallet::<T>::update_code(&code);
                AuthorizedUpgrade::kill();
                return Ok(PostDispatchInfo { actual_weight: None, pays_fee: Pays::No });
            }
        }
        Ok(PostDispatchInfo::default())
    }
}

impl<T: Config> lux_support::Hooks for Pallet<T> {}

impl<T: Config> Pallet<T> {
    /// Records block `number` and its parent's hash: what a transaction's signed payload
    /// reads (its mortality's birth block hash, and block 0's hash once block 1 records it).
    /// Part of [`Pallet::initialize`]; alone, it lets the signed messages of a block's
    /// transactions be computed on the parent's state as the block will see them.
    pub fn note_block(number: BlockNumber, parent_hash: H256) {
        Number::put(number);
        BlockHash::insert(number.saturating_sub(1), parent_hash);
    }

    /// Starts block `number`: records the parent hash and digest, clears the previous block's
    /// events and counters, and forgets block hashes older than `BLOCK_HASH_COUNT`.
    pub fn initialize(number: BlockNumber, parent_hash: H256, digest: &lux_primitives::Digest) {
        ExecutionPhase::put(Phase::Initialization);
        Self::note_block(number, parent_hash);
        Digest::put(digest);
        ParentHash::put(parent_hash);
        Events::<T>::kill();
        EventCount::kill();
        ExtrinsicCount::kill();
        AllExtrinsicsLen::kill();
        BlockWeight::kill();
        let to_remove = number.saturating_sub(T::BLOCK_HASH_COUNT).saturating_sub(1);
        if to_remove > 0 {
            BlockHash::remove(to_remove);
        }
    }

    /// Initialization is over: what follows happens while applying extrinsic 0.
    pub fn note_finished_initialize() {
        ExecutionPhase::put(Phase::ApplyExtrinsic(0));
    }

    /// Records the encoded extrinsic being applied, for the extrinsics root.
    pub fn note_extrinsic(encoded: Vec<u8>) {
        ExtrinsicData::insert(Self::extrinsic_index(), encoded);
    }

    /// The index of the extrinsic being applied.
    pub fn extrinsic_index() -> u32 {
        ExtrinsicCount::get().unwrap_or(0)
    }

    /// Records the outcome of the extrinsic just applied and moves to the next index.
    pub fn note_applied_extrinsic(result: &DispatchResultWithPostInfo, mut info: DispatchInfo) {
        let post_info = match result {
            Ok(post) => *post,
            Err(e) => e.post_info,
        };
        // As in Substrate, the reported weight includes the per-extrinsic base weight.
        info.weight =
            post_info.calc_actual_weight(&info).saturating_add(T::BLOCK_WEIGHTS.base_extrinsic);
        info.pays_fee = post_info.pays_fee(&info);
        match result {
            Ok(_) => Self::deposit_event(Event::ExtrinsicSuccess { dispatch_info: info }),
            Err(e) => {
                lux_support::runtime_log!(
                    Debug,
                    "system",
                    "extrinsic {} failed: {:?}",
                    Self::extrinsic_index(),
                    e.error
                );
                Self::deposit_event(Event::ExtrinsicFailed {
                    dispatch_error: e.error,
                    dispatch_info: info,
                })
            }
        }
        let next = Self::extrinsic_index() + 1;
        ExtrinsicCount::put(next);
        ExecutionPhase::put(Phase::ApplyExtrinsic(next));
    }

    /// All extrinsics are applied; what follows is finalization.
    pub fn note_finished_extrinsics() {
        ExecutionPhase::put(Phase::Finalization);
    }

    /// Ends the block: computes the extrinsics root from the recorded extrinsics (and removes
    /// them), then the state root, and returns the header.
    pub fn finalize() -> Header {
        ExecutionPhase::kill();
        AllExtrinsicsLen::kill();
        let count = Self::extrinsic_index();
        let extrinsics: Vec<Vec<u8>> = (0..count).map(ExtrinsicData::take).collect();
        let version = Self::state_version();
        let extrinsics_root = H256(lux_io::trie::blake2_256_ordered_root(&extrinsics, version));
        let state_root = H256(lux_io::storage::root(version));
        Header {
            parent_hash: ParentHash::get(),
            number: Number::get(),
            state_root,
            extrinsics_root,
            digest: Digest::get(),
        }
    }

    /// The state trie version of this runtime.
    pub fn state_version() -> lux_io::StateVersion {
        if T::VERSION.system_version == 0 {
            lux_io::StateVersion::V0
        } else {
            lux_io::StateVersion::V1
        }
    }

    /// Emits `event` in the current phase. Events are not kept for the genesis block.
    pub fn deposit_event(event: impl Into<T::RuntimeEvent>) {
        if Number::get() == 0 {
            return;
        }
        let record = EventRecord {
            phase: ExecutionPhase::get().unwrap_or_default(),
            event: event.into(),
            topics: Vec::new(),
        };
        Events::<T>::append(&record);
        EventCount::mutate(|c| *c = c.saturating_add(1));
    }

    /// The events emitted so far in this block (decodes them all: for tests and RPC helpers).
    pub fn events() -> Vec<EventRecord<T::RuntimeEvent>> {
        Events::<T>::get()
    }

    /// Adds an item to the current block's digest.
    pub fn deposit_log(item: DigestItem) {
        Digest::mutate(|d| d.push(item));
    }

    /// The current block number.
    pub fn block_number() -> BlockNumber {
        Number::get()
    }

    /// The account's nonce.
    pub fn account_nonce(who: &AccountId20) -> Nonce {
        Account::get(who).nonce
    }

    /// Increments the account's nonce.
    pub fn inc_account_nonce(who: &AccountId20) {
        Account::mutate(who, |a| a.nonce = a.nonce.wrapping_add(1));
    }

    /// Adds a consumer reference to `who` (another pallet holds something of it, so it may
    /// not be removed); fails with `NoProviders` if the account does not exist.
    pub fn inc_consumers(who: &AccountId20) -> Result<(), DispatchError> {
        Account::try_mutate(who, |a| {
            if a.providers == 0 {
                return Err(DispatchError::NoProviders);
            }
            a.consumers = a.consumers.saturating_add(1);
            Ok(())
        })
    }

    /// Removes a consumer reference from `who`.
    pub fn dec_consumers(who: &AccountId20) {
        if Account::contains_key(who) {
            Account::mutate(who, |a| a.consumers = a.consumers.saturating_sub(1));
        }
    }

    /// Notes that `who` came into existence.
    pub fn on_created_account(who: AccountId20) {
        Self::deposit_event(Event::NewAccount { account: who });
    }

    /// Notes that `who` was removed.
    pub fn on_killed_account(who: AccountId20) {
        Self::deposit_event(Event::KilledAccount { account: who });
    }

    /// Whether `code` may replace the current runtime: it must be wasm, and its version, read
    /// by the host, must have the same `spec_name` and a higher `spec_version`.
    pub fn can_set_code(code: &[u8]) -> DispatchResult {
        Self::ensure_wasm(code)?;
        let encoded =
            lux_io::misc::runtime_version(code).ok_or(Error::<T>::FailedToExtractRuntimeVersion)?;
        let new = RuntimeVersion::decode(&mut &encoded[..])
            .map_err(|_| Error::<T>::FailedToExtractRuntimeVersion)?;
        let current = T::VERSION;
        ensure!(new.spec_name == current.spec_name, Error::<T>::InvalidSpecName);
        ensure!(new.spec_version > current.spec_version, Error::<T>::SpecVersionNeedsToIncrease);
        Ok(())
    }

    /// Authorizes an upgrade to the code hashing to `code_hash`, replacing any earlier one.
    pub fn do_authorize_upgrade(code_hash: H256, check_version: bool) {
        AuthorizedUpgrade::put(CodeUpgradeAuthorization { code_hash, check_version });
        Self::deposit_event(Event::UpgradeAuthorized { code_hash, check_version });
    }

    /// Whether `code` is the authorized upgrade and passes its checks.
    pub fn can_apply_authorized_upgrade(code: &[u8]) -> DispatchResult {
        let authorization = AuthorizedUpgrade::get().ok_or(Error::<T>::NothingAuthorized)?;
        ensure!(
            H256(lux_io::hashing::blake2_256(code)) == authorization.code_hash,
            Error::<T>::Unauthorized
        );
        if authorization.check_version {
            Self::can_set_code(code)
        } else {
            Self::ensure_wasm(code)
        }
    }

    /// Whether `code` starts with the wasm magic bytes.
    fn ensure_wasm(code: &[u8]) -> DispatchResult {
        ensure!(code.starts_with(b"\0asm"), Error::<T>::NotWasm);
        Ok(())
    }

    /// The pool validity of an unsigned `apply_authorized_upgrade` carrying the authorized
    /// code; every other unsigned system call is refused.
    pub fn validate_unsigned(call: &Call) -> lux_primitives::transaction::TransactionValidity {
        use lux_primitives::transaction::{InvalidTransaction, ValidTransaction};
        let Call::apply_authorized_upgrade { code } = call else {
            return Err(InvalidTransaction::Call.into());
        };
        Self::can_apply_authorized_upgrade(code).map_err(|_| InvalidTransaction::Call)?;
        let code_hash = H256(lux_io::hashing::blake2_256(code));
        Ok(ValidTransaction {
            priority: u64::MAX,
            requires: Vec::new(),
            provides: alloc::vec![(b"apply_authorized_upgrade", code_hash).encode()],
            longevity: T::BLOCK_HASH_COUNT as u64,
            propagate: true,
        })
    }

    /// Writes `:code` and tells the node its environment changed. The code it replaces is
    /// kept for the new code's probation block (the first replaced code, if the block
    /// upgrades twice).
    pub fn update_code(code: &[u8]) {
        use lux_primitives::storage::{CODE, PREVIOUS_CODE};
        if !unhashed::exists(PREVIOUS_CODE) {
            if let Some(previous) = lux_io::storage::get(CODE) {
                unhashed::put(PREVIOUS_CODE, &RawBytes(&previous));
            }
        }
        unhashed::put(CODE, &RawBytes(code));
        Self::deposit_log(DigestItem::RuntimeEnvironmentUpdated);
        Self::deposit_event(Event::CodeUpdated);
    }

    /// Puts back the code kept by the last upgrade, as a block claiming
    /// [`CodeRollback`](lux_primitives::upgrade::CodeRollback) demands; run by that previous
    /// code. A claim without a kept code makes the block invalid.
    pub fn roll_back_code() {
        use lux_primitives::storage::{CODE, PREVIOUS_CODE};
        let Some(previous) = lux_io::storage::get(PREVIOUS_CODE) else {
            panic!("invalid block: it claims a code rollback, but no upgrade is on probation");
        };
        let failed = lux_io::storage::get(CODE).unwrap_or_default();
        unhashed::put(CODE, &RawBytes(&previous));
        unhashed::kill(PREVIOUS_CODE);
        Self::deposit_log(DigestItem::RuntimeEnvironmentUpdated);
        Self::deposit_event(Event::CodeRolledBack {
            failed_code_hash: H256(lux_io::hashing::blake2_256(&failed)),
        });
    }

    /// Refuses the keys `set_storage` and `kill_storage` may not touch: changing them would
    /// bypass `set_code`'s checks, the rollback rule and the node's notice of a new runtime.
    fn ensure_not_protected<'a>(
        mut keys: impl Iterator<Item = &'a Vec<u8>>,
    ) -> Result<(), DispatchError> {
        use lux_primitives::storage::{CODE, HEAP_PAGES, PREVIOUS_CODE};
        match keys.any(|key| [CODE, HEAP_PAGES, PREVIOUS_CODE].contains(&key.as_slice())) {
            true => Err(Error::<T>::ProtectedKey.into()),
            false => Ok(()),
        }
    }

    /// The new code runs its first block: the code it replaced is no longer needed.
    pub fn end_code_probation() {
        if unhashed::exists(lux_primitives::storage::PREVIOUS_CODE) {
            unhashed::kill(lux_primitives::storage::PREVIOUS_CODE);
        }
    }

    /// Whether this block is the first one run by a new runtime version; records the version.
    pub fn take_runtime_upgraded() -> bool {
        let current = LastRuntimeUpgradeInfo::of(&T::VERSION);
        if LastRuntimeUpgrade::get().as_ref() == Some(&current) {
            return false;
        }
        LastRuntimeUpgrade::put(current);
        true
    }

    /// Records `weight` as used by the current block in `class` (inherents and hooks).
    pub fn register_extra_weight(weight: Weight, class: DispatchClass) {
        BlockWeight::mutate(|w| w.accrue(weight, class));
    }
}

/// Bytes stored as they are (for `:code`, which is not a SCALE `Vec`).
struct RawBytes<'a>(&'a [u8]);

impl Encode for RawBytes<'_> {
    fn size_hint(&self) -> usize {
        self.0.len()
    }
    fn encode_to<O: codec::Output + ?Sized>(&self, dest: &mut O) {
        dest.write(self.0);
    }
}

/// A runtime version for pallet unit tests.
#[doc(hidden)]
pub const TEST_VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: alloc::borrow::Cow::Borrowed("test"),
    impl_name: alloc::borrow::Cow::Borrowed("test"),
    authoring_version: 1,
    spec_version: 1,
    impl_version: 1,
    apis: alloc::borrow::Cow::Borrowed(&[]),
    transaction_version: 1,
    system_version: 1,
};

/// Implements `pallet_system::Config` for a pallet's test runtime: unlimited block weight,
/// 1 MiB blocks, ten recent block hashes, and the given per-extrinsic base weight (zero if
/// omitted). Also implements `PalletInfo` for `$info`, mapping the listed pallets to indices.
#[doc(hidden)]
#[macro_export]
macro_rules! impl_test_config {
    (
        $runtime:ty, event = $event:ty, info = $info:ident,
        pallets = [$($pallet:ty => $index:expr),* $(,)?]
        $(, base_extrinsic = $base:expr)? $(,)?
    ) => {
        pub struct $info;

        impl $crate::__private::PalletInfo for $info {
            fn index<P: 'static>() -> Option<usize> {
                let p = ::core::any::TypeId::of::<P>();
                $(if p == ::core::any::TypeId::of::<$pallet>() {
                    return Some($index);
                })*
                let _ = p;
                None
            }
            fn name<P: 'static>() -> Option<&'static str> {
                None
            }
        }

        impl $crate::Config for $runtime {
            type RuntimeEvent = $event;
            type PalletInfo = $info;
            const VERSION: $crate::__private::RuntimeVersion = $crate::TEST_VERSION;
            const BLOCK_HASH_COUNT: u32 = 10;
            const BLOCK_WEIGHTS: $crate::BlockWeights = $crate::BlockWeights {
                base_block: $crate::__private::Weight::ZERO,
                max_block: $crate::__private::Weight::MAX,
                base_extrinsic: $crate::impl_test_config!(@base $($base)?),
                normal_ratio_percent: 75,
            };
            const BLOCK_LENGTH: $crate::BlockLength =
                $crate::BlockLength { max: 1 << 20, normal_ratio_percent: 75 };
        }
    };
    (@base) => { $crate::__private::Weight::ZERO };
    (@base $base:expr) => { $base };
}

/// Implements `From<E> for $event` for each `Variant(E)` of a test runtime's event enum, so
/// pallets can deposit their events into it.
#[doc(hidden)]
#[macro_export]
macro_rules! impl_test_event_from {
    ($event:ty: $($variant:ident($inner:ty)),* $(,)?) => {$(
        impl From<$inner> for $event {
            fn from(e: $inner) -> Self {
                Self::$variant(e)
            }
        }
    )*};
}

#[doc(hidden)]
pub mod __private {
    pub use lux_primitives::RuntimeVersion;
    pub use lux_support::{PalletInfo, Weight};
}

impl<T: Config> Pallet<T> {
    /// Describes the pallet for metadata.
    pub fn metadata() -> PalletMeta {
        PalletMeta {
            storage: storage_metadata::<T>(),
            calls: Some(scale_info::meta_type::<Call>()),
            event: Some(scale_info::meta_type::<Event>()),
            error: Some(scale_info::meta_type::<Error<T>>()),
            constants: alloc::vec![
                ConstantMeta::new("BlockWeights", &T::BLOCK_WEIGHTS, &["Weight limits of a block."]),
                ConstantMeta::new("BlockLength", &T::BLOCK_LENGTH, &["Length limits of a block."]),
                ConstantMeta::new(
                    "BlockHashCount",
                    &T::BLOCK_HASH_COUNT,
                    &["How many recent block hashes are kept (mortal transactions are born in them)."],
                ),
                ConstantMeta::new("Version", &T::VERSION, &["The runtime's version."]),
                ConstantMeta::new(
                    "SS58Prefix",
                    &SS58_PREFIX,
                    &["SS58 prefix for displaying sr25519 session keys (accounts are 20-byte)."],
                ),
            ],
            docs: &["Accounts and nonces, block number and hashes, events, runtime upgrades."],
        }
    }
}
