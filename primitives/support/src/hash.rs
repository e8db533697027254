//! Storage hashers: how a map key is turned into the suffix of its storage key.

use alloc::vec::Vec;
use lux_io::hashing;

/// The hashers of frame-metadata, in its order, so metadata can name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HasherKind {
    /// blake2_128.
    Blake2_128,
    /// blake2_256.
    Blake2_256,
    /// blake2_128(key) ++ key.
    Blake2_128Concat,
    /// twox_128.
    Twox128,
    /// twox_256.
    Twox256,
    /// twox_64(key) ++ key.
    Twox64Concat,
    /// key as is.
    Identity,
}

/// Hashes encoded map keys.
pub trait StorageHasher: 'static {
    /// Which hasher this is.
    const KIND: HasherKind;
    /// Hashes `encoded_key` into the storage-key suffix.
    fn hash(encoded_key: &[u8]) -> Vec<u8>;
}

/// A hasher whose output contains the key, so maps using it can be iterated with their keys.
pub trait ReversibleStorageHasher: StorageHasher {
    /// The encoded key inside a hasher output (`None` if too short).
    fn reverse(hashed: &[u8]) -> Option<&[u8]>;
}

/// `blake2_128(key) ++ key`: for keys a user can choose (accounts), so they cannot craft
/// unbalanced tries.
pub struct Blake2_128Concat;

impl StorageHasher for Blake2_128Concat {
    const KIND: HasherKind = HasherKind::Blake2_128Concat;
    fn hash(encoded_key: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + encoded_key.len());
        out.extend_from_slice(&hashing::blake2_128(encoded_key));
        out.extend_from_slice(encoded_key);
        out
    }
}

impl ReversibleStorageHasher for Blake2_128Concat {
    fn reverse(hashed: &[u8]) -> Option<&[u8]> {
        hashed.get(16..)
    }
}

/// `twox_64(key) ++ key`: fast, for keys users cannot choose (block numbers, indices).
pub struct Twox64Concat;

impl StorageHasher for Twox64Concat {
    const KIND: HasherKind = HasherKind::Twox64Concat;
    fn hash(encoded_key: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + encoded_key.len());
        out.extend_from_slice(&hashing::twox_64(encoded_key));
        out.extend_from_slice(encoded_key);
        out
    }
}

impl ReversibleStorageHasher for Twox64Concat {
    fn reverse(hashed: &[u8]) -> Option<&[u8]> {
        hashed.get(8..)
    }
}

/// The key itself: for keys that are already hashes.
pub struct Identity;

impl StorageHasher for Identity {
    const KIND: HasherKind = HasherKind::Identity;
    fn hash(encoded_key: &[u8]) -> Vec<u8> {
        encoded_key.to_vec()
    }
}

impl ReversibleStorageHasher for Identity {
    fn reverse(hashed: &[u8]) -> Option<&[u8]> {
        Some(hashed)
    }
}
