//! Sealing headers and checking them on import.

use codec::{Decode, Encode};
use lux_keys::Sr25519Pair;
use lux_primitives::consensus::{PreDigest, Slot, UnsealError, UnsealedHeader, ENGINE_ID};
use lux_primitives::{DigestItem, Header, Sr25519Public, Sr25519Signature};

use crate::epoch::{Authority, Epoch};
use crate::ConsensusError;

/// Signs with a validator's session key (the keystore implements it).
pub trait SessionSigner {
    /// Signs `message` with the key `public`; `None` if we do not hold it.
    fn sign(&self, public: &Sr25519Public, message: &[u8]) -> Option<Sr25519Signature>;
}

/// A key signs for itself, deterministically (the same message gives the same signature, so
/// simulations replay exactly).
impl SessionSigner for Sr25519Pair {
    fn sign(&self, public: &Sr25519Public, message: &[u8]) -> Option<Sr25519Signature> {
        (self.public() == public.0).then(|| Sr25519Signature(self.sign_deterministic(message)))
    }
}

/// Keys sign with whichever of them is `public`'s.
impl SessionSigner for Vec<Sr25519Pair> {
    fn sign(&self, public: &Sr25519Public, message: &[u8]) -> Option<Sr25519Signature> {
        self.iter().find_map(|pair| SessionSigner::sign(pair, public, message))
    }
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

/// Takes a sealed header apart (the seal, exactly one and last, and the slot claim).
fn unseal(header: Header) -> Result<UnsealedHeader, ConsensusError> {
    let hash = header.hash();
    UnsealedHeader::new(header, lux_primitives::hashing::blake2_256).map_err(|e| match e {
        UnsealError::MissingSeal => ConsensusError::MissingSeal(hash),
        UnsealError::MalformedSeal => ConsensusError::MalformedSeal(hash),
        UnsealError::MissingPreDigest => ConsensusError::MissingPreDigest(hash),
    })
}

/// Whether `author` sealed it: signed the hash of the header without its seal.
fn check_seal(unsealed: &UnsealedHeader, author: &Sr25519Public) -> Result<(), ConsensusError> {
    let pre_hash = unsealed.pre_hash.as_bytes();
    if lux_io::crypto_native::sr25519_verify(&unsealed.signature, pre_hash, &author.0) {
        Ok(())
    } else {
        Err(ConsensusError::BadSeal(unsealed.hash))
    }
}

/// Checks a header's slot claim (against `epoch`, the epoch of its slot) and seal.
/// `parent_slot` is the parent's slot (`None` for the genesis parent); `now` the current slot
/// (a small allowance for clock drift is the caller's choice).
pub fn check_header(
    header: Header,
    epoch: &Epoch,
    parent_slot: Option<Slot>,
    now: Slot,
) -> Result<CheckedHeader, ConsensusError> {
    if epoch.authorities.is_empty() {
        return Err(ConsensusError::NoAuthorities);
    }
    let unsealed = unseal(header)?;
    let slot = unsealed.pre_digest.slot();
    if let Some(parent_slot) = parent_slot {
        if slot <= parent_slot {
            return Err(ConsensusError::SlotNotIncreasing { slot, parent_slot });
        }
    }
    if slot > now {
        return Err(ConsensusError::FutureSlot { slot, now });
    }
    let author = epoch.check_claim(&unsealed.pre_digest)?;
    check_seal(&unsealed, &author)?;
    let UnsealedHeader { pre_header, pre_digest, seal, .. } = unsealed;
    Ok(CheckedHeader { pre_header, pre_digest, seal })
}

/// Two different headers sealed by one author for one slot: a slashable offence.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BlockEquivocation {
    /// The first header seen (sealed).
    pub first: Header,
    /// The second (sealed).
    pub second: Header,
}

impl BlockEquivocation {
    /// The offender: checks that the two headers differ, claim the same slot for the same
    /// authority, and are both sealed by that authority's key. The claims themselves are not
    /// re-checked: the headers may sit on forks whose epochs have different randomness, and
    /// sealing two headers for one slot is the offence whatever they claim.
    pub fn verify(&self, authorities: &[Authority]) -> Result<Sr25519Public, ConsensusError> {
        let (first, second) = (unseal(self.first.clone())?, unseal(self.second.clone())?);
        let (a, b) = (&first.pre_digest, &second.pre_digest);
        if first.hash == second.hash
            || a.slot() != b.slot()
            || a.authority_index() != b.authority_index()
        {
            return Err(ConsensusError::NotEquivocation);
        }
        let index = a.authority_index();
        let count = authorities.len();
        let key = authorities
            .get(index as usize)
            .ok_or(ConsensusError::UnknownAuthority { index, count })?
            .key;
        check_seal(&first, &key)?;
        check_seal(&second, &key)?;
        Ok(key)
    }
}

/// Remembers which header each author sealed for each recent slot, to catch equivocations.
#[derive(Clone, Debug, Default)]
pub struct EquivocationDetector {
    seen: std::collections::BTreeMap<(Slot, u32), Header>,
}

impl EquivocationDetector {
    /// Notes a sealed header that passed [`check_header`]; returns the proof if its author
    /// already sealed another header for the same slot. Slots before `forget_before` are
    /// forgotten.
    pub fn note(
        &mut self,
        sealed: &Header,
        claim: &PreDigest,
        forget_before: Slot,
    ) -> Option<BlockEquivocation> {
        self.seen.retain(|(slot, _), _| *slot >= forget_before);
        let key = (claim.slot(), claim.authority_index());
        match self.seen.get(&key) {
            None => {
                self.seen.insert(key, sealed.clone());
                None
            }
            Some(first) if first.hash() == sealed.hash() => None,
            Some(first) => Some(BlockEquivocation { first: first.clone(), second: sealed.clone() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::epoch::Authority;
    use lux_primitives::{Digest, H256};

    fn setup() -> (Vec<Sr25519Pair>, Epoch) {
        let pairs: Vec<_> = ["alice", "bob"]
            .iter()
            .map(|n| lux_keys::dev_session_key(n).expect("dev key"))
            .collect();
        let authorities =
            pairs.iter().map(|p| Authority { key: Sr25519Public(p.public()), weight: 1 }).collect();
        let epoch = Epoch {
            index: 0,
            start_slot: 0,
            length: u64::MAX,
            randomness: [0; 32],
            authorities,
            // Secondary claims only, so the tests know each slot's author.
            primary_probability: (0, 1),
        };
        (pairs, epoch)
    }

    /// The index of the secondary author of `slot`, and a slot after it with the other one.
    fn slots(epoch: &Epoch) -> (Slot, u32, Slot) {
        let slot = 11;
        let author = epoch.secondary_author(slot).expect("an author");
        let other = (12..).find(|s| epoch.secondary_author(*s) != Some(author)).expect("a slot");
        (slot, author, other)
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
        let (keys, epoch) = setup();
        let (slot, author, _) = slots(&epoch);
        let key = epoch.authorities[author as usize].key;
        let unsealed = header(slot, author);
        let sealed = seal_header(unsealed.clone(), &key, &keys).expect("signs");
        let checked = check_header(sealed, &epoch, Some(slot - 1), slot).expect("valid");
        assert_eq!(checked.pre_header, unsealed);
        assert_eq!(checked.pre_digest.slot(), slot);
    }

    #[test]
    fn wrong_author_slot_or_signature_is_refused() {
        let (keys, epoch) = setup();
        let (slot, author, _) = slots(&epoch);
        let other = 1 - author;
        let (key, other_key) =
            (epoch.authorities[author as usize].key, epoch.authorities[other as usize].key);
        let by_other = seal_header(header(slot, other), &other_key, &keys).expect("signs");
        assert_eq!(
            check_header(by_other, &epoch, None, 20),
            Err(ConsensusError::NotSlotAuthor { index: other, slot })
        );
        // The author's claim signed by the other key.
        let forged = seal_header(header(slot, author), &other_key, &keys).expect("signs");
        assert!(matches!(check_header(forged, &epoch, None, 20), Err(ConsensusError::BadSeal(_))));
        let sealed = seal_header(header(slot, author), &key, &keys).expect("signs");
        assert_eq!(
            check_header(sealed.clone(), &epoch, Some(slot), 20),
            Err(ConsensusError::SlotNotIncreasing { slot, parent_slot: slot })
        );
        assert_eq!(
            check_header(sealed.clone(), &epoch, None, slot - 1),
            Err(ConsensusError::FutureSlot { slot, now: slot - 1 })
        );
        let mut tampered = sealed;
        tampered.state_root = H256::zero();
        assert!(matches!(
            check_header(tampered, &epoch, None, 20),
            Err(ConsensusError::BadSeal(_))
        ));
        assert!(matches!(
            check_header(header(slot, author), &epoch, None, 20),
            Err(ConsensusError::MissingSeal(_))
        ));
    }

    #[test]
    fn two_headers_for_one_slot_are_a_verifiable_equivocation() {
        let (keys, epoch) = setup();
        let (slot, author, later) = slots(&epoch);
        let key = epoch.authorities[author as usize].key;
        let first = seal_header(header(slot, author), &key, &keys).expect("signs");
        let mut second = header(slot, author);
        second.state_root = H256::repeat_byte(7);
        let second = seal_header(second, &key, &keys).expect("signs");
        let mut detector = EquivocationDetector::default();
        let claim = PreDigest::find(&first).expect("claim");
        assert_eq!(detector.note(&first, &claim, 0), None);
        assert_eq!(detector.note(&first, &claim, 0), None, "the same header again is fine");
        let proof = detector.note(&second, &claim, 0).expect("equivocation");
        assert_eq!(proof.verify(&epoch.authorities), Ok(key));
        // Not offences: the same header twice, or two slots.
        let same = BlockEquivocation { first: first.clone(), second: first.clone() };
        assert_eq!(same.verify(&epoch.authorities), Err(ConsensusError::NotEquivocation));
        let other_author = epoch.secondary_author(later).expect("author");
        let other_key = epoch.authorities[other_author as usize].key;
        let elsewhere = seal_header(header(later, other_author), &other_key, &keys).expect("signs");
        let two_slots = BlockEquivocation { first: first.clone(), second: elsewhere };
        assert_eq!(two_slots.verify(&epoch.authorities), Err(ConsensusError::NotEquivocation));
        // Someone else's seal on the author's claim frames nobody.
        let mut framed = header(slot, author);
        framed.state_root = H256::repeat_byte(9);
        let someone_else = epoch.authorities[(author as usize + 1) % epoch.authorities.len()].key;
        let framed = seal_header(framed, &someone_else, &keys).expect("signs");
        let framing = BlockEquivocation { first, second: framed };
        assert!(matches!(framing.verify(&epoch.authorities), Err(ConsensusError::BadSeal(_))));
        // Old slots are forgotten.
        assert_eq!(detector.note(&second, &claim, slot + 1), None);
    }
}
