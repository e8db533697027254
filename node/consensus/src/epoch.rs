//! Epochs and slot claims.
//!
//! An epoch is a run of `length` slots with a fixed, stake-weighted authority set and 32 bytes
//! of randomness. In each slot every authority evaluates its VRF on (randomness, slot, epoch
//! index); an output below the authority's threshold is a *primary* claim. The threshold is
//! `c * stake / total_stake` of the output space, so with `c = 1/4` about a quarter of the
//! slots have a primary author. So that no slot stays empty, every slot also has one
//! *secondary* author, picked by a stake-weighted hash of (randomness, slot) that anyone can
//! recompute; primary blocks weigh more in fork choice, so a secondary block loses to a primary
//! one of the same height.
//!
//! The randomness of epoch `n + 1` is an accumulator over epoch `n`: it starts as a hash of
//! epoch `n`'s randomness and `n`, and hashes in the VRF pre-output of each primary block in
//! the first half of epoch `n`, in chain order. The runtime keeps it
//! (`lux_primitives::consensus::EpochState`) and tells the node each slot's epoch.
//!
//! The second half is left out so that the randomness is settled (its blocks final) half an
//! epoch before it is used: validators that disagree about the last blocks of an epoch, as
//! happens under load when two blocks share a slot, still agree on the next epoch's secondary
//! authors. Otherwise each fork has its own, and the first slot of the new epoch may get no
//! block at all (seen in the 4-validator benchmark) or two. BABE gets the same from a lag of a
//! whole epoch.
//!
//! The primary authors of an epoch's first half can see how publishing or withholding their
//! block (or, if they are also the slot's secondary author, publishing the secondary claim
//! instead) changes the next epoch's randomness. That bias is one bit per such author and
//! slot, as with BABE.

use codec::{Decode, Encode};
use lux_keys::{vrf_output_bytes, vrf_verify, Sr25519Pair, VrfItem, VrfSignature};
use lux_primitives::consensus::{EpochDescriptor, PreDigest, Slot};
use lux_primitives::hashing::blake2_256;
use lux_primitives::Sr25519Public;

use crate::ConsensusError;

/// The VRF transcript label of slot claims.
pub const VRF_LABEL: &[u8] = b"LuxTensorSlot";
/// Context for turning a VRF output into the number compared with the threshold.
const THRESHOLD_CONTEXT: &[u8] = b"LuxTensorPrimary";

/// An authority and its stake weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Authority {
    /// The session key: VRF, seals, finality votes.
    pub key: Sr25519Public,
    /// Stake weight (any unit; only ratios matter).
    pub weight: u64,
}

/// Evaluates VRFs with session keys (the keystore implements it).
pub trait VrfSigner {
    /// `public`'s VRF evaluation on the transcript `label` + `items`; `None` if we do not hold
    /// the key.
    fn vrf_sign(
        &self,
        public: &Sr25519Public,
        label: &'static [u8],
        items: &[VrfItem<'_>],
    ) -> Option<VrfSignature>;
}

/// A key evaluates VRFs for itself.
impl VrfSigner for Sr25519Pair {
    fn vrf_sign(
        &self,
        public: &Sr25519Public,
        label: &'static [u8],
        items: &[VrfItem<'_>],
    ) -> Option<VrfSignature> {
        (self.public() == public.0).then(|| Sr25519Pair::vrf_sign(self, label, items))
    }
}

/// Keys evaluate VRFs with whichever of them is `public`'s.
impl VrfSigner for Vec<Sr25519Pair> {
    fn vrf_sign(
        &self,
        public: &Sr25519Public,
        label: &'static [u8],
        items: &[VrfItem<'_>],
    ) -> Option<VrfSignature> {
        self.iter().find_map(|pair| VrfSigner::vrf_sign(pair, public, label, items))
    }
}

/// One epoch's parameters.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Epoch {
    /// Epoch index (genesis epoch is 0).
    pub index: u64,
    /// First slot of the epoch.
    pub start_slot: Slot,
    /// Slots in the epoch.
    pub length: u64,
    /// The epoch's randomness.
    pub randomness: [u8; 32],
    /// The authorities and their weights.
    pub authorities: Vec<Authority>,
    /// Probability `(numerator, denominator)` that a slot has a primary author when all stake
    /// is online.
    pub primary_probability: (u64, u64),
}

impl Epoch {
    /// Total stake weight.
    pub fn total_weight(&self) -> u128 {
        self.authorities.iter().map(|a| u128::from(a.weight)).sum()
    }

    /// Whether `slot` falls in this epoch.
    pub fn contains(&self, slot: Slot) -> bool {
        slot >= self.start_slot && slot - self.start_slot < self.length
    }

    /// The VRF threshold of authority `index`: primary when the output's first 16 bytes
    /// (little-endian) are below it. Integer arithmetic only, so every node agrees.
    pub fn primary_threshold(&self, index: usize) -> u128 {
        let (Some(authority), total) = (self.authorities.get(index), self.total_weight()) else {
            return 0;
        };
        let (num, den) = self.primary_probability;
        if total == 0 || den == 0 {
            return 0;
        }
        // threshold = MAX * (num / den) * (weight / total), rounded down.
        let scale = u128::MAX / (u128::from(den) * total).max(1);
        scale.saturating_mul(u128::from(num)).saturating_mul(u128::from(authority.weight))
    }

    /// The secondary author of `slot`: a stake-weighted pick by blake2(randomness, slot).
    pub fn secondary_author(&self, slot: Slot) -> Option<u32> {
        let total = self.total_weight();
        if total == 0 {
            return None;
        }
        let seed = blake2_256(&(self.randomness, slot).encode());
        let mut point = u128::from_le_bytes(seed[..16].try_into().ok()?) % total;
        for (index, authority) in self.authorities.iter().enumerate() {
            let weight = u128::from(authority.weight);
            if point < weight {
                return u32::try_from(index).ok();
            }
            point -= weight;
        }
        None
    }

    fn vrf_items<'a>(&'a self, slot: &'a [u8; 8], epoch: &'a [u8; 8]) -> [VrfItem<'a>; 3] {
        [(b"randomness", &self.randomness), (b"slot", slot), (b"epoch", epoch)]
    }

    fn vrf_value(
        &self,
        key: &Sr25519Public,
        slot: Slot,
        output: &[u8; 32],
        ctx: &[u8],
    ) -> Option<[u8; 32]> {
        let (slot, epoch) = (slot.to_le_bytes(), self.index.to_le_bytes());
        vrf_output_bytes(&key.0, VRF_LABEL, &self.vrf_items(&slot, &epoch), output, ctx)
    }

    /// Our claim to `slot` with one of the keys `signer` holds: a primary claim if a VRF wins,
    /// else the secondary claim if we are the slot's secondary author.
    pub fn claim_slot(
        &self,
        slot: Slot,
        signer: &dyn VrfSigner,
        is_ours: impl Fn(&Sr25519Public) -> bool,
    ) -> Option<(PreDigest, Sr25519Public)> {
        if !self.contains(slot) {
            return None;
        }
        let (slot_bytes, epoch_bytes) = (slot.to_le_bytes(), self.index.to_le_bytes());
        let items = self.vrf_items(&slot_bytes, &epoch_bytes);
        for (index, authority) in self.authorities.iter().enumerate() {
            if !is_ours(&authority.key) {
                continue;
            }
            let Some(vrf) = signer.vrf_sign(&authority.key, VRF_LABEL, &items) else { continue };
            let Some(value) = self.vrf_value(&authority.key, slot, &vrf.output, THRESHOLD_CONTEXT)
            else {
                continue;
            };
            if below(&value, self.primary_threshold(index)) {
                let authority_index = u32::try_from(index).ok()?;
                let claim = PreDigest::Primary {
                    authority_index,
                    slot,
                    vrf_output: vrf.output,
                    vrf_proof: vrf.proof,
                };
                return Some((claim, authority.key));
            }
        }
        let index = self.secondary_author(slot)?;
        let key = self.authorities.get(index as usize)?.key;
        is_ours(&key).then_some((PreDigest::Secondary { authority_index: index, slot }, key))
    }

    /// Checks a claim against this epoch: the slot is in the epoch, the authority exists, and
    /// either its VRF proof verifies and wins, or it is the slot's secondary author. Returns
    /// the author's key.
    pub fn check_claim(&self, claim: &PreDigest) -> Result<Sr25519Public, ConsensusError> {
        let (index, slot) = (claim.authority_index(), claim.slot());
        if !self.contains(slot) {
            return Err(ConsensusError::SlotOutsideEpoch { slot, epoch: self.index });
        }
        let count = self.authorities.len();
        let key = self
            .authorities
            .get(index as usize)
            .ok_or(ConsensusError::UnknownAuthority { index, count })?
            .key;
        match claim {
            PreDigest::Primary { vrf_output, vrf_proof, .. } => {
                let (slot_bytes, epoch_bytes) = (slot.to_le_bytes(), self.index.to_le_bytes());
                let items = self.vrf_items(&slot_bytes, &epoch_bytes);
                let vrf = VrfSignature { output: *vrf_output, proof: *vrf_proof };
                if !vrf_verify(&key.0, VRF_LABEL, &items, &vrf) {
                    return Err(ConsensusError::BadVrfProof { index, slot });
                }
                let value = self
                    .vrf_value(&key, slot, vrf_output, THRESHOLD_CONTEXT)
                    .ok_or(ConsensusError::BadVrfProof { index, slot })?;
                if !below(&value, self.primary_threshold(index as usize)) {
                    return Err(ConsensusError::VrfAboveThreshold { index, slot });
                }
            }
            PreDigest::Secondary { .. } => {
                if self.secondary_author(slot) != Some(index) {
                    return Err(ConsensusError::NotSlotAuthor { index, slot });
                }
            }
        }
        Ok(key)
    }
}

impl From<EpochDescriptor> for Epoch {
    /// The epoch the runtime describes (`LuxConsensusApi_epoch`).
    fn from(descriptor: EpochDescriptor) -> Self {
        Self {
            index: descriptor.index,
            start_slot: descriptor.start_slot,
            length: descriptor.length,
            randomness: descriptor.randomness,
            authorities: descriptor
                .authorities
                .into_iter()
                .map(|(key, weight)| Authority { key, weight })
                .collect(),
            primary_probability: descriptor.primary_probability,
        }
    }
}

fn below(value: &[u8; 32], threshold: u128) -> bool {
    let mut first = [0u8; 16];
    first.copy_from_slice(&value[..16]);
    u128::from_le_bytes(first) < threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(weights: &[u64]) -> (Vec<Sr25519Pair>, Epoch) {
        let names = ["alice", "bob", "charlie", "dave", "eve", "ferdie"];
        let pairs: Vec<_> = names[..weights.len()]
            .iter()
            .map(|n| lux_keys::dev_session_key(n).expect("dev key"))
            .collect();
        let authorities = pairs
            .iter()
            .zip(weights)
            .map(|(p, w)| Authority { key: Sr25519Public(p.public()), weight: *w })
            .collect();
        let epoch = Epoch {
            index: 3,
            start_slot: 1_000,
            length: 10_000,
            randomness: [9; 32],
            authorities,
            primary_probability: (1, 4),
        };
        (pairs, epoch)
    }

    #[test]
    fn every_claim_checks_and_primaries_follow_the_threshold() {
        let (keys, epoch) = epoch(&[1, 1, 1, 1]);
        let mut primaries = 0;
        for slot in 1_000..1_400 {
            let mut claims = 0;
            for pair in &keys {
                let ours = |k: &Sr25519Public| k.0 == pair.public();
                if let Some((claim, key)) = epoch.claim_slot(slot, &keys, ours) {
                    assert_eq!(epoch.check_claim(&claim), Ok(key));
                    assert_eq!(key.0, pair.public());
                    if claim.is_primary() {
                        primaries += 1;
                    }
                    claims += 1;
                }
            }
            // The secondary author always has a claim.
            assert!(claims >= 1, "slot {slot} has no author");
        }
        // 4 authorities x 400 slots x 1/16 each: about 100 primaries.
        assert!((60..=140).contains(&primaries), "{primaries} primaries");
    }

    #[test]
    fn forged_claims_are_refused() {
        let (keys, epoch) = epoch(&[1, 1, 1, 1]);
        // A primary claim of alice's, moved to another slot or another author.
        let (claim, _) = (1_000..2_000)
            .find_map(|slot| {
                let c = epoch.claim_slot(slot, &keys, |k| k == &epoch.authorities[0].key)?;
                c.0.is_primary().then_some(c)
            })
            .expect("alice wins some slot");
        let PreDigest::Primary { slot, vrf_output, vrf_proof, .. } = claim else { unreachable!() };
        let moved =
            PreDigest::Primary { authority_index: 0, slot: slot + 1, vrf_output, vrf_proof };
        assert!(matches!(epoch.check_claim(&moved), Err(ConsensusError::BadVrfProof { .. })));
        let stolen = PreDigest::Primary { authority_index: 1, slot, vrf_output, vrf_proof };
        assert!(matches!(epoch.check_claim(&stolen), Err(ConsensusError::BadVrfProof { .. })));
        // The claim proves a VRF on this epoch's randomness: under another epoch's, it fails.
        let next = Epoch { randomness: [10; 32], ..epoch.clone() };
        assert!(matches!(next.check_claim(&claim), Err(ConsensusError::BadVrfProof { .. })));
        let outside = PreDigest::Secondary { authority_index: 0, slot: 5 };
        assert!(matches!(
            epoch.check_claim(&outside),
            Err(ConsensusError::SlotOutsideEpoch { .. })
        ));
        let unknown = PreDigest::Secondary { authority_index: 9, slot: 1_000 };
        assert!(matches!(
            epoch.check_claim(&unknown),
            Err(ConsensusError::UnknownAuthority { .. })
        ));
        let author = epoch.secondary_author(1_000).expect("an author");
        let wrong = PreDigest::Secondary { authority_index: (author + 1) % 4, slot: 1_000 };
        assert!(matches!(epoch.check_claim(&wrong), Err(ConsensusError::NotSlotAuthor { .. })));
        // A losing VRF output with a valid proof is not a primary claim.
        let losing = (1_000u64..2_000).find_map(|slot| {
            let (s, e) = (slot.to_le_bytes(), epoch.index.to_le_bytes());
            let vrf = keys[0].vrf_sign(VRF_LABEL, &epoch.vrf_items(&s, &e));
            let claim = PreDigest::Primary {
                authority_index: 0,
                slot,
                vrf_output: vrf.output,
                vrf_proof: vrf.proof,
            };
            matches!(epoch.check_claim(&claim), Err(ConsensusError::VrfAboveThreshold { .. }))
                .then_some(())
        });
        assert!(losing.is_some());
    }

    #[test]
    fn secondary_authors_follow_stake() {
        let (_, epoch) = epoch(&[1, 0, 3, 0]);
        let mut counts = [0u32; 4];
        for slot in 0..4_000 {
            counts[epoch.secondary_author(slot).expect("an author") as usize] += 1;
        }
        assert_eq!((counts[1], counts[3]), (0, 0), "no stake, no slots");
        assert!((800..1_200).contains(&counts[0]), "{counts:?}");
        assert_eq!(counts[0] + counts[2], 4_000);
        assert!(epoch.primary_threshold(2) > epoch.primary_threshold(0));
        assert_eq!(epoch.primary_threshold(1), 0);
    }
}
