//! The session pallet: who may author and finalize blocks, their session keys, how long a slot
//! lasts, and the epochs (sessions) with their randomness.
//!
//! Validators are accounts; each registers an sr25519 *session key* with `set_keys` (with a
//! proof that it holds the key) and it is that key that signs slot claims, seals and finality
//! votes. Slots are grouped into epochs of `EpochLength` slots, counted from the slot of block
//! 1, and a session is an epoch: the first block of each new epoch *rotates* the session.
//!
//! Rotation follows Substrate's pallet-session: the validators queued one session earlier
//! (`QueuedKeys`, with their stake weights in `NextAuthorities`) become the current ones
//! (`Validators`, `Authorities`), and the [`SessionManager`] (the staking pallet) is asked for
//! the validators of the session after; so every set is known one whole session before it
//! claims a slot. The rotating block announces the queued set in its header
//! ([`ConsensusLog::NextAuthorities`]) and, when the current authorities changed, the new
//! finality set with its id ([`ConsensusLog::FinalitySetChange`]).
//!
//! The node asks, through `LuxConsensusApi_epoch`, which epoch and authorities a slot after the
//! current state falls in, and checks slot claims against it: so what the node checks and what
//! the runtime records are computed by the same code ([`EpochState`] is shared with the node's
//! consensus simulation).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use lux_io::hashing::blake2_256;
use lux_primitives::consensus::{
    find_pre_digest, ConsensusLog, EpochDescriptor, EpochState, EquivocationProof, FinalitySet,
    Slot, UnsealedHeader,
};
use lux_primitives::transaction::{InvalidTransaction, TransactionValidity, ValidTransaction};
use lux_primitives::weight::WEIGHT_REF_TIME_PER_MICROS;
use lux_primitives::{AccountId20, Perbill, Sr25519Public};
use lux_support::metadata::PalletMeta;
use lux_support::{
    ensure, ensure_signed, pallet_error, storage, DispatchClass, DispatchInfo,
    DispatchResultWithPostInfo, GetDispatchInfo, Hooks, Pays, RawOrigin, Twox64Concat, ValueQuery,
    Weight,
};
use scale_info::TypeInfo;

/// Probability that a slot has a primary (VRF) author when all stake is online.
pub const PRIMARY_PROBABILITY: (u64, u64) = (1, 4);

/// Slots per epoch where the genesis config did not say (see [`Pallet::epoch_length`]).
pub const DEFAULT_EPOCH_LENGTH: u64 = 600;

/// Weight of tracking a block's slot: a few storage reads and writes and a hash.
pub const ON_INITIALIZE_WEIGHT: Weight = Weight::from_parts(20 * WEIGHT_REF_TIME_PER_MICROS, 0);

/// Weight of `set_keys` and `purge_keys`: a signature check, a few reads and writes.
pub const SET_KEYS_WEIGHT: Weight = Weight::from_parts(120 * WEIGHT_REF_TIME_PER_MICROS, 0);

/// A session's index: 0 at genesis, plus one at each rotation.
pub type SessionIndex = u32;

/// A key type: four ASCII bytes, as Substrate's `KeyTypeId`.
pub type KeyTypeId = [u8; 4];

/// The key type of LuxTensor session keys (in `KeyOwner` and the node's `author_*` RPC).
pub const KEY_TYPE: KeyTypeId = lux_primitives::consensus::SESSION_KEY_TYPE;

pub use lux_primitives::consensus::{ownership_payload, OWNERSHIP_PROOF_PREFIX};

/// A validator's session keys: one sr25519 key, which claims slots (VRF), seals blocks and
/// signs finality votes.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct SessionKeys {
    /// The sr25519 key.
    pub lux: Sr25519Public,
}

/// A checked offence: its kind (0: two blocks in one slot, 1: two finality votes in one
/// round), time (slot, or set id and round) and offender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offence {
    /// The kind.
    pub kind: u8,
    /// When.
    pub time: (u64, u64),
    /// Who.
    pub offender: AccountId20,
}

/// Decides the validators of each session (implemented by the staking pallet). Substrate's
/// trait, with each validator's stake returned along with it: stake weighs slot claims and
/// finality votes.
pub trait SessionManager {
    /// The validators, with their stake, of session `new_index`, which starts at the rotation
    /// after this one; `None` keeps the current validators.
    fn new_session(new_index: SessionIndex) -> Option<Vec<(AccountId20, u128)>>;
    /// Session `index` has ended.
    fn end_session(index: SessionIndex);
    /// Session `index` has started.
    fn start_session(index: SessionIndex);
}

/// No manager: the validator set never changes.
impl SessionManager for () {
    fn new_session(_: SessionIndex) -> Option<Vec<(AccountId20, u128)>> {
        None
    }
    fn end_session(_: SessionIndex) {}
    fn start_session(_: SessionIndex) {}
}

/// Takes offences of validators (implemented by the staking pallet, which disables, chills
/// and slashes them).
pub trait ReportOffence {
    /// `offenders` (all those of one offence kind and time so far) committed an offence in
    /// session `session`; slash `fraction` of their exposed stake.
    fn report_offence(offenders: &[AccountId20], session: SessionIndex, fraction: Perbill);
}

/// Offences are ignored.
impl ReportOffence for () {
    fn report_offence(_: &[AccountId20], _: SessionIndex, _: Perbill) {}
}

/// Configuration of the session pallet.
pub trait Config: pallet_system::Config {
    /// The runtime's event type.
    type RuntimeEvent: From<Event> + Into<<Self as pallet_system::Config>::RuntimeEvent>;
    /// Who decides the validators of each session.
    type SessionManager: SessionManager;
    /// Who takes equivocation offences.
    type ReportOffence: ReportOffence;
}

/// Weight of `report_equivocation`: two signature checks and a few reads and writes (the
/// slash itself is deferred).
pub const REPORT_EQUIVOCATION_WEIGHT: Weight =
    Weight::from_parts(400 * WEIGHT_REF_TIME_PER_MICROS, 0);

/// How long a valid equivocation report stays in the pool, in blocks.
pub const REPORT_LONGEVITY: u64 = 64;

/// At most `(validators - 1) / DISABLING_LIMIT_FACTOR` validators are disabled at once
/// (Substrate's default): fewer than a third, so the others always hold the supermajority of
/// the validators that finality needs.
pub const DISABLING_LIMIT_FACTOR: usize = 3;

/// Marker type of the pallet.
pub struct Pallet<T>(PhantomData<T>);

/// Events of the session pallet.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Event {
    /// A new session has started.
    NewSession {
        /// Its index.
        session_index: SessionIndex,
    },
    /// A validator was disabled for the rest of the session (it misbehaved): its blocks and
    /// votes are refused.
    ValidatorDisabled {
        /// The validator.
        validator: AccountId20,
    },
}

pallet_error! {
    /// Errors of the session pallet (Substrate's names).
    pub enum Error<T: Config> {
        /// The ownership proof is not a signature of the account by the session key.
        InvalidProof,
        /// No validator is associated with the account.
        NoAssociatedValidatorId,
        /// The session key is already registered by another account.
        DuplicatedKey,
        /// The account has no session keys.
        NoKeys,
        /// The account does not exist (it needs a balance to hold session keys).
        NoAccount,
        /// The equivocation proof is not two conflicting messages signed by one current
        /// authority.
        InvalidEquivocationProof,
        /// This offender's offence at this time was already reported.
        DuplicateOffenceReport,
        /// The offence is from an earlier session (or an earlier session's finality set): too
        /// old to report.
        StaleEquivocationReport,
    }
}

storage! {
    pallet = "Session", config = Config;
    /// The current session's validators, in authority-index order.
    pub type Validators = StorageValue<Vec<AccountId20>, ValueQuery>;
    /// The current session's index.
    pub type CurrentIndex = StorageValue<SessionIndex, ValueQuery>;
    /// Whether the queued validators differ from the current ones.
    pub type QueuedChanged = StorageValue<bool, ValueQuery>;
    /// The next session's validators and their keys, in authority-index order.
    pub type QueuedKeys = StorageValue<Vec<(AccountId20, SessionKeys)>, ValueQuery>;
    /// Indices (into `Validators`) of the validators disabled for the rest of the session.
    pub type DisabledValidators = StorageValue<Vec<u32>, ValueQuery>;
    /// Each account's registered session keys, used from the next set it is queued in.
    pub type NextKeys = StorageMap<Twox64Concat, AccountId20, SessionKeys>;
    /// The owner of each registered key, by key type and public key.
    pub type KeyOwner = StorageMap<Twox64Concat, (KeyTypeId, Vec<u8>), AccountId20>;
    /// The current session's authorities: session keys and stake weights, in authority-index
    /// order. They claim the current epoch's slots and vote on finality.
    pub type Authorities = StorageValue<Vec<(Sr25519Public, u64)>, ValueQuery>;
    /// The next session's authorities.
    pub type NextAuthorities = StorageValue<Vec<(Sr25519Public, u64)>, ValueQuery>;
    /// The finality voter set's id: plus one whenever the set changes (a new session with
    /// other authorities, or an offender disabled).
    pub type FinalitySetId = StorageValue<u64, ValueQuery>;
    /// The id of the current session's first finality set: reports of finality-vote
    /// equivocations are taken for the sets from it on (disabling an offender starts a new
    /// set within the session).
    pub type SessionFirstSetId = StorageValue<u64, ValueQuery>;
    /// Offenders reported this session, by offence: (0, slot, 0) for two blocks in one slot,
    /// (1, set id, round) for two finality votes in one round.
    pub type ReportedOffences =
        StorageMap<Twox64Concat, (u8, u64, u64), Vec<AccountId20>, ValueQuery>;
    /// Length of a slot in milliseconds.
    pub type SlotDuration = StorageValue<u64, ValueQuery>;
    /// Slots per epoch (and so per session).
    pub type EpochLength = StorageValue<u64, ValueQuery>;
    /// The slot of this block, the current epoch (index, first slot, randomness) and the next
    /// epoch's randomness so far.
    pub type Epoch = StorageValue<EpochState, ValueQuery>;
}

/// Genesis configuration: the first validators with their session keys, the slot duration
/// and the epoch length.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {
    /// Slot length in milliseconds.
    pub slot_duration: u64,
    /// Slots per epoch (one session).
    pub epoch_length: u64,
    /// The genesis validators' accounts and session keys. They are the first set, with equal
    /// weights, unless the staking genesis elects a set from its stakers.
    pub keys: Vec<(AccountId20, SessionKeys)>,
}

impl GenesisConfig {
    /// Registers the keys and writes the first validator set, slot duration and epoch length.
    pub fn build<T: Config>(&self) -> Result<(), String> {
        if self.slot_duration == 0 {
            return Err("session.slotDuration must be positive".into());
        }
        if self.epoch_length == 0 {
            return Err("session.epochLength must be positive".into());
        }
        if self.keys.is_empty() {
            return Err("session.keys must not be empty".into());
        }
        for (account, keys) in &self.keys {
            if NextKeys::contains_key(account) {
                return Err(alloc::format!("session.keys: {account:?} appears twice"));
            }
            if KeyOwner::contains_key((KEY_TYPE, keys.lux.0.to_vec())) {
                return Err(alloc::format!("session.keys: key {:?} appears twice", keys.lux));
            }
            pallet_system::Pallet::<T>::inc_consumers(account).map_err(|_| {
                alloc::format!("session.keys: {account:?} has no balance to hold session keys")
            })?;
            Pallet::<T>::do_set_keys(account, *keys);
        }
        let validators: Vec<(AccountId20, u128)> =
            self.keys.iter().map(|(account, _)| (*account, 1)).collect();
        Pallet::<T>::set_genesis_validators(&validators)?;
        SlotDuration::put(self.slot_duration);
        EpochLength::put(self.epoch_length);
        Ok(())
    }
}

/// Calls of the session pallet (Substrate's indices and argument names).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Registers the sender's session keys, used from the next set it is elected into.
    /// `proof` is the session key's sr25519 signature of [`ownership_payload`] of the sender
    /// (`author_rotateKeysWithOwner` returns both).
    #[codec(index = 0)]
    set_keys {
        /// The keys.
        keys: SessionKeys,
        /// The signature proving the sender holds them.
        proof: Vec<u8>,
    },
    /// Removes the sender's session keys.
    #[codec(index = 1)]
    purge_keys,
    /// Reports that a current authority signed two conflicting messages (unsigned: any node
    /// submits the proofs it sees; free, and first in the pool). The offender is disabled and
    /// chilled, and slashed `min((3k/n)², 1)` of its exposure after the deferral, `k` being the
    /// offenders of the same kind and time and `n` the validators.
    #[codec(index = 2)]
    report_equivocation {
        /// The two signed messages.
        equivocation_proof: alloc::boxed::Box<EquivocationProof>,
    },
}

impl GetDispatchInfo for Call {
    fn get_dispatch_info(&self) -> DispatchInfo {
        match self {
            Self::report_equivocation { .. } => DispatchInfo {
                weight: REPORT_EQUIVOCATION_WEIGHT,
                class: DispatchClass::Operational,
                pays_fee: Pays::No,
            },
            _ => DispatchInfo {
                weight: SET_KEYS_WEIGHT,
                class: DispatchClass::Normal,
                pays_fee: Pays::Yes,
            },
        }
    }
}

impl Call {
    /// Runs the call as `origin`.
    pub fn dispatch<T: Config>(self, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match self {
            Self::report_equivocation { equivocation_proof } => {
                lux_support::ensure_none(origin)?;
                let offence = Pallet::<T>::check_equivocation(&equivocation_proof)?;
                Pallet::<T>::report(offence);
                return Ok(lux_support::PostDispatchInfo {
                    actual_weight: None,
                    pays_fee: Pays::No,
                });
            }
            Self::set_keys { keys, proof } => {
                let who = ensure_signed(origin)?;
                let signature: [u8; 64] =
                    proof.as_slice().try_into().map_err(|_| Error::<T>::InvalidProof)?;
                ensure!(
                    lux_io::crypto::sr25519_verify(
                        &signature,
                        &ownership_payload(&who),
                        &keys.lux.0
                    ),
                    Error::<T>::InvalidProof
                );
                if let Some(owner) = KeyOwner::get((KEY_TYPE, keys.lux.0.to_vec())) {
                    ensure!(owner == who, Error::<T>::DuplicatedKey);
                }
                if !NextKeys::contains_key(who) {
                    pallet_system::Pallet::<T>::inc_consumers(&who)
                        .map_err(|_| Error::<T>::NoAccount)?;
                }
                Pallet::<T>::do_set_keys(&who, keys);
            }
            Self::purge_keys => {
                let who = ensure_signed(origin)?;
                let keys = NextKeys::take(who).ok_or(Error::<T>::NoKeys)?;
                KeyOwner::remove((KEY_TYPE, keys.lux.0.to_vec()));
                pallet_system::Pallet::<T>::dec_consumers(&who);
            }
        }
        Ok(Default::default())
    }
}

impl<T: Config> Hooks for Pallet<T> {
    /// Records the block's slot from its pre-runtime digest, changes the epoch when the slot is
    /// in a later one (rotating the session), and absorbs a primary block's VRF output into the
    /// next randomness.
    fn on_initialize(_n: lux_primitives::BlockNumber) -> Weight {
        let Some(pre_digest) = find_pre_digest(&pallet_system::Digest::get()) else {
            return Weight::ZERO;
        };
        let mut epoch = Epoch::get();
        let started = epoch.genesis_slot.is_some();
        let previous_index = epoch.index;
        if let Err(current) = epoch.enter(&pre_digest, Self::epoch_length(), blake2_256) {
            panic!("slots must increase: slot {} after {current}", pre_digest.slot());
        }
        let rotate = started && epoch.index > previous_index;
        Epoch::put(epoch);
        if rotate {
            Self::rotate_session();
        }
        // A disabled validator (an offender, for the rest of the session) may not author.
        let author = pre_digest.authority_index();
        if DisabledValidators::get().binary_search(&author).is_ok() {
            panic!("authority {author} is disabled for this session");
        }
        ON_INITIALIZE_WEIGHT
    }
}

impl<T: Config> lux_support::traits::FindAuthor for Pallet<T> {
    fn find_author() -> Option<AccountId20> {
        Self::block_author()
    }
}

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        pallet_system::Pallet::<T>::deposit_event(<T as Config>::RuntimeEvent::from(event));
    }

    /// Describes the pallet for metadata.
    pub fn metadata() -> PalletMeta {
        PalletMeta {
            storage: storage_metadata::<T>(),
            calls: Some(scale_info::meta_type::<Call>()),
            event: Some(scale_info::meta_type::<Event>()),
            error: Some(scale_info::meta_type::<Error<T>>()),
            constants: Vec::new(),
            docs: &["Validators and their session keys, sessions (epochs) and slots."],
        }
    }

    fn do_set_keys(who: &AccountId20, keys: SessionKeys) {
        if let Some(old) = NextKeys::get(who) {
            KeyOwner::remove((KEY_TYPE, old.lux.0.to_vec()));
        }
        KeyOwner::insert((KEY_TYPE, keys.lux.0.to_vec()), who);
        NextKeys::insert(who, keys);
    }

    /// Makes `validators` (with their stake) both the current and the queued set, with the
    /// keys registered for them; for genesis builds (the staking genesis calls it after its
    /// election). Fails if one has no keys.
    pub fn set_genesis_validators(validators: &[(AccountId20, u128)]) -> Result<(), String> {
        let mut queued = Vec::with_capacity(validators.len());
        for (account, _) in validators {
            let keys = NextKeys::get(account).ok_or_else(|| {
                alloc::format!("genesis validator {account:?} has no session keys")
            })?;
            queued.push((*account, keys));
        }
        let authorities = Self::authorities_of(&queued, validators);
        Validators::put(validators.iter().map(|(a, _)| *a).collect::<Vec<_>>());
        Authorities::put(&authorities);
        NextAuthorities::put(&authorities);
        QueuedKeys::put(queued);
        Ok(())
    }

    /// The authorities of `queued` validators weighted by `stakes`: weights are the stakes
    /// scaled down (by a power of two) so that their total fits 48 bits, at least 1 each.
    fn authorities_of(
        queued: &[(AccountId20, SessionKeys)],
        stakes: &[(AccountId20, u128)],
    ) -> Vec<(Sr25519Public, u64)> {
        let stake_of = |account: &AccountId20| {
            stakes.iter().find(|(a, _)| a == account).map_or(0, |(_, stake)| *stake)
        };
        let total = queued.iter().fold(0u128, |sum, (a, _)| sum.saturating_add(stake_of(a)));
        let shift = (128 - total.leading_zeros()).saturating_sub(48);
        queued
            .iter()
            .map(|(account, keys)| {
                let weight = u64::try_from(stake_of(account) >> shift).unwrap_or(u64::MAX);
                (keys.lux, weight.max(1))
            })
            .collect()
    }

    /// Ends the current session and starts the next: the queued validators become current,
    /// and the manager is asked for the set after.
    fn rotate_session() {
        let ending = CurrentIndex::get();
        T::SessionManager::end_session(ending);
        let index = ending.saturating_add(1);
        CurrentIndex::put(index);

        let queued = QueuedKeys::get();
        let authorities = NextAuthorities::get();
        // The voters change if the authorities do, or if an offender was disabled: its
        // disabling ends with the session.
        let voters_before = Self::finality_set().authorities;
        Validators::put(queued.iter().map(|(a, _)| *a).collect::<Vec<_>>());
        Authorities::put(&authorities);
        DisabledValidators::kill();
        // Reports are taken for the current session only.
        ReportedOffences::clear(None);
        if authorities != voters_before {
            Self::change_finality_set();
        }
        SessionFirstSetId::put(FinalitySetId::get());
        T::SessionManager::start_session(index);

        // Queue the session after: the manager's choice, or the same validators with their
        // newest keys and stake; validators without keys are left out, and an empty result
        // keeps the current set.
        let (next_validators, stakes) =
            match T::SessionManager::new_session(index.saturating_add(1)) {
                Some(stakes) => (stakes.iter().map(|(a, _)| *a).collect::<Vec<_>>(), stakes),
                None => {
                    let current = Validators::get();
                    let stakes = current
                        .iter()
                        .zip(&authorities)
                        .map(|(a, (_, weight))| (*a, u128::from(*weight)))
                        .collect();
                    (current, stakes)
                }
            };
        let mut next: Vec<(AccountId20, SessionKeys)> = next_validators
            .iter()
            .filter_map(|account| NextKeys::get(account).map(|keys| (*account, keys)))
            .collect();
        if next.is_empty() {
            next = queued;
        }
        let next_authorities = Self::authorities_of(&next, &stakes);
        QueuedChanged::put(next.iter().map(|(a, _)| a).ne(Validators::get().iter()));
        QueuedKeys::put(next);
        NextAuthorities::put(&next_authorities);
        pallet_system::Pallet::<T>::deposit_log(
            ConsensusLog::NextAuthorities(next_authorities).to_digest_item(),
        );
        Self::deposit_event(Event::NewSession { session_index: index });
    }

    /// Checks an equivocation proof against the current session: returns the offence's kind,
    /// time and offender.
    pub fn check_equivocation(proof: &EquivocationProof) -> Result<Offence, Error<T>> {
        let authorities = Authorities::get();
        let (kind, time, index) = match proof {
            EquivocationProof::Slot { first, second } => {
                let a = UnsealedHeader::new(first.clone(), blake2_256)
                    .map_err(|_| Error::<T>::InvalidEquivocationProof)?;
                let b = UnsealedHeader::new(second.clone(), blake2_256)
                    .map_err(|_| Error::<T>::InvalidEquivocationProof)?;
                let (slot, index) = (a.pre_digest.slot(), a.pre_digest.authority_index());
                ensure!(
                    a.hash != b.hash
                        && slot == b.pre_digest.slot()
                        && index == b.pre_digest.authority_index(),
                    Error::<T>::InvalidEquivocationProof
                );
                // Only offences of the current session: its authorities are known here.
                let epoch = Epoch::get();
                ensure!(slot >= epoch.start_slot, Error::<T>::StaleEquivocationReport);
                ensure!(
                    slot < epoch.start_slot.saturating_add(Self::epoch_length()),
                    Error::<T>::InvalidEquivocationProof
                );
                let (key, _) =
                    authorities.get(index as usize).ok_or(Error::<T>::InvalidEquivocationProof)?;
                for header in [&a, &b] {
                    ensure!(
                        lux_io::crypto::sr25519_verify(
                            &header.signature,
                            header.pre_hash.as_bytes(),
                            &key.0
                        ),
                        Error::<T>::InvalidEquivocationProof
                    );
                }
                (0u8, (slot, 0u64), index)
            }
            EquivocationProof::Vote { first, second } => {
                ensure!(
                    first.voter == second.voter
                        && first.round == second.round
                        && first.set_id == second.set_id
                        && first.vote.kind == second.vote.kind
                        && first.vote != second.vote,
                    Error::<T>::InvalidEquivocationProof
                );
                ensure!(
                    (SessionFirstSetId::get()..=FinalitySetId::get()).contains(&first.set_id),
                    Error::<T>::StaleEquivocationReport
                );
                ensure!(
                    first.verify_with(lux_io::crypto::sr25519_verify)
                        && second.verify_with(lux_io::crypto::sr25519_verify),
                    Error::<T>::InvalidEquivocationProof
                );
                let index = authorities
                    .iter()
                    .position(|(key, _)| *key == first.voter)
                    .ok_or(Error::<T>::InvalidEquivocationProof)?;
                (1u8, (first.set_id, first.round), index as u32)
            }
        };
        let offender =
            *Validators::get().get(index as usize).ok_or(Error::<T>::InvalidEquivocationProof)?;
        ensure!(
            !ReportedOffences::get((kind, time.0, time.1)).contains(&offender),
            Error::<T>::DuplicateOffenceReport
        );
        Ok(Offence { kind, time, offender })
    }

    /// Records a checked offence and hands every offender of its kind and time to the
    /// [`ReportOffence`] with the slash fraction `min((3k/n)², 1)`.
    fn report(offence: Offence) {
        let key = (offence.kind, offence.time.0, offence.time.1);
        let offenders = ReportedOffences::mutate(key, |offenders| {
            offenders.push(offence.offender);
            offenders.clone()
        });
        let validators = Validators::get().len().max(1) as u128;
        let fraction = Perbill::from_rational(3 * offenders.len() as u128, validators).square();
        T::ReportOffence::report_offence(&offenders, CurrentIndex::get(), fraction);
    }

    /// Pool validity of an unsigned call: only equivocation reports, checked, first in line
    /// and deduplicated by offence and offender.
    pub fn validate_unsigned(call: &Call) -> TransactionValidity {
        let Call::report_equivocation { equivocation_proof } = call else {
            return Err(InvalidTransaction::Call.into());
        };
        let offence = Self::check_equivocation(equivocation_proof).map_err(|e| match e {
            Error::<T>::StaleEquivocationReport => InvalidTransaction::Stale,
            _ => InvalidTransaction::BadProof,
        })?;
        Ok(ValidTransaction {
            priority: u64::MAX,
            requires: Vec::new(),
            provides: alloc::vec![
                (b"equivocation", offence.kind, offence.time, offence.offender).encode()
            ],
            longevity: REPORT_LONGEVITY,
            propagate: true,
        })
    }

    /// Disables the current validator `account` for the rest of the session (an offender):
    /// its blocks are refused, and a new finality set without it votes from this block on
    /// (once this block is final). At most a third of the validators (`(n - 1) / 3`, as
    /// Substrate's disabling limit) are disabled at once, so the rest can always finalize.
    /// Returns whether it was an enabled validator and is now disabled.
    pub fn disable(account: &AccountId20) -> bool {
        let validators = Validators::get();
        let Some(index) = validators.iter().position(|a| a == account) else {
            return false;
        };
        let index = index as u32;
        let limit = validators.len().saturating_sub(1) / DISABLING_LIMIT_FACTOR;
        let newly = DisabledValidators::mutate(|disabled| match disabled.binary_search(&index) {
            Err(at) if disabled.len() < limit => {
                disabled.insert(at, index);
                true
            }
            _ => false,
        });
        if newly {
            Self::deposit_event(Event::ValidatorDisabled { validator: *account });
            Self::change_finality_set();
        }
        newly
    }

    /// Starts a new finality set, the current authorities but the disabled ones, and
    /// announces it in the block's digest.
    fn change_finality_set() {
        let set_id = FinalitySetId::get().saturating_add(1);
        FinalitySetId::put(set_id);
        let authorities = Self::finality_set().authorities;
        pallet_system::Pallet::<T>::deposit_log(
            ConsensusLog::FinalitySetChange { set_id, authorities }.to_digest_item(),
        );
    }

    /// The current session's index.
    pub fn current_index() -> SessionIndex {
        CurrentIndex::get()
    }

    /// The current validators' accounts.
    pub fn validators() -> Vec<AccountId20> {
        Validators::get()
    }

    /// The account whose session key is `key`, if registered.
    pub fn key_owner(key: &Sr25519Public) -> Option<AccountId20> {
        KeyOwner::get((KEY_TYPE, key.0.to_vec()))
    }

    /// Whether `account` has registered session keys.
    pub fn has_keys(account: &AccountId20) -> bool {
        NextKeys::contains_key(account)
    }

    /// The account of this block's author (from its slot claim), once `on_initialize` ran.
    pub fn block_author() -> Option<AccountId20> {
        let pre_digest = find_pre_digest(&pallet_system::Digest::get())?;
        Validators::get().get(pre_digest.authority_index() as usize).copied()
    }

    /// The current authorities' session keys.
    pub fn authority_keys() -> Vec<Sr25519Public> {
        Authorities::get().into_iter().map(|(key, _)| key).collect()
    }

    /// The slot duration in milliseconds.
    pub fn slot_duration() -> u64 {
        SlotDuration::get()
    }

    /// Slots per epoch. States written before epochs existed have no `EpochLength`: they get
    /// [`DEFAULT_EPOCH_LENGTH`], so a runtime upgrade needs no migration.
    pub fn epoch_length() -> u64 {
        match EpochLength::get() {
            0 => DEFAULT_EPOCH_LENGTH,
            length => length,
        }
    }

    /// The epoch a block in `slot`, built on the current state, belongs to: the current
    /// session's authorities claim slots of the current epoch, the queued ones any later slot
    /// (the block that enters a later epoch rotates the session once).
    pub fn epoch_for_slot(slot: Slot) -> EpochDescriptor {
        let length = Self::epoch_length();
        let state = Epoch::get();
        let (index, start_slot, randomness) = state.epoch_of(slot, length);
        let authorities = if state.genesis_slot.is_some() && index > state.index {
            NextAuthorities::get()
        } else {
            Authorities::get()
        };
        EpochDescriptor {
            index,
            start_slot,
            length,
            randomness,
            authorities,
            primary_probability: PRIMARY_PROBABILITY,
        }
    }

    /// The current epoch (epoch 0, starting at slot 0, before block 1).
    pub fn current_epoch() -> EpochDescriptor {
        Self::epoch_for_slot(Epoch::get().start_slot)
    }

    /// The finality voters that finalize the children of the current block: the current
    /// authorities but the disabled ones.
    pub fn finality_set() -> FinalitySet {
        let disabled = DisabledValidators::get();
        let authorities = Authorities::get()
            .into_iter()
            .enumerate()
            .filter(|(index, _)| disabled.binary_search(&(*index as u32)).is_err())
            .map(|(_, authority)| authority)
            .collect();
        FinalitySet { set_id: FinalitySetId::get(), authorities }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lux_primitives::consensus::PreDigest;
    use std::cell::RefCell;

    type Session = Pallet<NoRuntime>;

    fn account(n: u8) -> AccountId20 {
        AccountId20([n; 20])
    }

    fn pair(n: u8) -> lux_keys::Sr25519Pair {
        lux_keys::Sr25519Pair::from_seed(&[n; 32])
    }

    fn keys(n: u8) -> SessionKeys {
        SessionKeys { lux: Sr25519Public(pair(n).public()) }
    }

    /// Gives `who` an account, as the balances pallet would.
    fn endow(who: AccountId20) {
        pallet_system::Account::mutate(who, |a| {
            a.providers = 1;
            a.data.free = 1_000;
        });
    }

    fn genesis(n: u8) -> GenesisConfig {
        GenesisConfig {
            slot_duration: 1000,
            epoch_length: 10,
            keys: (1..=n).map(|i| (account(i), keys(i))).collect(),
        }
    }

    fn with_genesis(test: impl FnOnce()) {
        with_validators(2, test)
    }

    /// Accounts 1..=9 with balances, validators 1..=`n` with their keys.
    fn with_validators(n: u8, test: impl FnOnce()) {
        lux_io::TestExternalities::default().execute_with(|| {
            for i in 1..=9 {
                endow(account(i));
            }
            genesis(n).build::<NoRuntime>().expect("valid");
            test();
        });
    }

    fn set_keys(who: u8, key: u8) -> DispatchResultWithPostInfo {
        let proof = pair(key).sign(&ownership_payload(&account(who))).to_vec();
        Call::set_keys { keys: keys(key), proof }
            .dispatch::<NoRuntime>(RawOrigin::Signed(account(who)))
    }

    fn error(result: DispatchResultWithPostInfo) -> &'static str {
        match result.map_err(|e| e.error) {
            Err(lux_support::DispatchError::Module(e)) => e.message.expect("named"),
            other => panic!("not a session error: {other:?}"),
        }
    }

    #[test]
    fn genesis_validation() {
        lux_io::TestExternalities::default().execute_with(|| {
            let ok = genesis(1);
            assert!(GenesisConfig { slot_duration: 0, ..ok.clone() }.build::<NoRuntime>().is_err());
            assert!(GenesisConfig { epoch_length: 0, ..ok.clone() }.build::<NoRuntime>().is_err());
            assert!(GenesisConfig { keys: vec![], ..ok.clone() }.build::<NoRuntime>().is_err());
            // Keys need an account to hold them.
            assert!(ok.build::<NoRuntime>().expect_err("no balance").contains("no balance"));
        });
        lux_io::TestExternalities::default().execute_with(|| {
            endow(account(1));
            endow(account(2));
            let dup = GenesisConfig {
                keys: vec![(account(1), keys(1)), (account(2), keys(1))],
                ..genesis(1)
            };
            assert!(dup.build::<NoRuntime>().expect_err("duplicate key").contains("appears twice"));
        });
        with_genesis(|| {
            assert_eq!(Session::validators(), vec![account(1), account(2)]);
            assert_eq!(Authorities::get(), vec![(keys(1).lux, 1), (keys(2).lux, 1)]);
            assert_eq!(NextAuthorities::get(), Authorities::get());
            assert_eq!(Session::slot_duration(), 1000);
            assert_eq!(Session::key_owner(&keys(2).lux), Some(account(2)));
            assert_eq!(pallet_system::Account::get(account(1)).consumers, 1);
        });
    }

    #[test]
    fn genesis_weights_scale_stake_into_48_bits() {
        with_genesis(|| {
            let stakes = [(account(1), 3u128 << 100), (account(2), 1u128 << 100)];
            Session::set_genesis_validators(&stakes).expect("keys registered");
            let weights: Vec<u64> = Authorities::get().iter().map(|(_, w)| *w).collect();
            assert_eq!(weights[0], 3 * weights[1]);
            assert!(weights.iter().map(|w| u128::from(*w)).sum::<u128>() < 1 << 48);
            assert!(Session::set_genesis_validators(&[(account(3), 1)]).is_err());
        });
    }

    #[test]
    fn set_keys_needs_a_proof_and_an_unused_key() {
        with_genesis(|| {
            // A proof by another key, or of another account, is refused.
            let wrong = pair(4).sign(&ownership_payload(&account(3))).to_vec();
            let call = Call::set_keys { keys: keys(3), proof: wrong };
            assert_eq!(
                error(call.dispatch::<NoRuntime>(RawOrigin::Signed(account(3)))),
                "InvalidProof"
            );
            let other = pair(3).sign(&ownership_payload(&account(4))).to_vec();
            let call = Call::set_keys { keys: keys(3), proof: other };
            assert_eq!(
                error(call.dispatch::<NoRuntime>(RawOrigin::Signed(account(3)))),
                "InvalidProof"
            );
            let short = Call::set_keys { keys: keys(3), proof: vec![0; 10] };
            assert_eq!(
                error(short.dispatch::<NoRuntime>(RawOrigin::Signed(account(3)))),
                "InvalidProof"
            );
            // Another account's key.
            assert_eq!(error(set_keys(3, 1)), "DuplicatedKey");
            // No account.
            assert_eq!(error(set_keys(20, 20)), "NoAccount");

            set_keys(3, 3).expect("registered");
            assert_eq!(NextKeys::get(account(3)), Some(keys(3)));
            assert_eq!(Session::key_owner(&keys(3).lux), Some(account(3)));
            assert_eq!(pallet_system::Account::get(account(3)).consumers, 1);
            // Changing keys frees the old one and keeps one consumer reference.
            set_keys(3, 5).expect("changed");
            assert_eq!(Session::key_owner(&keys(3).lux), None);
            assert_eq!(Session::key_owner(&keys(5).lux), Some(account(3)));
            assert_eq!(pallet_system::Account::get(account(3)).consumers, 1);

            Call::purge_keys.dispatch::<NoRuntime>(RawOrigin::Signed(account(3))).expect("purged");
            assert!(!Session::has_keys(&account(3)));
            assert_eq!(Session::key_owner(&keys(5).lux), None);
            assert_eq!(pallet_system::Account::get(account(3)).consumers, 0);
            assert_eq!(
                error(Call::purge_keys.dispatch::<NoRuntime>(RawOrigin::Signed(account(3)))),
                "NoKeys"
            );
        });
    }

    fn primary(slot: Slot, output: u8) -> PreDigest {
        PreDigest::Primary {
            authority_index: 0,
            slot,
            vrf_output: [output; 32],
            vrf_proof: [0; 64],
        }
    }

    fn secondary(slot: Slot) -> PreDigest {
        PreDigest::Secondary { authority_index: 0, slot }
    }

    /// Starts block `n` with `pre_digest` in its digest, as the executive does.
    fn enter(n: u32, pre_digest: &PreDigest) {
        let mut digest = lux_primitives::Digest::default();
        digest.push(pre_digest.to_digest_item());
        pallet_system::Pallet::<NoRuntime>::initialize(n, Default::default(), &digest);
        Session::on_initialize(n);
    }

    /// The accumulator `start` after absorbing `outputs`.
    fn absorb(start: [u8; 32], outputs: &[[u8; 32]]) -> [u8; 32] {
        use lux_primitives::consensus::accumulate_randomness;
        outputs.iter().fold(start, |acc, o| accumulate_randomness(&acc, o, blake2_256))
    }

    #[test]
    fn epochs_start_at_the_first_block_and_rotate_randomness() {
        with_genesis(|| {
            // Before block 1, any slot starts epoch 0 with zero randomness.
            let epoch = Session::epoch_for_slot(1_000);
            assert_eq!((epoch.index, epoch.start_slot, epoch.length), (0, 1_000, 10));
            assert_eq!(epoch.randomness, [0; 32]);
            assert_eq!(epoch.authorities, vec![(keys(1).lux, 1), (keys(2).lux, 1)]);
            assert_eq!(epoch.primary_probability, PRIMARY_PROBABILITY);

            enter(1, &primary(1_000, 7));
            enter(2, &secondary(1_004));
            enter(3, &primary(1_009, 8));
            assert_eq!(Session::current_index(), 0);
            let state = Epoch::get();
            assert_eq!(state.genesis_slot, Some(1_000));
            assert_eq!((state.index, state.start_slot, state.current_slot), (0, 1_000, 1_009));
            // Slots in this epoch get it; the next epoch's randomness absorbs the primaries of
            // the epoch's first half (slots 1,000..1,005), not the one at 1,009: forks of an
            // epoch's last slots agree on the next randomness.
            assert_eq!(Session::epoch_for_slot(1_009).randomness, [0; 32]);
            let epoch1 = Session::epoch_for_slot(1_010);
            assert_eq!((epoch1.index, epoch1.start_slot), (1, 1_010));
            assert_eq!(epoch1.randomness, absorb([0; 32], &[[7; 32]]));

            // What the node was told is what the runtime records when the block arrives.
            enter(4, &secondary(1_012));
            assert_eq!(Session::current_epoch(), epoch1);
            assert_eq!(Session::current_index(), 1);
            // A slot in epoch 4 after an empty epoch 2 and 3: the randomness is epoch 1's
            // accumulator (no outputs), the index counts the skipped epochs; the session
            // rotates once.
            let epoch4 = Session::epoch_for_slot(1_045);
            assert_eq!((epoch4.index, epoch4.start_slot), (4, 1_040));
            let start = lux_primitives::consensus::randomness_accumulator(
                &epoch1.randomness,
                1,
                blake2_256,
            );
            assert_eq!(epoch4.randomness, absorb(start, &[]));
            enter(5, &primary(1_045, 9));
            assert_eq!(Session::current_epoch(), epoch4);
            assert_eq!(Session::current_index(), 2);
            // Earlier slots get the current epoch, which does not contain them.
            assert_eq!(Session::epoch_for_slot(1_020), epoch4);
        });
    }

    #[test]
    fn randomness_depends_on_the_outputs() {
        let run = |outputs: [u8; 2]| {
            let mut result = [0; 32];
            with_genesis(|| {
                enter(1, &primary(100, outputs[0]));
                enter(2, &primary(101, outputs[1]));
                result = Session::epoch_for_slot(110).randomness;
            });
            result
        };
        assert_eq!(run([1, 2]), run([1, 2]));
        assert_ne!(run([1, 2]), run([2, 1]));
        assert_ne!(run([1, 2]), run([1, 3]));
    }

    #[test]
    fn the_first_block_may_claim_any_slot() {
        with_genesis(|| {
            enter(1, &secondary(0));
            assert_eq!(Epoch::get().genesis_slot, Some(0));
            enter(2, &secondary(1));
        });
    }

    #[test]
    #[should_panic(expected = "slots must increase")]
    fn a_block_may_not_repeat_a_slot() {
        with_genesis(|| {
            enter(1, &secondary(100));
            enter(2, &secondary(100));
        });
    }

    #[test]
    fn blocks_without_a_claim_change_nothing() {
        with_genesis(|| {
            pallet_system::Pallet::<NoRuntime>::initialize(
                1,
                Default::default(),
                &Default::default(),
            );
            assert_eq!(Session::on_initialize(1), Weight::ZERO);
            assert_eq!(Epoch::get(), EpochState::default());
        });
    }

    fn logs() -> Vec<ConsensusLog> {
        let header = lux_primitives::Header {
            parent_hash: Default::default(),
            number: 0,
            state_root: Default::default(),
            extrinsics_root: Default::default(),
            digest: pallet_system::Digest::get(),
        };
        ConsensusLog::find_all(&header)
    }

    #[test]
    fn sessions_rotate_to_the_queued_set_one_session_later() {
        with_genesis(|| {
            set_keys(3, 3).expect("registered");
            enter(1, &secondary(100));
            // The manager picks validators 2 and 3 (stake 1 and 3) for session 2.
            NEXT.with(|n| *n.borrow_mut() = Some(vec![(account(2), 1), (account(3), 3)]));
            enter(2, &secondary(110));
            assert_eq!(Session::current_index(), 1);
            assert_eq!(
                MANAGER_CALLS.with(|c| c.borrow().clone()),
                vec!["end 0", "start 1", "new 2"]
            );
            // Session 1 keeps the genesis set; session 2's set is queued and announced.
            assert_eq!(Session::validators(), vec![account(1), account(2)]);
            assert_eq!(QueuedKeys::get(), vec![(account(2), keys(2)), (account(3), keys(3))]);
            assert!(QueuedChanged::get());
            let next = vec![(keys(2).lux, 1), (keys(3).lux, 3)];
            assert_eq!(logs(), vec![ConsensusLog::NextAuthorities(next.clone())]);
            assert_eq!(Session::epoch_for_slot(119).authorities, Authorities::get());
            assert_eq!(Session::epoch_for_slot(120).authorities, next);
            assert_eq!(Session::finality_set().set_id, 0);

            // The manager keeps the set: session 3 is session 2's validators.
            NEXT.with(|n| *n.borrow_mut() = None);
            enter(3, &secondary(120));
            assert_eq!(Session::validators(), vec![account(2), account(3)]);
            assert_eq!(Authorities::get(), next);
            assert_eq!(
                Session::finality_set(),
                FinalitySet { set_id: 1, authorities: next.clone() }
            );
            assert_eq!(
                logs(),
                vec![
                    ConsensusLog::FinalitySetChange { set_id: 1, authorities: next.clone() },
                    ConsensusLog::NextAuthorities(next.clone()),
                ]
            );
            // The author of a block is the validator at its claim's index.
            assert_eq!(Session::block_author(), Some(account(2)));
            // Same set again: no finality change.
            enter(4, &secondary(130));
            assert_eq!(Session::finality_set().set_id, 1);
            assert_eq!(logs(), vec![ConsensusLog::NextAuthorities(next)]);
        });
    }

    #[test]
    fn an_offender_is_disabled_for_the_rest_of_the_session_and_voted_out() {
        with_validators(4, || {
            enter(1, &secondary(100));
            let all = Authorities::get();
            assert_eq!(
                Session::finality_set(),
                FinalitySet { set_id: 0, authorities: all.clone() }
            );

            // Disabling: once, only current validators, at most (4 - 1) / 3 = 1 of them.
            assert!(Session::disable(&account(3)));
            assert!(!Session::disable(&account(3)));
            assert!(!Session::disable(&account(9)));
            assert!(!Session::disable(&account(4)), "a second offender would pass the limit");
            assert_eq!(DisabledValidators::get(), vec![2]);
            let disabled_events = pallet_system::Pallet::<NoRuntime>::events()
                .into_iter()
                .filter(|r| r.event == Event::ValidatorDisabled { validator: account(3) }.into())
                .count();
            assert_eq!(disabled_events, 1);
            // Its votes: a new finality set without it, announced in this block.
            let without = vec![all[0], all[1], all[3]];
            let set = FinalitySet { set_id: 1, authorities: without.clone() };
            assert_eq!(Session::finality_set(), set);
            assert_eq!(
                logs(),
                vec![ConsensusLog::FinalitySetChange { set_id: 1, authorities: without }]
            );
            // Its blocks are refused for the rest of the session.
            let disabled = PreDigest::Secondary { authority_index: 2, slot: 101 };
            assert!(std::panic::catch_unwind(|| enter(2, &disabled)).is_err());
            enter(2, &secondary(102));

            // Vote equivocations in both of this session's sets can be reported.
            let in_set = |set_id, round| EquivocationProof::Vote {
                first: vote_in(set_id, 1, round, 1),
                second: vote_in(set_id, 1, round, 2),
            };
            report(in_set(0, 1)).expect("the session's first set");
            report(in_set(1, 1)).expect("the set after the disabling");

            // The next session: the offender is back, in a new set.
            enter(3, &secondary(110));
            assert!(DisabledValidators::get().is_empty());
            assert_eq!(
                Session::finality_set(),
                FinalitySet { set_id: 2, authorities: all.clone() }
            );
            assert!(
                logs().contains(&ConsensusLog::FinalitySetChange { set_id: 2, authorities: all })
            );
            let call = |proof| Call::report_equivocation {
                equivocation_proof: alloc::boxed::Box::new(proof),
            };
            let stale = call(in_set(1, 2)).dispatch::<NoRuntime>(RawOrigin::None);
            assert_eq!(error(stale), "StaleEquivocationReport");
            report(in_set(2, 2)).expect("the new session's set");
        });
    }

    #[test]
    fn validators_without_keys_are_not_queued() {
        with_genesis(|| {
            enter(1, &secondary(100));
            // Nobody elected has keys: the queued set stays.
            NEXT.with(|n| *n.borrow_mut() = Some(vec![(account(7), 1)]));
            let queued = QueuedKeys::get();
            enter(2, &secondary(110));
            assert_eq!(QueuedKeys::get(), queued);
            NEXT.with(|n| *n.borrow_mut() = Some(vec![(account(7), 1), (account(1), 5)]));
            enter(3, &secondary(120));
            assert_eq!(QueuedKeys::get(), vec![(account(1), keys(1))]);
        });
    }

    /// A header of block `number` claiming `slot` for authority `index`, sealed by `key`.
    fn sealed(number: u32, slot: Slot, index: u32, key: u8) -> lux_primitives::Header {
        let mut header = lux_primitives::Header {
            parent_hash: Default::default(),
            number,
            state_root: Default::default(),
            extrinsics_root: Default::default(),
            digest: Default::default(),
        };
        header.digest.push(PreDigest::Secondary { authority_index: index, slot }.to_digest_item());
        let pre_hash = blake2_256(&header.encode());
        let seal = pair(key).sign(&pre_hash).to_vec();
        header.digest.push(lux_primitives::DigestItem::Seal(
            lux_primitives::consensus::ENGINE_ID,
            lux_primitives::Sr25519Signature(seal.try_into().expect("64 bytes")).encode(),
        ));
        header
    }

    fn vote(key: u8, round: u64, target: u8) -> lux_primitives::consensus::SignedVote {
        vote_in(0, key, round, target)
    }

    /// `key`'s precommit for block #1 `target` in `round` of finality set `set_id`.
    fn vote_in(
        set_id: u64,
        key: u8,
        round: u64,
        target: u8,
    ) -> lux_primitives::consensus::SignedVote {
        use lux_primitives::consensus::{vote_payload, SignedVote, Vote, VoteKind};
        let vote = Vote {
            kind: VoteKind::Precommit,
            target_hash: lux_primitives::H256::repeat_byte(target),
            target_number: 1,
        };
        let signature = pair(key).sign(&vote_payload(&vote, round, set_id));
        SignedVote {
            vote,
            round,
            set_id,
            voter: keys(key).lux,
            signature: lux_primitives::Sr25519Signature(signature),
        }
    }

    fn report(proof: EquivocationProof) -> DispatchResultWithPostInfo {
        let call = Call::report_equivocation { equivocation_proof: alloc::boxed::Box::new(proof) };
        Session::validate_unsigned(&call)
            .map_err(|_| Error::<NoRuntime>::InvalidEquivocationProof)?;
        call.dispatch::<NoRuntime>(RawOrigin::None)
    }

    #[test]
    fn equivocations_are_checked_deduplicated_and_reported_with_the_slash_fraction() {
        with_genesis(|| {
            enter(1, &secondary(100));
            OFFENCES.with(|o| o.borrow_mut().clear());
            // Two headers for slot 105 sealed by validator 2 (authority index 1).
            let two_blocks = || EquivocationProof::Slot {
                first: sealed(2, 105, 1, 2),
                second: sealed(3, 105, 1, 2),
            };
            // Signed, or with someone else's seal, or for two slots: refused.
            let signed = Call::report_equivocation {
                equivocation_proof: alloc::boxed::Box::new(two_blocks()),
            };
            assert!(signed.dispatch::<NoRuntime>(RawOrigin::Signed(account(1))).is_err());
            let framed = EquivocationProof::Slot {
                first: sealed(2, 105, 1, 2),
                second: sealed(3, 105, 1, 1),
            };
            assert_eq!(error(report(framed)), "InvalidEquivocationProof");
            let two_slots = EquivocationProof::Slot {
                first: sealed(2, 105, 1, 2),
                second: sealed(3, 106, 1, 2),
            };
            assert_eq!(error(report(two_slots)), "InvalidEquivocationProof");
            let header = sealed(2, 105, 1, 2);
            let same = EquivocationProof::Slot { first: header.clone(), second: header };
            assert_eq!(error(report(same)), "InvalidEquivocationProof");

            report(two_blocks()).expect("reported");
            // One offender of two validators: min((3/2)², 1) = 100%.
            let reported = OFFENCES.with(|o| o.borrow().clone());
            assert_eq!(reported, vec![(vec![account(2)], 0, Perbill::one())]);
            // Again: a duplicate, refused in the pool and in a block.
            let call = Call::report_equivocation {
                equivocation_proof: alloc::boxed::Box::new(two_blocks()),
            };
            assert!(Session::validate_unsigned(&call).is_err());
            assert_eq!(
                error(call.dispatch::<NoRuntime>(RawOrigin::None)),
                "DuplicateOffenceReport"
            );

            // Two precommits of validator 1 in round 3 for different blocks.
            let votes = EquivocationProof::Vote { first: vote(1, 3, 1), second: vote(1, 3, 2) };
            let valid = Session::validate_unsigned(&Call::report_equivocation {
                equivocation_proof: alloc::boxed::Box::new(votes.clone()),
            })
            .expect("valid");
            assert_eq!(valid.priority, u64::MAX);
            report(votes).expect("reported");
            let not_conflicting =
                EquivocationProof::Vote { first: vote(1, 4, 1), second: vote(1, 4, 1) };
            assert_eq!(error(report(not_conflicting)), "InvalidEquivocationProof");
            let forged = EquivocationProof::Vote {
                first: vote(1, 5, 1),
                second: lux_primitives::consensus::SignedVote {
                    voter: keys(1).lux,
                    ..vote(2, 5, 2)
                },
            };
            assert_eq!(error(report(forged)), "InvalidEquivocationProof");

            // After the session ends, its offences are stale.
            enter(2, &secondary(110));
            let old = EquivocationProof::Slot {
                first: sealed(2, 105, 1, 2),
                second: sealed(4, 105, 1, 2),
            };
            let call =
                Call::report_equivocation { equivocation_proof: alloc::boxed::Box::new(old) };
            assert_eq!(
                error(call.dispatch::<NoRuntime>(RawOrigin::None)),
                "StaleEquivocationReport"
            );
        });
    }

    thread_local! {
        static NEXT: RefCell<Option<Vec<(AccountId20, u128)>>> = const { RefCell::new(None) };
        static MANAGER_CALLS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    }

    /// A manager whose next set the test chooses.
    struct TestManager;

    impl SessionManager for TestManager {
        fn new_session(new_index: SessionIndex) -> Option<Vec<(AccountId20, u128)>> {
            MANAGER_CALLS.with(|c| c.borrow_mut().push(alloc::format!("new {new_index}")));
            NEXT.with(|n| n.borrow().clone())
        }
        fn end_session(index: SessionIndex) {
            MANAGER_CALLS.with(|c| c.borrow_mut().push(alloc::format!("end {index}")));
        }
        fn start_session(index: SessionIndex) {
            MANAGER_CALLS.with(|c| c.borrow_mut().push(alloc::format!("start {index}")));
        }
    }

    struct NoRuntime;

    #[derive(Clone, Debug, PartialEq, Eq, codec::Encode, codec::Decode, scale_info::TypeInfo)]
    enum Ev {
        S(pallet_system::Event),
        Session(Event),
    }

    impl From<pallet_system::Event> for Ev {
        fn from(e: pallet_system::Event) -> Self {
            Self::S(e)
        }
    }

    impl From<Event> for Ev {
        fn from(e: Event) -> Self {
            Self::Session(e)
        }
    }

    pallet_system::impl_test_config!(NoRuntime, event = Ev, info = Info, pallets = [Pallet<NoRuntime> => 2]);

    impl Config for NoRuntime {
        type RuntimeEvent = Ev;
        type SessionManager = TestManager;
        type ReportOffence = TestOffences;
    }

    thread_local! {
        static OFFENCES: RefCell<Vec<(Vec<AccountId20>, SessionIndex, Perbill)>> =
            const { RefCell::new(Vec::new()) };
    }

    /// Records the offences reported.
    struct TestOffences;

    impl ReportOffence for TestOffences {
        fn report_offence(offenders: &[AccountId20], session: SessionIndex, fraction: Perbill) {
            OFFENCES.with(|o| o.borrow_mut().push((offenders.to_vec(), session, fraction)));
        }
    }
}
