//! Session keys held in memory (the dev `--alice`... keys).

use lux_consensus::{SessionSigner, VrfSigner};
use lux_keys::{Sr25519Pair, VrfItem, VrfSignature};
use lux_primitives::{Sr25519Public, Sr25519Signature};

/// sr25519 session keys in memory.
#[derive(Clone, Default)]
pub struct MemoryKeystore {
    pairs: Vec<Sr25519Pair>,
}

impl MemoryKeystore {
    /// Adds a key.
    pub fn insert(&mut self, pair: Sr25519Pair) {
        if !self.has(&Sr25519Public(pair.public())) {
            self.pairs.push(pair);
        }
    }

    /// Whether we hold `public`'s secret.
    pub fn has(&self, public: &Sr25519Public) -> bool {
        self.pairs.iter().any(|p| p.public() == public.0)
    }

    /// The public keys held.
    pub fn publics(&self) -> Vec<Sr25519Public> {
        self.pairs.iter().map(|p| Sr25519Public(p.public())).collect()
    }
}

impl SessionSigner for MemoryKeystore {
    fn sign(&self, public: &Sr25519Public, message: &[u8]) -> Option<Sr25519Signature> {
        let pair = self.pairs.iter().find(|p| p.public() == public.0)?;
        Some(Sr25519Signature(pair.sign(message)))
    }
}

impl VrfSigner for MemoryKeystore {
    fn vrf_sign(
        &self,
        public: &Sr25519Public,
        label: &'static [u8],
        items: &[VrfItem<'_>],
    ) -> Option<VrfSignature> {
        let pair = self.pairs.iter().find(|p| p.public() == public.0)?;
        Some(pair.vrf_sign(label, items))
    }
}
