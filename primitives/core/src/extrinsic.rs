//! Extrinsic format v4: `Compact(len) ++ version ++ [address ++ signature ++ extra] ++ call`.
//!
//! The version byte is `0x84` for signed and `0x04` for unsigned extrinsics. The address is a
//! 20-byte account, the signature a 65-byte secp256k1 signature over keccak256 of the signing
//! payload, and `extra` the explicit data of LuxTensor's eight signed extensions, in this order:
//! CheckNonZeroSender, CheckSpecVersion, CheckTxVersion, CheckGenesis, CheckMortality (era),
//! CheckNonce (compact nonce), CheckWeight, ChargeTransactionPayment (compact tip).

use alloc::vec::Vec;
use codec::{Compact, Decode, DecodeWithMemTracking, Encode, Error, Input};
use scale_info::{build::Fields, meta_type, Path, Type, TypeInfo, TypeParameter};

use crate::{AccountId20, Balance, Era, EthereumSignature, Nonce, H256};

/// The extrinsic format version.
pub const EXTRINSIC_FORMAT_VERSION: u8 = 4;
/// Set in the version byte of signed extrinsics.
const SIGNED_FLAG: u8 = 0b1000_0000;
/// Nesting limit when decoding calls (a `sudo(sudo(...))` bomb must not overflow the stack).
pub const MAX_EXTRINSIC_DEPTH: u32 = 256;
/// Signing payloads longer than this are blake2_256-hashed before signing.
pub const MAX_UNHASHED_PAYLOAD_LEN: usize = 256;

/// Names of the signed extensions, in encoding order (metadata lists them so).
pub const SIGNED_EXTENSIONS: [&str; 8] = [
    "CheckNonZeroSender",
    "CheckSpecVersion",
    "CheckTxVersion",
    "CheckGenesis",
    "CheckMortality",
    "CheckNonce",
    "CheckWeight",
    "ChargeTransactionPayment",
];

/// The explicit data of the signed extensions, carried in every signed extrinsic.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo,
)]
pub struct SignedExtra {
    /// CheckMortality: the transaction's validity window.
    pub era: Era,
    /// CheckNonce: the sender's nonce.
    #[codec(compact)]
    pub nonce: Nonce,
    /// ChargeTransactionPayment: a tip on top of the fee, which also raises priority.
    #[codec(compact)]
    pub tip: Balance,
}

/// The implicit data of the signed extensions: signed, but not transmitted, so a transaction
/// signed for another chain, runtime version or fork is rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Implicit {
    /// CheckSpecVersion: the runtime's `spec_version`.
    pub spec_version: u32,
    /// CheckTxVersion: the runtime's `transaction_version`.
    pub transaction_version: u32,
    /// CheckGenesis: the genesis hash.
    pub genesis_hash: H256,
    /// CheckMortality: the hash of the era's birth block (the genesis hash if immortal).
    pub era_block_hash: H256,
}

/// The bytes a sender signs: `SCALE(call, extra, implicit)`. Callers hash them with blake2_256
/// first when they are longer than [`MAX_UNHASHED_PAYLOAD_LEN`]; see [`signing_message`].
pub fn signing_payload<Call: Encode>(
    call: &Call,
    extra: &SignedExtra,
    implicit: &Implicit,
) -> Vec<u8> {
    (call, extra, implicit).encode()
}

/// The message that is keccak-hashed and signed: the payload, or its blake2_256 if long.
#[cfg(feature = "std")]
pub fn signing_message<Call: Encode>(
    call: &Call,
    extra: &SignedExtra,
    implicit: &Implicit,
) -> Vec<u8> {
    let payload = signing_payload(call, extra, implicit);
    if payload.len() > MAX_UNHASHED_PAYLOAD_LEN {
        crate::hashing::blake2_256(&payload).to_vec()
    } else {
        payload
    }
}

/// A signed extrinsic's sender, signature and extension data.
pub type SignatureData = (AccountId20, EthereumSignature, SignedExtra);

/// An extrinsic as it travels: decoded but not yet checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UncheckedExtrinsic<Call> {
    /// Sender, signature and extension data, if signed.
    pub signature: Option<SignatureData>,
    /// The call.
    pub function: Call,
}

impl<Call> UncheckedExtrinsic<Call> {
    /// A signed extrinsic.
    pub fn new_signed(
        function: Call,
        signer: AccountId20,
        signature: EthereumSignature,
        extra: SignedExtra,
    ) -> Self {
        Self { signature: Some((signer, signature, extra)), function }
    }

    /// An unsigned extrinsic (inherents, Ethereum transactions).
    pub fn new_unsigned(function: Call) -> Self {
        Self { signature: None, function }
    }

    /// Whether it is signed.
    pub fn is_signed(&self) -> bool {
        self.signature.is_some()
    }
}

impl<Call: Encode> Encode for UncheckedExtrinsic<Call> {
    fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(128);
        match &self.signature {
            Some(signature) => {
                body.push(EXTRINSIC_FORMAT_VERSION | SIGNED_FLAG);
                signature.encode_to(&mut body);
            }
            None => body.push(EXTRINSIC_FORMAT_VERSION),
        }
        self.function.encode_to(&mut body);
        let mut out = Compact(body.len() as u32).encode();
        out.extend_from_slice(&body);
        out
    }
}

impl<Call: Encode> codec::EncodeLike for UncheckedExtrinsic<Call> {}

impl<Call: Decode> Decode for UncheckedExtrinsic<Call> {
    fn decode<I: Input>(input: &mut I) -> Result<Self, Error> {
        let expected_len = Compact::<u32>::decode(input)?.0 as usize;
        let before = input.remaining_len()?;
        let version = input.read_byte()?;
        if version & !SIGNED_FLAG != EXTRINSIC_FORMAT_VERSION {
            return Err("Invalid transaction version".into());
        }
        let signature =
            if version & SIGNED_FLAG != 0 { Some(SignatureData::decode(input)?) } else { None };
        let function = Call::decode(input)?;
        if let (Some(before), Some(after)) = (before, input.remaining_len()?) {
            if before.saturating_sub(after) != expected_len {
                return Err("Invalid length prefix".into());
            }
        }
        Ok(Self { signature, function })
    }
}

impl<Call: Decode> DecodeWithMemTracking for UncheckedExtrinsic<Call> {}

impl<Call: TypeInfo + 'static> TypeInfo for UncheckedExtrinsic<Call> {
    type Identity = Self;

    /// Described like Substrate's: opaque bytes, with the address, call, signature and extra
    /// types as type parameters, which is where clients look for them.
    fn type_info() -> Type {
        Type::builder()
            .path(Path::new("UncheckedExtrinsic", "sp_runtime::generic::unchecked_extrinsic"))
            .type_params(alloc::vec![
                TypeParameter::new("Address", Some(meta_type::<AccountId20>())),
                TypeParameter::new("Call", Some(meta_type::<Call>())),
                TypeParameter::new("Signature", Some(meta_type::<EthereumSignature>())),
                TypeParameter::new("Extra", Some(meta_type::<SignedExtra>())),
            ])
            .docs(&["UncheckedExtrinsic raw bytes, requires custom decoding routine"])
            .composite(Fields::unnamed().field(|f| f.ty::<Vec<u8>>()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::DecodeLimit;

    /// A stand-in call: pallet 3, call 0, one byte argument.
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
    struct TestCall(u8, u8, u8);

    fn signed() -> UncheckedExtrinsic<TestCall> {
        UncheckedExtrinsic::new_signed(
            TestCall(3, 0, 7),
            AccountId20([0x11; 20]),
            EthereumSignature([0x22; 65]),
            SignedExtra { era: Era::Immortal, nonce: 5, tip: 0 },
        )
    }

    #[test]
    fn golden_signed_encoding() {
        let encoded = signed().encode();
        let mut expected = vec![0x84];
        expected.extend([0x11; 20]);
        expected.extend([0x22; 65]);
        expected.extend([0x00, 0x14, 0x00]); // immortal, Compact(5), Compact(0)
        expected.extend([3, 0, 7]);
        let mut with_len = Compact(expected.len() as u32).encode();
        with_len.extend(expected);
        assert_eq!(encoded, with_len);
        assert_eq!(
            UncheckedExtrinsic::<TestCall>::decode(&mut &encoded[..]).expect("ok"),
            signed()
        );
    }

    #[test]
    fn golden_unsigned_encoding() {
        let xt = UncheckedExtrinsic::new_unsigned(TestCall(1, 2, 3));
        assert_eq!(xt.encode(), vec![0x10, 0x04, 1, 2, 3]);
    }

    #[test]
    fn rejects_wrong_version_and_length() {
        assert!(UncheckedExtrinsic::<TestCall>::decode(&mut &[0x10u8, 0x05, 1, 2, 3][..]).is_err());
        // Length prefix says 5 but the content is 4 bytes long.
        assert!(UncheckedExtrinsic::<TestCall>::decode(&mut &[0x14u8, 0x04, 1, 2, 3][..]).is_err());
        // Truncated.
        let encoded = signed().encode();
        assert!(UncheckedExtrinsic::<TestCall>::decode(&mut &encoded[..encoded.len() - 1]).is_err());
    }

    #[test]
    fn depth_limited_decoding_works() {
        let encoded = signed().encode();
        let xt = UncheckedExtrinsic::<TestCall>::decode_with_depth_limit(
            MAX_EXTRINSIC_DEPTH,
            &mut &encoded[..],
        )
        .expect("decodes");
        assert_eq!(xt, signed());
    }

    #[test]
    fn long_payloads_are_hashed() {
        let implicit = Implicit {
            spec_version: 1,
            transaction_version: 1,
            genesis_hash: H256::zero(),
            era_block_hash: H256::zero(),
        };
        let extra = SignedExtra::default();
        let short = signing_message(&TestCall(1, 2, 3), &extra, &implicit);
        assert_eq!(short, signing_payload(&TestCall(1, 2, 3), &extra, &implicit));
        let long_call = vec![7u8; 300];
        assert_eq!(signing_message(&long_call, &extra, &implicit).len(), 32);
    }
}
