//! The host's cache of recovered secp256k1 signatures.
//!
//! Recovering a signature is the largest single cost of a transaction (about 40 µs), and
//! the same transaction is checked several times: when the pool validates it, when the author
//! includes it, when every node imports the block. Recovery is a pure function of (signature,
//! message), so its results are cached by both; a cached answer is exactly what recovering
//! again would give. Before a block is executed, its signatures can be recovered on several
//! threads at once ([`SignatureCache::recover_in_parallel`]) while the block runs.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use lux_io::{crypto_native, EcdsaVerifyError};
use parking_lot::Mutex;
use schnellru::{ByLength, LruMap};

/// A 65-byte signature (r, s, v) and the 32-byte message it signs.
pub type SignedMessage = ([u8; 65], [u8; 32]);

/// The hash of a signature and its message: a third of their 97 bytes in the table, and
/// finding two pairs with one hash is as hard as a BLAKE2 collision.
type Key = [u8; 32];
type Recovered = Result<[u8; 64], EcdsaVerifyError>;

/// Recovered public keys by (signature, message), least recently used first out.
pub struct SignatureCache {
    entries: Mutex<LruMap<Key, Recovered>>,
}

fn key(signature: &[u8; 65], message: &[u8; 32]) -> Key {
    let mut both = [0u8; 97];
    both[..65].copy_from_slice(signature);
    both[65..].copy_from_slice(message);
    lux_primitives::hashing::blake2_256(&both)
}

impl SignatureCache {
    /// A cache of at most `capacity` entries. The table has a power of two of slots of about
    /// 110 bytes, and to evict without growing it keeps at least half of them free: 28,672
    /// entries take 65,536 slots (7 MiB).
    pub fn new(capacity: u32) -> Self {
        let capacity = NonZeroU32::new(capacity).map_or(1, NonZeroU32::get);
        Self { entries: Mutex::new(LruMap::new(ByLength::new(capacity))) }
    }

    /// `ext_crypto_secp256k1_ecdsa_recover`: the uncompressed public key (without its 0x04
    /// prefix) that signed `message`, from the cache or recovered now.
    pub fn recover(&self, signature: &[u8; 65], message: &[u8; 32]) -> Recovered {
        self.recover_keyed(key(signature, message), signature, message)
    }

    /// [`SignatureCache::recover`] for a pair whose `key` the caller already computed.
    fn recover_keyed(&self, key: Key, signature: &[u8; 65], message: &[u8; 32]) -> Recovered {
        if let Some(found) = self.entries.lock().get(&key) {
            return *found;
        }
        let recovered = crypto_native::secp256k1_ecdsa_recover(signature, message);
        self.entries.lock().insert(key, recovered);
        recovered
    }

    /// Forgets everything (benchmarks measure recovery from a cold cache this way).
    pub fn clear(&self) {
        self.entries.lock().clear();
    }

    fn contains(&self, key: &Key) -> bool {
        self.entries.lock().peek(key).is_some()
    }

    /// Runs `work` while `threads` helper threads recover `items` into the cache, from the
    /// last one backwards: `work` (executing a block) meets the signatures from the first one
    /// forwards and recovers the ones not yet cached itself, so the two meet in the middle and
    /// every signature is recovered once. The helpers stop when `work` returns.
    pub fn recover_in_parallel<R>(
        &self,
        items: &[SignedMessage],
        threads: usize,
        work: impl FnOnce() -> R,
    ) -> R {
        if items.is_empty() || threads == 0 {
            return work();
        }
        let next = AtomicUsize::new(items.len());
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    while !done.load(Ordering::Relaxed) {
                        let i = next.fetch_sub(1, Ordering::Relaxed);
                        if i == 0 || i > items.len() {
                            break;
                        }
                        let (signature, message) = &items[i - 1];
                        let key = key(signature, message);
                        if !self.contains(&key) {
                            let _ = self.recover_keyed(key, signature, message);
                        }
                    }
                });
            }
            let result = work();
            done.store(true, Ordering::Relaxed);
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secp256k1::{ecdsa::RecoverableSignature, Message, SecretKey};

    fn signed(i: u8) -> (SignedMessage, [u8; 64]) {
        let secret = SecretKey::from_secret_bytes([i.max(1); 32]).expect("valid key");
        let message = [i; 32];
        let sig =
            RecoverableSignature::sign_ecdsa_recoverable(Message::from_digest(message), &secret);
        let (id, rs) = sig.serialize_compact();
        let mut raw = [0u8; 65];
        raw[..64].copy_from_slice(&rs);
        raw[64] = id.to_u8();
        let public = secp256k1::PublicKey::from_secret_key(&secret).serialize_uncompressed();
        let mut key = [0u8; 64];
        key.copy_from_slice(&public[1..]);
        ((raw, message), key)
    }

    #[test]
    fn cached_answers_are_what_recovery_gives() {
        let cache = SignatureCache::new(16);
        let ((sig, msg), public) = signed(3);
        assert_eq!(cache.recover(&sig, &msg), Ok(public));
        assert_eq!(cache.recover(&sig, &msg), Ok(public));
        let mut bad = sig;
        bad[64] = 7;
        assert_eq!(cache.recover(&bad, &msg), Err(EcdsaVerifyError::BadV));
        assert_eq!(cache.recover(&bad, &msg), Err(EcdsaVerifyError::BadV));
    }

    #[test]
    fn the_default_cache_holds_the_pool_in_a_small_table() {
        let entries = crate::ExecutorConfig::default().signature_cache_entries;
        let cache = SignatureCache::new(entries);
        let mut map = cache.entries.lock();
        for i in 0..40_000u32 {
            let mut key = [0u8; 32];
            key[..4].copy_from_slice(&i.to_le_bytes());
            map.insert(key, Ok([0u8; 64]));
        }
        assert_eq!(map.len(), 28_672);
        assert!(map.len() >= 16_384 + 8_300, "the default pool and a full block");
        assert!(map.memory_usage() <= 7_300_000, "{}", map.memory_usage());
    }

    #[test]
    fn parallel_recovery_fills_the_cache_while_work_runs() {
        let cache = SignatureCache::new(1024);
        let items: Vec<_> = (1..=200u8).map(|i| signed(i).0).collect();
        let recovered = cache.recover_in_parallel(&items, 2, || {
            // The block's own pass, first to last.
            items.iter().map(|(s, m)| cache.recover(s, m)).filter(Result::is_ok).count()
        });
        assert_eq!(recovered, 200);
        assert!(items.iter().all(|(s, m)| cache.contains(&key(s, m))));
    }
}
