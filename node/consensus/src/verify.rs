//! Sealing headers and checking them on import.

use codec::{Decode, Encode};
use lux_primitives::consensus::{PreDigest, Slot, ENGINE_ID};
use lux_primitives::{DigestItem, Header, Sr25519Public, Sr25519Signature, H256};

use crate::{secondary_author, ConsensusError};

/// Signs with a validator's session key (the keystore implements it).
pub trait SessionSigner {
    /// Signs `message` with the key `public`; `None` if we do not hold it.
    fn sign(&self, public: &Sr25519Public, message: &[u8]) -> Option<Sr25519Signature>;
}

/// Seals `header` (built with its pre-digest, without seal) with `author`'s key.
pub fn seal_header(
    mut header: Header,
    author: &Sr25519Public,
    signer: &dyn SessionSigner,
) -> Option<Header> {
    let pre_hash = header.hash();
    let signature = signer.sign(author, pre_hash.as_bytes())?;
    header.digest.push(DigestItem::Seal(ENGINE_ID, signature.encode()));
    Some(header)
}

/// A header that passed the checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedHeader {
    /// The header without its seal: what the runtime executes.
    pub pre_header: Header,
    /// The slot claim.
    pub pre_digest: PreDigest,
    /// The seal that was removed.
    pub seal: DigestItem,
}

/// Checks a header's slot claim and seal against the authorities of its parent's state.
/// `parent_slot` is the parent's slot (`None` for the genesis parent); `now` the current slot
/// (a small allowance for clock drift is the caller's choice).
pub fn check_header(
    mut header: Header,
    authorities: &[Sr25519Public],
    parent_slot: Option<Slot>,
    now: Slot,
) -> Result<CheckedHeader, ConsensusError> {
    let hash = header.hash();
    if authorities.is_empty() {
        return Err(ConsensusError::NoAuthorities);
    }
    let seal = header.take_seal().ok_or(ConsensusError::MissingSeal(hash))?;
    if header.digest.logs.iter().any(|item| matches!(item, DigestItem::Seal(..))) {
        return Err(ConsensusError::MissingSeal(hash));
    }
    let signature = seal
        .as_seal(ENGINE_ID)
        .and_then(|mut data| Sr25519Signature::decode(&mut data).ok())
        .ok_or(ConsensusError::MalformedSeal(hash))?;
    let pre_digest = PreDigest::find(&header).ok_or(ConsensusError::MissingPreDigest(hash))?;
    let (index, slot) = (pre_digest.authority_index(), pre_digest.slot());
    let author = authorities
        .get(index as usize)
        .ok_or(ConsensusError::UnknownAuthority { index, count: authorities.len() })?;
    if secondary_author(slot, authorities.len()) != Some(index) {
        return Err(ConsensusError::NotSlotAuthor { index, slot });
    }
    if let Some(parent_slot) = parent_slot {
        if slot <= parent_slot {
            return Err(ConsensusError::SlotNotIncreasing { slot, parent_slot });
        }
    }
    if slot > now {
        return Err(ConsensusError::FutureSlot { slot, now });
    }
    let pre_hash: H256 = header.hash();
    if !lux_io::crypto_native::sr25519_verify(&signature.0, pre_hash.as_bytes(), &author.0) {
        return Err(ConsensusError::BadSeal(hash));
    }
    Ok(CheckedHeader { pre_header: header, pre_digest, seal })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lux_primitives::Digest;

    struct Keys(Vec<lux_keys::Sr25519Pair>);

    impl SessionSigner for Keys {
        fn sign(&self, public: &Sr25519Public, message: &[u8]) -> Option<Sr25519Signature> {
            let pair = self.0.iter().find(|p| p.public() == public.0)?;
            Some(Sr25519Signature(pair.sign(message)))
        }
    }

    fn setup() -> (Keys, Vec<Sr25519Public>) {
        let pairs: Vec<_> = ["alice", "bob"]
            .iter()
            .map(|n| lux_keys::dev_session_key(n).expect("dev key"))
            .collect();
        let publics = pairs.iter().map(|p| Sr25519Public(p.public())).collect();
        (Keys(pairs), publics)
    }

    fn header(slot: Slot, index: u32) -> Header {
        let mut digest = Digest::default();
        digest.push(PreDigest::Secondary { authority_index: index, slot }.to_digest_item());
        Header {
            parent_hash: H256::repeat_byte(1),
            number: 5,
            state_root: H256::repeat_byte(2),
            extrinsics_root: H256::repeat_byte(3),
            digest,
        }
    }

    #[test]
    fn sealed_header_checks_and_strips_the_seal() {
        let (keys, authorities) = setup();
        let unsealed = header(11, 1);
        let sealed = seal_header(unsealed.clone(), &authorities[1], &keys).expect("bob signs");
        let checked = check_header(sealed, &authorities, Some(10), 11).expect("valid");
        assert_eq!(checked.pre_header, unsealed);
        assert_eq!(checked.pre_digest.slot(), 11);
    }

    #[test]
    fn wrong_author_slot_or_signature_is_refused() {
        let (keys, authorities) = setup();
        // Slot 11 belongs to index 1 (bob); alice claims it.
        let by_alice = seal_header(header(11, 0), &authorities[0], &keys).expect("signs");
        assert_eq!(
            check_header(by_alice, &authorities, None, 20),
            Err(ConsensusError::NotSlotAuthor { index: 0, slot: 11 })
        );
        // Bob's claim signed by alice.
        let forged = seal_header(header(11, 1), &authorities[0], &keys).expect("signs");
        assert!(matches!(
            check_header(forged, &authorities, None, 20),
            Err(ConsensusError::BadSeal(_))
        ));
        let sealed = seal_header(header(11, 1), &authorities[1], &keys).expect("signs");
        assert_eq!(
            check_header(sealed.clone(), &authorities, Some(11), 20),
            Err(ConsensusError::SlotNotIncreasing { slot: 11, parent_slot: 11 })
        );
        assert_eq!(
            check_header(sealed.clone(), &authorities, None, 10),
            Err(ConsensusError::FutureSlot { slot: 11, now: 10 })
        );
        let mut tampered = sealed;
        tampered.state_root = H256::zero();
        assert!(matches!(
            check_header(tampered, &authorities, None, 20),
            Err(ConsensusError::BadSeal(_))
        ));
        assert!(matches!(
            check_header(header(11, 1), &authorities, None, 20),
            Err(ConsensusError::MissingSeal(_))
        ));
    }
}
