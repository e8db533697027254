//! Block execution: initializing a block, applying extrinsics (signature, signed extensions,
//! dispatch, fees), finalizing it, validating transactions for the pool, and executing a
//! whole block on import.

use alloc::boxed::Box;
use alloc::vec::Vec;
use codec::Encode;
use lux_io::{crypto, hashing};
use lux_primitives::consensus::EquivocationProof;
use lux_primitives::dispatch::DispatchInfo;
use lux_primitives::extrinsic::{signing_payload, MAX_UNHASHED_PAYLOAD_LEN};
use lux_primitives::inherent::{CheckInherentsResult, InherentData, TIMESTAMP_INHERENT_ID};
use lux_primitives::transaction::{
    ApplyExtrinsicResult, InvalidTransaction, TransactionSource, TransactionValidity,
    TransactionValidityError, UnknownTransaction,
};
use lux_primitives::upgrade::CodeRollback;
use lux_primitives::{AccountId20, DigestItem, SignedExtra, H256};
use lux_support::{
    with_storage_layer, DispatchClass, DispatchResultWithPostInfo, Dispatchable, GetDispatchInfo,
    Hooks, RawOrigin,
};
use pallet_system::extensions;

use crate::configs::BLOCK_WEIGHTS;
use crate::{
    AllPallets, Block, Ethereum, Header, Runtime, RuntimeCall, Session, System, Timestamp,
    TransactionPayment, UncheckedExtrinsic,
};

/// An extrinsic whose signature has been checked.
pub struct CheckedExtrinsic {
    /// The sender and the signed-extension data, if signed.
    pub signed: Option<(AccountId20, SignedExtra)>,
    /// The call.
    pub function: RuntimeCall,
}

/// The message a signed extrinsic's signature must sign: keccak256 of the signing payload
/// (blake2_256-hashed first if longer than 256 bytes). The payload includes the implicit data
/// (spec and transaction version, genesis hash, the era's birth block), so a signature made
/// for another chain, version or fork does not verify.
fn signed_message(
    function: &RuntimeCall,
    extra: &SignedExtra,
) -> Result<[u8; 32], TransactionValidityError> {
    let implicit = extensions::implicit::<Runtime>(extra.era)?;
    let payload = signing_payload(function, extra, &implicit);
    Ok(if payload.len() > MAX_UNHASHED_PAYLOAD_LEN {
        hashing::keccak_256(&hashing::blake2_256(&payload))
    } else {
        hashing::keccak_256(&payload)
    })
}

/// Checks the signature: the 65-byte secp256k1 signature over the [`signed_message`] must
/// recover the sender's address.
pub fn check(uxt: UncheckedExtrinsic) -> Result<CheckedExtrinsic, TransactionValidityError> {
    let Some((signer, signature, extra)) = uxt.signature else {
        return Ok(CheckedExtrinsic { signed: None, function: uxt.function });
    };
    let digest = signed_message(&uxt.function, &extra)?;
    let public = crypto::secp256k1_ecdsa_recover(&signature.0, &digest)
        .map_err(|_| InvalidTransaction::BadProof)?;
    if AccountId20::from_public_key_with(&public, hashing::keccak_256) != signer {
        return Err(InvalidTransaction::BadProof.into());
    }
    Ok(CheckedExtrinsic { signed: Some((signer, extra)), function: uxt.function })
}

/// The (signature, message) pairs of the signed extrinsics of the block `header` starts, for
/// the host to recover in parallel while it executes the block. Called on the parent's state
/// (the host discards what it changes): the block's number and its parent's hash are recorded
/// first, as the block's initialization records them, because a signed payload names its
/// birth block's hash, which for a transaction born at the parent only the block itself
/// records (and block 0's, which block 1 records). Extrinsics whose message cannot be computed
/// are left out (they are checked when applied, as always).
pub fn signed_messages(
    header: &Header,
    extrinsics: Vec<UncheckedExtrinsic>,
) -> Vec<([u8; 65], [u8; 32])> {
    System::note_block(header.number, header.parent_hash);
    extrinsics
        .into_iter()
        .filter_map(|uxt| match (&uxt.signature, &uxt.function) {
            (Some((_, signature, extra)), function) => {
                Some((signature.0, signed_message(function, extra).ok()?))
            }
            (None, RuntimeCall::Ethereum(pallet_ethereum::Call::transact { transaction })) => {
                pallet_ethereum::signed_message(transaction)
            }
            (None, _) => None,
        })
        .collect()
}

/// The validity of an unsigned call that is not an inherent: only equivocation reports
/// (checked by the session pallet), the authorized runtime upgrade (checked by the system
/// pallet) and Ethereum transactions (checked by the Ethereum pallet) are accepted.
fn validate_unsigned(call: &RuntimeCall) -> TransactionValidity {
    match call {
        RuntimeCall::Session(call) => Session::validate_unsigned(call),
        RuntimeCall::System(call) => System::validate_unsigned(call),
        RuntimeCall::Ethereum(call) => Ethereum::validate_unsigned(call),
        _ => Err(UnknownTransaction::NoUnsignedValidator.into()),
    }
}

/// What an unsigned call must satisfy to be applied in a block, beyond its pool validity: an
/// Ethereum transaction's nonce must be exactly its sender's (the pool accepts future ones).
fn pre_dispatch_unsigned(call: &RuntimeCall) -> Result<(), TransactionValidityError> {
    match call {
        RuntimeCall::Ethereum(call) => Ethereum::pre_dispatch(call),
        call => validate_unsigned(call).map(|_| ()),
    }
}

/// The unsigned extrinsic reporting `proof` (`LuxConsensusApi_report_equivocation`: the node
/// submits it to its pool).
pub fn equivocation_report(proof: EquivocationProof) -> UncheckedExtrinsic {
    let call = pallet_session::Call::report_equivocation { equivocation_proof: Box::new(proof) };
    UncheckedExtrinsic::new_unsigned(RuntimeCall::Session(call))
}

/// Whether `call` is an inherent (put into the block by its author, unsigned).
pub fn is_inherent(call: &RuntimeCall) -> bool {
    matches!(call, RuntimeCall::Timestamp(_))
}

/// Starts a block: only the header's pre-runtime digest items are passed on (the runtime adds
/// its own items while executing). Runs migrations on the first block of a new runtime version,
/// then every pallet's `on_initialize`.
pub fn initialize_block(header: &Header) {
    let mut digest = lux_primitives::Digest::default();
    for item in &header.digest.logs {
        if matches!(item, DigestItem::PreRuntime(..)) {
            digest.push(item.clone());
        }
    }
    System::initialize(header.number, header.parent_hash, &digest);
    match CodeRollback::find(&header.digest) {
        Some(_) => System::roll_back_code(),
        None => System::end_code_probation(),
    }
    // The trapping test runtime (see `build.rs`): it cannot run a single block.
    #[cfg(feature = "upgrade-trap")]
    if !upgrade_trap::fails_in_inherents() {
        panic!("the upgrade-trap test runtime panics in every block's initialization");
    }
    let mut weight = BLOCK_WEIGHTS.base_block;
    if System::take_runtime_upgraded() {
        weight = weight.saturating_add(AllPallets::on_runtime_upgrade());
    }
    weight = weight.saturating_add(AllPallets::on_initialize(header.number));
    System::register_extra_weight(weight, DispatchClass::Mandatory);
    System::note_finished_initialize();
}

/// Applies one extrinsic to the block being built or executed. `Err` means the extrinsic may
/// not be in the block at all (the caller discards its changes); `Ok(Err(_))` means it is
/// included but its call failed (fees are still charged).
pub fn apply_extrinsic(uxt: UncheckedExtrinsic) -> ApplyExtrinsicResult {
    let encoded = uxt.encode();
    let len = encoded.len() as u32;
    let xt = check(uxt)?;
    let info = xt.function.get_dispatch_info();
    match &xt.signed {
        None if !is_inherent(&xt.function) => {
            pre_dispatch_unsigned(&xt.function)?;
        }
        Some(_) if info.class == DispatchClass::Mandatory => {
            return Err(InvalidTransaction::BadMandatory.into())
        }
        _ => {}
    }
    System::note_extrinsic(encoded);
    let result = match xt.signed {
        Some((who, extra)) => apply_signed(who, extra, xt.function, &info, len)?,
        None => {
            extensions::pre_dispatch_weight::<Runtime>(&info, len as usize)?;
            let result = with_storage_layer(|| xt.function.dispatch(RawOrigin::None));
            if result.is_err() && info.class == DispatchClass::Mandatory {
                return Err(InvalidTransaction::BadMandatory.into());
            }
            let post_info = match &result {
                Ok(post_info) => *post_info,
                Err(e) => e.post_info,
            };
            extensions::post_dispatch_weight(&info, &post_info);
            result
        }
    };
    System::note_applied_extrinsic(&result, info);
    Ok(result.map(|_| ()).map_err(|e| e.error))
}

/// The signed extensions in their order, then the dispatch in its own storage layer (so a
/// failed call leaves no changes but the nonce and the fee), then fee correction.
fn apply_signed(
    who: AccountId20,
    extra: SignedExtra,
    call: RuntimeCall,
    info: &DispatchInfo,
    len: u32,
) -> Result<DispatchResultWithPostInfo, TransactionValidityError> {
    extensions::check_non_zero_sender(&who)?;
    extensions::pre_dispatch_nonce::<Runtime>(&who, extra.nonce)?;
    extensions::pre_dispatch_weight::<Runtime>(info, len as usize)?;
    let withdrawn = TransactionPayment::withdraw_fee(&who, info, len, extra.tip)?;
    let result = with_storage_layer(|| call.dispatch(RawOrigin::Signed(who)));
    let post_info = match &result {
        Ok(post_info) => *post_info,
        Err(e) => e.post_info,
    };
    extensions::post_dispatch_weight(info, &post_info);
    TransactionPayment::correct_and_deposit_fee(&who, info, &post_info, len, extra.tip, withdrawn);
    Ok(result)
}

/// Ends the block and returns its header (without seal).
pub fn finalize_block() -> Header {
    if let Some(claim) = CodeRollback::find(&pallet_system::Digest::get()) {
        // Importers fed the claimed inherent data to the failed code: it must be this block's
        // own, or an author could pick data on which the new code fails.
        if claim.inherent_data != block_inherent_data() {
            panic!("invalid block: its code rollback claims other inherent data than its own");
        }
    }
    System::note_finished_extrinsics();
    AllPallets::on_finalize(System::block_number());
    System::finalize()
}

/// Executes a whole block as an importing node does, panicking (which aborts the execution)
/// if it is invalid: an inherent after a transaction, an extrinsic that may not be included,
/// or a header that does not match the result (state root, extrinsics root, digest).
pub fn execute_block(block: Block) {
    let Block { header, extrinsics } = block;
    initialize_block(&header);
    let mut seen_transaction = false;
    for (index, uxt) in extrinsics.into_iter().enumerate() {
        let inherent = uxt.signature.is_none() && is_inherent(&uxt.function);
        if inherent && seen_transaction {
            panic!("invalid block: inherent extrinsic {index} comes after a transaction");
        }
        seen_transaction |= !inherent;
        if let Err(e) = apply_extrinsic(uxt) {
            panic!("invalid block: extrinsic {index} cannot be included: {}", e.message());
        }
    }
    let computed = finalize_block();
    if computed.state_root != header.state_root {
        panic!(
            "invalid block: state root {:?} in header, {:?} after execution",
            header.state_root, computed.state_root
        );
    }
    if computed.extrinsics_root != header.extrinsics_root {
        panic!("invalid block: extrinsics root does not match its extrinsics");
    }
    if computed.digest != header.digest {
        panic!("invalid block: digest does not match the one produced by execution");
    }
}

/// Validates a transaction for the pool, on the state of `block_hash` as if it were going into
/// the next block.
pub fn validate_transaction(
    _source: TransactionSource,
    uxt: UncheckedExtrinsic,
    block_hash: H256,
) -> TransactionValidity {
    System::initialize(System::block_number() + 1, block_hash, &Default::default());
    let len = uxt.encoded_size() as u32;
    let xt = check(uxt)?;
    let info = xt.function.get_dispatch_info();
    if info.class == DispatchClass::Mandatory {
        return Err(InvalidTransaction::MandatoryValidation.into());
    }
    let Some((who, extra)) = xt.signed else {
        if is_inherent(&xt.function) {
            return Err(UnknownTransaction::NoUnsignedValidator.into());
        }
        extensions::validate_weight::<Runtime>(&info, len as usize)?;
        return validate_unsigned(&xt.function);
    };
    extensions::check_non_zero_sender(&who)?;
    extensions::validate_weight::<Runtime>(&info, len as usize)?;
    let mut valid = extensions::validate_nonce(&who, extra.nonce)?;
    TransactionPayment::withdraw_fee(&who, &info, len, extra.tip)?;
    valid.priority = TransactionPayment::priority(extra.tip);
    valid.longevity = extensions::longevity(extra.era);
    Ok(valid)
}

/// The inherents for a new block: the timestamp.
pub fn inherent_extrinsics(data: InherentData) -> Vec<UncheckedExtrinsic> {
    // The trapping test runtime (see `build.rs`), when told to fail here.
    #[cfg(feature = "upgrade-trap")]
    if upgrade_trap::fails_in_inherents() {
        panic!("the upgrade-trap test runtime panics in inherent creation");
    }
    Timestamp::create_inherent(&data)
        .map(|call| UncheckedExtrinsic::new_unsigned(call.into()))
        .into_iter()
        .collect()
}

/// The inherent data the current block's inherents were created from: its timestamp.
fn block_inherent_data() -> InherentData {
    let mut data = InherentData::new();
    data.put(TIMESTAMP_INHERENT_ID, &Timestamp::now());
    data
}

/// Checks a block's inherents against the importing node's inherent data (its clock).
pub fn check_inherents(block: Block, data: InherentData) -> CheckInherentsResult {
    let mut result = CheckInherentsResult::default();
    for uxt in &block.extrinsics {
        if uxt.signature.is_some() {
            continue;
        }
        if let RuntimeCall::Timestamp(call) = &uxt.function {
            if let Err(e) = Timestamp::check_inherent(call, &data) {
                result.put_error(pallet_timestamp::Pallet::<Runtime>::INHERENT_IDENTIFIER, &e);
            }
        }
    }
    result
}

/// Where the trapping test runtime fails: in every block's initialization, unless the state
/// holds `inherents` under `luxtensor:upgrade-trap` (which `System.set_storage` can write
/// before the upgrade); then in inherent creation, which the probation check must cover too.
#[cfg(feature = "upgrade-trap")]
mod upgrade_trap {
    pub fn fails_in_inherents() -> bool {
        lux_io::storage::get(b"luxtensor:upgrade-trap").as_deref() == Some(&b"inherents"[..])
    }
}
