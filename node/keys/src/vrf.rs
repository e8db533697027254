//! sr25519 VRF (verifiable random function) helpers for slot claims.
//!
//! The VRF input is a merlin transcript: a label, then labelled byte strings in order (e.g.
//! `(b"slot", &slot.to_le_bytes())`, which is what merlin's `append_u64` writes). Signing gives
//! the 32-byte VRF pre-output, which goes in the block, and a 64-byte proof. Anyone with the
//! public key checks them with [`vrf_verify`] and turns the pre-output into random bytes with
//! [`vrf_output_bytes`].

use merlin::Transcript;
use schnorrkel::context::attach_rng;
use schnorrkel::vrf::{VRFPreOut, VRFProof};
use schnorrkel::PublicKey;

use crate::sr25519::{NoExtraEntropy, Sr25519Pair};

/// The result of a VRF evaluation: the pre-output and the proof that it is correct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VrfSignature {
    /// The VRF pre-output (a compressed Ristretto point).
    pub output: [u8; 32],
    /// The DLEQ proof.
    pub proof: [u8; 64],
}

/// A labelled item of a VRF transcript.
pub type VrfItem<'a> = (&'static [u8], &'a [u8]);

fn transcript(label: &'static [u8], items: &[VrfItem<'_>]) -> Transcript {
    let mut transcript = Transcript::new(label);
    for (item_label, data) in items {
        transcript.append_message(item_label, data);
    }
    transcript
}

impl Sr25519Pair {
    /// Evaluates the VRF on the transcript `label` + `items`. Output and proof are both
    /// functions of key and input only (the proof's nonce comes from the secret key and the
    /// transcript), so evaluating twice gives the same bytes.
    pub fn vrf_sign(&self, label: &'static [u8], items: &[VrfItem<'_>]) -> VrfSignature {
        let extra = attach_rng(Transcript::new(b"VRF"), NoExtraEntropy);
        let (inout, proof, _) = self.keypair.vrf_sign_extra(transcript(label, items), extra);
        VrfSignature { output: inout.to_preout().to_bytes(), proof: proof.to_bytes() }
    }
}

/// Checks that `signature` is `public`'s VRF evaluation on the transcript `label` + `items`.
/// Malformed keys, outputs or proofs give `false`.
pub fn vrf_verify(
    public: &[u8; 32],
    label: &'static [u8],
    items: &[VrfItem<'_>],
    signature: &VrfSignature,
) -> bool {
    let (Ok(public), Ok(output), Ok(proof)) = (
        PublicKey::from_bytes(public),
        VRFPreOut::from_bytes(&signature.output),
        VRFProof::from_bytes(&signature.proof),
    ) else {
        return false;
    };
    public.vrf_verify(transcript(label, items), &output, &proof).is_ok()
}

/// The 32 random bytes of a VRF evaluation, for the given `context` (e.g. one context for
/// the slot-claim threshold, another for epoch randomness). This does *not* check the proof:
/// call [`vrf_verify`] first for signatures from others. `None` for malformed inputs.
pub fn vrf_output_bytes(
    public: &[u8; 32],
    label: &'static [u8],
    items: &[VrfItem<'_>],
    output: &[u8; 32],
    context: &[u8],
) -> Option<[u8; 32]> {
    let public = PublicKey::from_bytes(public).ok()?;
    let output = VRFPreOut::from_bytes(output).ok()?;
    let inout = output.attach_input_hash(&public, transcript(label, items)).ok()?;
    Some(inout.make_bytes::<[u8; 32]>(context))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABEL: &[u8] = b"LuxTensorSlot";

    fn pair(suri: &str) -> Sr25519Pair {
        Sr25519Pair::from_suri(suri).expect("valid URI")
    }

    #[test]
    fn sign_then_verify() {
        let alice = pair("//Alice");
        let slot = 42u64.to_le_bytes();
        let items: [VrfItem<'_>; 2] = [(b"randomness", &[7u8; 32]), (b"slot", &slot)];
        let signature = alice.vrf_sign(LABEL, &items);
        assert!(vrf_verify(&alice.public(), LABEL, &items, &signature));

        // Output and proof depend only on key and input.
        let again = alice.vrf_sign(LABEL, &items);
        assert_eq!(again, signature);
        let bytes = vrf_output_bytes(&alice.public(), LABEL, &items, &signature.output, b"ctx");
        assert!(bytes.is_some());
        assert_eq!(bytes, vrf_output_bytes(&alice.public(), LABEL, &items, &again.output, b"ctx"));
        assert_ne!(
            bytes,
            vrf_output_bytes(&alice.public(), LABEL, &items, &signature.output, b"other")
        );
    }

    #[test]
    fn wrong_key_or_input_fails() {
        let alice = pair("//Alice");
        let bob = pair("//Bob");
        let slot = 1u64.to_le_bytes();
        let items: [VrfItem<'_>; 1] = [(b"slot", &slot)];
        let signature = alice.vrf_sign(LABEL, &items);
        assert!(!vrf_verify(&bob.public(), LABEL, &items, &signature));
        let other_slot = 2u64.to_le_bytes();
        assert!(!vrf_verify(&alice.public(), LABEL, &[(b"slot", &other_slot)], &signature));
        assert!(!vrf_verify(&alice.public(), b"OtherLabel", &items, &signature));
        let mut tampered = signature;
        tampered.proof[0] ^= 1;
        assert!(!vrf_verify(&alice.public(), LABEL, &items, &tampered));
        let mut tampered = signature;
        tampered.output[0] ^= 1;
        assert!(!vrf_verify(&alice.public(), LABEL, &items, &tampered));
        assert!(!vrf_verify(&[0xff; 32], LABEL, &items, &signature));
        assert_ne!(bob.vrf_sign(LABEL, &items).output, signature.output);
    }
}
