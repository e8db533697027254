//! The EVM's view of the chain state (revm's `Database` over `System.Account` and the EVM
//! pallet's storage), the writing back of an execution's changes, and the host-backed
//! cryptography of the precompiles.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::convert::Infallible;
use core::marker::PhantomData;
use lux_io::bls12_381_op;
use lux_primitives::{AccountId20, Balance, H256};
use revm::bytecode::Bytecode;
use revm::database_interface::Database;
use revm::precompile::bls12_381::{G1Point, G1PointScalar, G2Point, G2PointScalar};
use revm::precompile::{Crypto, PrecompileHalt};
use revm::primitives::{Address, StorageKey, StorageValue, B256, KECCAK_EMPTY, U256};
use revm::state::{AccountInfo, EvmState};

use crate::{
    account, balance_of, AccountCodes, AccountCodesMetadata, AccountStorages, CodeMetadata, Config,
};

/// revm's database over the runtime's storage. Reads go straight to storage (the runtime's
/// host caches them); code is read only when the EVM runs it.
pub struct RuntimeDb<T> {
    /// Addresses of the code hashes seen, so `code_by_hash` knows where the code is.
    code_owners: BTreeMap<B256, AccountId20>,
    _config: PhantomData<T>,
}

impl<T: Config> RuntimeDb<T> {
    /// A view of the current state.
    pub fn new() -> Self {
        install_host_crypto();
        Self { code_owners: BTreeMap::new(), _config: PhantomData }
    }
}

impl<T: Config> Default for RuntimeDb<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Config> Database for RuntimeDb<T> {
    type Error = Infallible;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        let who = account(&address);
        let info = pallet_system::Account::get(who);
        let metadata = AccountCodesMetadata::get(who);
        if info.providers == 0 && info.sufficients == 0 && metadata.is_none() {
            return Ok(None);
        }
        let balance = U256::from(info.data.free.saturating_sub(info.data.frozen));
        let nonce = u64::from(info.nonce);
        Ok(Some(match metadata {
            Some(CodeMetadata { hash, .. }) => {
                let hash = B256::from(hash.0);
                self.code_owners.insert(hash, who);
                AccountInfo { balance, nonce, code_hash: hash, code: None, ..Default::default() }
            }
            None => AccountInfo {
                balance,
                nonce,
                code_hash: KECCAK_EMPTY,
                code: Some(Bytecode::default()),
                ..Default::default()
            },
        }))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        Ok(match self.code_owners.get(&code_hash) {
            Some(owner) => Bytecode::new_raw(AccountCodes::get(owner).into()),
            None => Bytecode::default(),
        })
    }

    fn storage(
        &mut self,
        address: Address,
        index: StorageKey,
    ) -> Result<StorageValue, Self::Error> {
        let slot = H256(index.to_be_bytes::<32>());
        Ok(U256::from_be_bytes(AccountStorages::get(account(&address), slot).0))
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        // The Ethereum view of a block is the block itself: its hash is the block's hash.
        let current = u64::from(pallet_system::Pallet::<T>::block_number());
        if number >= current {
            return Ok(B256::ZERO);
        }
        let number = u32::try_from(number).unwrap_or(u32::MAX);
        Ok(B256::from(pallet_system::BlockHash::get(number).0))
    }
}

/// Writes an execution's changes: code of created contracts, storage, balances and nonces.
/// Balances change the total issuance by their net difference (the base fee is burned this
/// way). A self-destructed contract (created in the same transaction, EIP-6780) and an
/// account left empty (EIP-161) are removed.
pub(crate) fn commit<T: Config>(state: EvmState) {
    let mut minted: Balance = 0;
    let mut burned: Balance = 0;
    for (address, evm_account) in state {
        if !evm_account.is_touched() {
            continue;
        }
        let who = account(&address);
        if evm_account.is_selfdestructed() {
            AccountCodes::remove(who);
            AccountCodesMetadata::remove(who);
            AccountStorages::clear_prefix(who, None);
            let (up, down) = set_account::<T>(&who, 0, 0);
            minted = minted.saturating_add(up);
            burned = burned.saturating_add(down);
            continue;
        }
        if evm_account.is_created() {
            AccountStorages::clear_prefix(who, None);
            if let Some(code) = &evm_account.info.code {
                let bytes = code.original_bytes();
                if !bytes.is_empty() {
                    AccountCodesMetadata::insert(
                        who,
                        CodeMetadata {
                            size: bytes.len() as u64,
                            hash: H256(evm_account.info.code_hash.0),
                        },
                    );
                    AccountCodes::insert(who, bytes.to_vec());
                }
            }
        }
        for (slot, value) in evm_account.changed_storage_slots() {
            let key = H256(slot.to_be_bytes::<32>());
            if value.present_value.is_zero() {
                AccountStorages::remove(who, key);
            } else {
                AccountStorages::insert(who, key, H256(value.present_value.to_be_bytes::<32>()));
            }
        }
        let (up, down) =
            set_account::<T>(&who, balance_of(&evm_account.info.balance), evm_account.info.nonce);
        minted = minted.saturating_add(up);
        burned = burned.saturating_add(down);
    }
    pallet_balances::TotalIssuance::mutate(|total| {
        *total = total.saturating_add(minted).saturating_sub(burned);
    });
}

/// Sets an account's spendable balance (its free balance above what is frozen) and nonce,
/// creating or removing its `System.Account` entry as needed; returns how much its free
/// balance went up and down.
fn set_account<T: Config>(who: &AccountId20, spendable: Balance, nonce: u64) -> (Balance, Balance) {
    let mut info = pallet_system::Account::get(who);
    let existed = info.providers > 0;
    let old_free = info.data.free;
    // The EVM saw only the free balance above the locks; what is below them stays. A lock may
    // exceed the free balance (a slash takes locked funds): the EVM then saw nothing.
    let new_free = old_free.min(info.data.frozen).saturating_add(spendable);
    info.data.free = new_free;
    info.nonce = u32::try_from(nonce).unwrap_or(u32::MAX);
    let delta = (new_free.saturating_sub(old_free), old_free.saturating_sub(new_free));
    let empty = new_free == 0
        && info.nonce == 0
        && info.data.reserved == 0
        && info.consumers == 0
        && !AccountCodesMetadata::contains_key(who);
    if empty {
        if existed {
            pallet_system::Account::remove(who);
            pallet_system::Pallet::<T>::on_killed_account(*who);
        }
        return delta;
    }
    if !existed {
        info.providers = 1;
        pallet_system::Account::insert(who, info);
        pallet_system::Pallet::<T>::on_created_account(*who);
    } else {
        pallet_system::Account::insert(who, info);
    }
    delta
}

/// The precompiles' cryptography, with `ecrecover` done by the host (native secp256k1).
#[derive(Debug)]
struct HostCrypto;

impl Crypto for HostCrypto {
    fn secp256k1_ecrecover(
        &self,
        sig: &[u8; 64],
        recid: u8,
        msg: &[u8; 32],
    ) -> Result<[u8; 32], PrecompileHalt> {
        let mut signature = [0u8; 65];
        signature[..64].copy_from_slice(sig);
        signature[64] = recid;
        let public = lux_io::crypto::secp256k1_ecdsa_recover(&signature, msg)
            .map_err(|_| PrecompileHalt::Secp256k1RecoverFailed)?;
        let mut word = lux_io::hashing::keccak_256(&public);
        word[..12].fill(0);
        Ok(word)
    }

    // sha256 (0x02, and the KZG versioned hash of 0x0a) as well: five times faster per gas
    // natively than in wasm.
    fn sha256(&self, input: &[u8]) -> [u8; 32] {
        lux_io::hashing::sha2_256(input)
    }

    // BN254 goes to the host, which runs revm's own code natively: in wasm it is several
    // times slower per gas than the block weight allows (see BENCHMARKS.md). revm always
    // hands over whole points (it pads its input); anything else stays in wasm.
    fn bn254_g1_add(&self, p1: &[u8], p2: &[u8]) -> Result<[u8; 64], PrecompileHalt> {
        if p1.len() != 64 || p2.len() != 64 {
            return revm::precompile::DefaultCrypto.bn254_g1_add(p1, p2);
        }
        let mut input = [0u8; 128];
        input[..64].copy_from_slice(p1);
        input[64..].copy_from_slice(p2);
        lux_io::crypto::bn254_g1_add(&input).map_err(bn254_halt)
    }

    fn bn254_g1_mul(&self, point: &[u8], scalar: &[u8]) -> Result<[u8; 64], PrecompileHalt> {
        if point.len() != 64 || scalar.len() != 32 {
            return revm::precompile::DefaultCrypto.bn254_g1_mul(point, scalar);
        }
        let mut input = [0u8; 96];
        input[..64].copy_from_slice(point);
        input[64..].copy_from_slice(scalar);
        lux_io::crypto::bn254_g1_mul(&input).map_err(bn254_halt)
    }

    // So does modexp: revm's own code, natively (3 times faster per gas than in wasm).
    fn modexp(&self, base: &[u8], exp: &[u8], modulus: &[u8]) -> Result<Vec<u8>, PrecompileHalt> {
        Ok(lux_io::crypto::modexp(base, exp, modulus))
    }

    fn bn254_pairing_check(&self, pairs: &[(&[u8], &[u8])]) -> Result<bool, PrecompileHalt> {
        if pairs.iter().any(|(g1, g2)| g1.len() != 64 || g2.len() != 128) {
            return revm::precompile::DefaultCrypto.bn254_pairing_check(pairs);
        }
        let input: Vec<u8> =
            pairs.iter().flat_map(|(g1, g2)| g1.iter().chain(g2.iter())).copied().collect();
        lux_io::crypto::bn254_pairing_check(&input).map_err(bn254_halt)
    }

    // P-256, KZG point evaluation and BLS12-381 run natively on the host too (revm's own
    // code): in wasm they took 30 to 165 ns per gas, above the 25 ns of weight a gas buys.
    fn secp256r1_verify_signature(&self, msg: &[u8; 32], sig: &[u8; 64], pk: &[u8; 64]) -> bool {
        lux_io::crypto::secp256r1_verify(msg, sig, pk)
    }

    fn verify_kzg_proof(
        &self,
        z: &[u8; 32],
        y: &[u8; 32],
        commitment: &[u8; 48],
        proof: &[u8; 48],
    ) -> Result<(), PrecompileHalt> {
        let mut input = [0u8; 160];
        input[..32].copy_from_slice(z);
        input[32..64].copy_from_slice(y);
        input[64..112].copy_from_slice(commitment);
        input[112..].copy_from_slice(proof);
        lux_io::crypto::kzg_verify_proof(&input).map_err(host_halt)
    }

    fn bls12_381_g1_add(&self, a: G1Point, b: G1Point) -> Result<[u8; 96], PrecompileHalt> {
        let input: Vec<u8> = [a.0, a.1, b.0, b.1].concat();
        bls12_381(bls12_381_op::G1_ADD, &input)
    }

    fn bls12_381_g1_msm(
        &self,
        pairs: &mut dyn Iterator<Item = Result<G1PointScalar, PrecompileHalt>>,
    ) -> Result<[u8; 96], PrecompileHalt> {
        msm(bls12_381_op::G1_MSM, pairs, |((x, y), scalar), input| {
            input.extend_from_slice(&[x, y].concat());
            input.extend_from_slice(&scalar);
        })
    }

    fn bls12_381_g2_add(&self, a: G2Point, b: G2Point) -> Result<[u8; 192], PrecompileHalt> {
        let input: Vec<u8> = [a.0, a.1, a.2, a.3, b.0, b.1, b.2, b.3].concat();
        bls12_381(bls12_381_op::G2_ADD, &input)
    }

    fn bls12_381_g2_msm(
        &self,
        pairs: &mut dyn Iterator<Item = Result<G2PointScalar, PrecompileHalt>>,
    ) -> Result<[u8; 192], PrecompileHalt> {
        msm(bls12_381_op::G2_MSM, pairs, |(point, scalar), input| {
            input.extend_from_slice(&[point.0, point.1, point.2, point.3].concat());
            input.extend_from_slice(&scalar);
        })
    }

    fn bls12_381_pairing_check(
        &self,
        pairs: &[(G1Point, G2Point)],
    ) -> Result<bool, PrecompileHalt> {
        let mut input = Vec::with_capacity(pairs.len() * 288);
        for (a, b) in pairs {
            input.extend_from_slice(&[a.0, a.1, b.0, b.1, b.2, b.3].concat());
        }
        let output: [u8; 1] = bls12_381(bls12_381_op::PAIRING_CHECK, &input)?;
        Ok(output[0] == 1)
    }

    fn bls12_381_fp_to_g1(&self, fp: &[u8; 48]) -> Result<[u8; 96], PrecompileHalt> {
        bls12_381(bls12_381_op::MAP_FP_TO_G1, fp)
    }

    fn bls12_381_fp2_to_g2(&self, fp2: ([u8; 48], [u8; 48])) -> Result<[u8; 192], PrecompileHalt> {
        bls12_381(bls12_381_op::MAP_FP2_TO_G2, &[fp2.0, fp2.1].concat())
    }
}

/// A BLS12-381 operation on the host, with its output of `N` bytes.
fn bls12_381<const N: usize>(op: u32, input: &[u8]) -> Result<[u8; N], PrecompileHalt> {
    let output = lux_io::crypto::bls12_381(op, input).map_err(host_halt)?;
    output.try_into().map_err(|_| PrecompileHalt::Other("bls12-381: output length".into()))
}

/// An MSM on the host of the pairs revm hands over (each appended to the input by `encode`).
/// revm reads the pairs one by one and checks each one's padding as it hands it over: the
/// pairs before a refused one go to the host, and a refusal among them comes first.
fn msm<P, const N: usize>(
    op: u32,
    pairs: &mut dyn Iterator<Item = Result<P, PrecompileHalt>>,
    encode: impl Fn(P, &mut Vec<u8>),
) -> Result<[u8; N], PrecompileHalt> {
    let mut input = Vec::new();
    let mut refused = None;
    for pair in pairs {
        match pair {
            Ok(pair) => encode(pair, &mut input),
            Err(halt) => {
                refused = Some(halt);
                break;
            }
        }
    }
    if input.is_empty() {
        if let Some(halt) = refused {
            return Err(halt);
        }
    }
    let point = bls12_381(op, &input)?;
    match refused {
        Some(halt) => Err(halt),
        None => Ok(point),
    }
}

/// revm's halt for a refusal the host reports with revm's own message (the message is what
/// a halted call reports, so it reads the same as if revm had run in wasm).
fn host_halt(message: String) -> PrecompileHalt {
    PrecompileHalt::other(message)
}

/// revm's reason for a BN254 refusal the host reports.
fn bn254_halt(error: lux_io::Bn254Error) -> PrecompileHalt {
    match error {
        lux_io::Bn254Error::NotAFieldElement => PrecompileHalt::Bn254FieldPointNotAMember,
        lux_io::Bn254Error::NotOnCurve => PrecompileHalt::Bn254AffineGFailedToCreate,
        lux_io::Bn254Error::PairLength => PrecompileHalt::Bn254PairLength,
    }
}

/// Installs [`HostCrypto`] for revm's precompiles (once; later calls do nothing).
fn install_host_crypto() {
    let _ = revm::install_crypto(HostCrypto);
}
