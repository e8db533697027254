//! Native implementations of the Host API's crypto and logging functions, shared by the native
//! path of this crate and the node's wasm executor so both compute exactly the same thing.

use crate::{Bn254Error, EcdsaVerifyError, LogLevel};
use revm::precompile::{Crypto, DefaultCrypto, PrecompileHalt};
use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::Message;

/// `ext_crypto_secp256k1_ecdsa_recover_version_2`: recovers the uncompressed public key
/// (without `0x04`) from a 65-byte `r ++ s ++ v` signature of a 32-byte message. Overflowing
/// `r`/`s` values are rejected (version 2 semantics).
pub fn secp256k1_ecdsa_recover(
    sig: &[u8; 65],
    msg: &[u8; 32],
) -> Result<[u8; 64], EcdsaVerifyError> {
    let recid = match sig[64] {
        0 | 27 => RecoveryId::Zero,
        1 | 28 => RecoveryId::One,
        2 | 29 => RecoveryId::Two,
        3 | 30 => RecoveryId::Three,
        _ => return Err(EcdsaVerifyError::BadV),
    };
    let signature = RecoverableSignature::from_compact(&sig[..64], recid)
        .map_err(|_| EcdsaVerifyError::BadRS)?;
    let public = signature
        .recover_ecdsa(Message::from_digest(*msg))
        .map_err(|_| EcdsaVerifyError::BadSignature)?;
    let uncompressed = public.serialize_uncompressed();
    let mut out = [0u8; 64];
    out.copy_from_slice(&uncompressed[1..]);
    Ok(out)
}

/// The reason of a BN254 precompile's refusal.
fn bn254_error(halt: PrecompileHalt) -> Bn254Error {
    match halt {
        PrecompileHalt::Bn254FieldPointNotAMember => Bn254Error::NotAFieldElement,
        PrecompileHalt::Bn254PairLength => Bn254Error::PairLength,
        _ => Bn254Error::NotOnCurve,
    }
}

/// `ext_crypto_bn254_g1_add_version_1`: revm's own BN254 code (arkworks), run natively.
pub fn bn254_g1_add(input: &[u8; 128]) -> Result<[u8; 64], Bn254Error> {
    DefaultCrypto.bn254_g1_add(&input[..64], &input[64..]).map_err(bn254_error)
}

/// `ext_crypto_bn254_g1_mul_version_1`.
pub fn bn254_g1_mul(input: &[u8; 96]) -> Result<[u8; 64], Bn254Error> {
    DefaultCrypto.bn254_g1_mul(&input[..64], &input[64..]).map_err(bn254_error)
}

/// `ext_crypto_bn254_pairing_check_version_1`: `input` is whole (G1, G2) pairs of 192 bytes.
pub fn bn254_pairing_check(input: &[u8]) -> Result<bool, Bn254Error> {
    if !input.len().is_multiple_of(192) {
        return Err(Bn254Error::PairLength);
    }
    let pairs: Vec<(&[u8], &[u8])> =
        input.chunks_exact(192).map(|pair| (&pair[..64], &pair[64..])).collect();
    DefaultCrypto.bn254_pairing_check(&pairs).map_err(bn254_error)
}

/// `ext_crypto_modexp_version_1`: revm's modular exponentiation (aurora-engine-modexp), run
/// natively. revm's own never fails; were it to, the output would be empty.
pub fn modexp(base: &[u8], exponent: &[u8], modulus: &[u8]) -> Vec<u8> {
    DefaultCrypto.modexp(base, exponent, modulus).unwrap_or_default()
}

/// `ext_crypto_secp256r1_verify_version_1`: revm's P-256 verification, run natively.
pub fn secp256r1_verify(msg: &[u8; 32], sig: &[u8; 64], public: &[u8; 64]) -> bool {
    DefaultCrypto.secp256r1_verify_signature(msg, sig, public)
}

/// `ext_crypto_kzg_verify_proof_version_1`: revm's EIP-4844 proof check (blst, against the
/// mainnet setup's tau G2), run natively; `input` is `z ++ y ++ commitment ++ proof`.
pub fn kzg_verify_proof(input: &[u8; 160]) -> Result<(), String> {
    let z: [u8; 32] = std::array::from_fn(|i| input[i]);
    let y: [u8; 32] = std::array::from_fn(|i| input[32 + i]);
    let commitment: [u8; 48] = std::array::from_fn(|i| input[64 + i]);
    let proof: [u8; 48] = std::array::from_fn(|i| input[112 + i]);
    DefaultCrypto.verify_kzg_proof(&z, &y, &commitment, &proof).map_err(|halt| halt.to_string())
}

/// The `i`th 48-byte field element of `bytes` (callers pass whole points).
fn fp(bytes: &[u8], i: usize) -> [u8; 48] {
    std::array::from_fn(|j| bytes[48 * i + j])
}

/// The unpadded BLS12-381 G1 point (x ++ y) at the start of `bytes`.
fn g1(bytes: &[u8]) -> ([u8; 48], [u8; 48]) {
    (fp(bytes, 0), fp(bytes, 1))
}

/// The unpadded BLS12-381 G2 point (x.c0 ++ x.c1 ++ y.c0 ++ y.c1) at the start of `bytes`.
fn g2(bytes: &[u8]) -> ([u8; 48], [u8; 48], [u8; 48], [u8; 48]) {
    (fp(bytes, 0), fp(bytes, 1), fp(bytes, 2), fp(bytes, 3))
}

/// The 32-byte scalar at `from` in `bytes`.
fn scalar(bytes: &[u8], from: usize) -> [u8; 32] {
    std::array::from_fn(|j| bytes[from + j])
}

/// `ext_crypto_bls12_381_version_1`: revm's BLS12-381 code (EIP-2537), run natively. The
/// input's layout is checked here (the runtime sends whole points); its halt reasons are
/// revm's own.
pub fn bls12_381(op: u32, input: &[u8]) -> Result<Vec<u8>, String> {
    use crate::bls12_381_op::*;
    let halt = |halt: PrecompileHalt| halt.to_string();
    let whole = |size: usize| {
        if input.len().is_multiple_of(size) {
            Ok(input.chunks_exact(size))
        } else {
            Err(format!("bls12-381: the input is not whole items of {size} bytes"))
        }
    };
    match op {
        G1_ADD if input.len() == 192 => {
            let sum = DefaultCrypto.bls12_381_g1_add(g1(input), g1(&input[96..]));
            sum.map(|point| point.to_vec()).map_err(halt)
        }
        G2_ADD if input.len() == 384 => {
            let sum = DefaultCrypto.bls12_381_g2_add(g2(input), g2(&input[192..]));
            sum.map(|point| point.to_vec()).map_err(halt)
        }
        G1_MSM => {
            let mut pairs = whole(128)?.map(|pair| Ok((g1(pair), scalar(pair, 96))));
            DefaultCrypto.bls12_381_g1_msm(&mut pairs).map(|point| point.to_vec()).map_err(halt)
        }
        G2_MSM => {
            let mut pairs = whole(224)?.map(|pair| Ok((g2(pair), scalar(pair, 192))));
            DefaultCrypto.bls12_381_g2_msm(&mut pairs).map(|point| point.to_vec()).map_err(halt)
        }
        PAIRING_CHECK => {
            let pairs: Vec<_> = whole(288)?.map(|pair| (g1(pair), g2(&pair[96..]))).collect();
            DefaultCrypto.bls12_381_pairing_check(&pairs).map(|ok| vec![u8::from(ok)]).map_err(halt)
        }
        MAP_FP_TO_G1 if input.len() == 48 => {
            let element = fp(input, 0);
            DefaultCrypto.bls12_381_fp_to_g1(&element).map(|point| point.to_vec()).map_err(halt)
        }
        MAP_FP2_TO_G2 if input.len() == 96 => {
            let element = (fp(input, 0), fp(input, 1));
            DefaultCrypto.bls12_381_fp2_to_g2(element).map(|point| point.to_vec()).map_err(halt)
        }
        _ => Err(format!("bls12-381: operation {op} with {} bytes of input", input.len())),
    }
}

/// `ext_crypto_sr25519_verify_version_2`, signing context `substrate`.
pub fn sr25519_verify(sig: &[u8; 64], msg: &[u8], public: &[u8; 32]) -> bool {
    let Ok(signature) = schnorrkel::Signature::from_bytes(sig) else { return false };
    let Ok(public) = schnorrkel::PublicKey::from_bytes(public) else { return false };
    public.verify_simple(b"substrate", msg, &signature).is_ok()
}

/// `ext_logging_log_version_1`: forwards to `tracing` under the runtime's target.
pub fn log(level: LogLevel, target: &str, message: &[u8]) {
    let message = String::from_utf8_lossy(message);
    match level {
        LogLevel::Error => tracing::error!(target: "runtime", "[{target}] {message}"),
        LogLevel::Warn => tracing::warn!(target: "runtime", "[{target}] {message}"),
        LogLevel::Info => tracing::info!(target: "runtime", "[{target}] {message}"),
        LogLevel::Debug => tracing::debug!(target: "runtime", "[{target}] {message}"),
        LogLevel::Trace => tracing::trace!(target: "runtime", "[{target}] {message}"),
    }
}

/// `ext_logging_max_level_version_1`: the most verbose level `tracing` keeps for the
/// `runtime` target, as a log-level filter (0 = off, 1 = error, ..., 5 = trace).
pub fn max_level() -> u32 {
    use tracing::level_filters::LevelFilter;
    match LevelFilter::current() {
        LevelFilter::OFF => 0,
        LevelFilter::ERROR => 1,
        LevelFilter::WARN => 2,
        LevelFilter::INFO => 3,
        LevelFilter::DEBUG => 4,
        _ => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secp256k1::SecretKey;

    #[test]
    fn recover_round_trip_and_errors() {
        let secret = SecretKey::from_secret_bytes([7u8; 32]).expect("valid key");
        let msg = [9u8; 32];
        let sig = RecoverableSignature::sign_ecdsa_recoverable(Message::from_digest(msg), &secret);
        let (recid, rs) = sig.serialize_compact();
        let mut raw = [0u8; 65];
        raw[..64].copy_from_slice(&rs);
        raw[64] = recid.to_u8();
        let public = secp256k1::PublicKey::from_secret_key(&secret);
        let expected = &public.serialize_uncompressed()[1..];
        assert_eq!(&secp256k1_ecdsa_recover(&raw, &msg).expect("recovers")[..], expected);
        raw[64] += 27;
        assert_eq!(&secp256k1_ecdsa_recover(&raw, &msg).expect("recovers")[..], expected);
        raw[64] = 5;
        assert_eq!(secp256k1_ecdsa_recover(&raw, &msg), Err(EcdsaVerifyError::BadV));
        let mut overflow = [0xffu8; 65];
        overflow[64] = 0;
        assert_eq!(secp256k1_ecdsa_recover(&overflow, &msg), Err(EcdsaVerifyError::BadRS));
    }

    #[test]
    fn kzg_proofs_are_checked_with_the_mainnet_setup() {
        // c-kzg-4844's verify_kzg_proof_case_correct_proof_4_4: z, y, commitment, proof.
        let input = hex_bytes(concat!(
            "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000",
            "1522a4a7f34e1ea350ae07c29c96c7e79655aa926122e95fe69fcbd932ca49e9",
            "8f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca25f26936857bc3a7c2539ea8ec3a952b7",
            "a62ad71d14c5719385c0686f1871430475bf3a00f0aa3f7b8dd99a9abc2160744faf0070725e00b60ad9a026a15b1a8c",
        ));
        let mut input: [u8; 160] = input.try_into().expect("160 bytes");
        assert_eq!(kzg_verify_proof(&input), Ok(()));
        input[63] ^= 1;
        assert_eq!(kzg_verify_proof(&input), Err("verifying blob kzg proof failed".into()));
        // A commitment that is no point: refused the same way.
        input[64..112].fill(0xff);
        assert_eq!(kzg_verify_proof(&input), Err("verifying blob kzg proof failed".into()));
    }

    fn hex_bytes(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect()
    }
}
