//! Session keys: held in memory, loaded from the keystore directory under the base path
//! (`<base>/chains/<chain>/keystore/<hex public key>`, each file holding the key's secret URI
//! as a JSON string, as `luxtensor key insert` writes it) and from the `--alice`... shortcuts.
//!
//! The keystore is shared: the author and the finality voter look keys up at every slot and
//! round, so a key added while the node runs (`author_rotateKeys`, `author_insertKey`) is used
//! as soon as the chain makes it an authority. Added keys are written to the keystore
//! directory first, so they survive a restart.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lux_consensus::{SessionSigner, VrfSigner};
use lux_keys::{Sr25519Pair, VrfItem, VrfSignature};
use lux_primitives::{Sr25519Public, Sr25519Signature};
use parking_lot::RwLock;

/// sr25519 session keys in memory, shared by every clone, optionally backed by a directory.
#[derive(Clone, Default)]
pub struct MemoryKeystore {
    pairs: Arc<RwLock<Vec<Sr25519Pair>>>,
    dir: Option<PathBuf>,
}

impl MemoryKeystore {
    /// Adds a key in memory only (the `--alice`... dev keys).
    pub fn insert(&self, pair: Sr25519Pair) {
        let mut pairs = self.pairs.write();
        if !pairs.iter().any(|p| p.public() == pair.public()) {
            pairs.push(pair);
        }
    }

    /// Whether we hold `public`'s secret.
    pub fn has(&self, public: &Sr25519Public) -> bool {
        self.pairs.read().iter().any(|p| p.public() == public.0)
    }

    /// Loads every key file in `dir` (a missing directory holds no keys), and makes `dir` the
    /// place where keys added later are stored. A file whose key does not match its name is
    /// an error: it was edited or mixed up.
    pub fn load_dir(&mut self, dir: &Path) -> Result<usize, String> {
        self.dir = Some(dir.to_path_buf());
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(format!("cannot read the keystore {}: {e}", dir.display())),
        };
        let mut loaded = 0;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
            if name.len() != 64 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let suri: String = serde_json::from_str(text.trim())
                .map_err(|_| format!("{} does not hold a JSON string", path.display()))?;
            let pair =
                Sr25519Pair::from_suri(&suri).map_err(|e| format!("{}: {e}", path.display()))?;
            if hex::encode(pair.public()) != name.to_ascii_lowercase() {
                return Err(format!("{} holds the key of another public key", path.display()));
            }
            self.insert(pair);
            loaded += 1;
        }
        Ok(loaded)
    }

    /// Adds the key of `suri`, stored in the keystore directory (if the keystore has one)
    /// before it is used; returns its public key.
    pub fn insert_suri(&self, suri: &str) -> Result<[u8; 32], String> {
        let pair = Sr25519Pair::from_suri(suri).map_err(|e| e.to_string())?;
        if let Some(dir) = &self.dir {
            insert_key(dir, suri)?;
        }
        let public = pair.public();
        self.insert(pair);
        Ok(public)
    }

    /// Generates a new key from fresh randomness (`author_rotateKeys`), stored like
    /// [`insert_suri`](Self::insert_suri); returns its public key.
    pub fn generate(&self) -> Result<[u8; 32], String> {
        let seed: [u8; 32] = rand::random();
        let suri = zeroize::Zeroizing::new(format!("0x{}", hex::encode(seed)));
        self.insert_suri(&suri)
    }

    /// The public keys held.
    pub fn publics(&self) -> Vec<Sr25519Public> {
        self.pairs.read().iter().map(|p| Sr25519Public(p.public())).collect()
    }
}

impl lux_rpc::SessionKeystore for MemoryKeystore {
    fn generate(&self) -> Result<[u8; 32], String> {
        MemoryKeystore::generate(self)
    }
    fn insert(&self, suri: &str) -> Result<[u8; 32], String> {
        self.insert_suri(suri)
    }
    fn has(&self, public: &[u8; 32]) -> bool {
        MemoryKeystore::has(self, &Sr25519Public(*public))
    }
    fn sign(&self, public: &[u8; 32], message: &[u8]) -> Option<[u8; 64]> {
        SessionSigner::sign(self, &Sr25519Public(*public), message).map(|s| s.0)
    }
}

impl SessionSigner for MemoryKeystore {
    fn sign(&self, public: &Sr25519Public, message: &[u8]) -> Option<Sr25519Signature> {
        self.pairs.read().sign(public, message)
    }
}

impl VrfSigner for MemoryKeystore {
    fn vrf_sign(
        &self,
        public: &Sr25519Public,
        label: &'static [u8],
        items: &[VrfItem<'_>],
    ) -> Option<VrfSignature> {
        self.pairs.read().vrf_sign(public, label, items)
    }
}

/// Stores the sr25519 key of `suri` in the keystore directory `dir`; returns its public key.
pub fn insert_key(dir: &Path, suri: &str) -> Result<[u8; 32], String> {
    let pair = Sr25519Pair::from_suri(suri).map_err(|e| e.to_string())?;
    let public = pair.public();
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(hex::encode(public));
    let text = serde_json::to_string(suri).map_err(|e| e.to_string())?;
    write_private(&path, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(public)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserted_keys_load_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let public = insert_key(dir.path(), "//Bob").expect("inserted");
        assert_eq!(public, lux_keys::dev_session_key("bob").expect("dev key").public());
        let mut keystore = MemoryKeystore::default();
        assert_eq!(keystore.load_dir(dir.path()), Ok(1));
        assert!(keystore.has(&Sr25519Public(public)));
        // Generated and inserted keys are stored, and load back in a new keystore.
        let generated = keystore.generate().expect("generated");
        let charlie = keystore.insert_suri("//Charlie").expect("inserted");
        let shared = keystore.clone();
        assert!(shared.has(&Sr25519Public(generated)));
        let mut reloaded = MemoryKeystore::default();
        assert_eq!(reloaded.load_dir(dir.path()), Ok(3));
        assert!(reloaded.has(&Sr25519Public(generated)) && reloaded.has(&Sr25519Public(charlie)));
        assert_ne!(keystore.generate().expect("generated"), generated);
        // A file whose name is another key's is refused.
        let alice = lux_keys::dev_session_key("alice").expect("dev key").public();
        std::fs::write(dir.path().join(hex::encode(alice)), "\"//Bob\"").expect("write");
        assert!(MemoryKeystore::default().load_dir(dir.path()).is_err());
        assert_eq!(MemoryKeystore::default().load_dir(&dir.path().join("missing")), Ok(0));
    }
}
