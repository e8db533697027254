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
}
