//! Session keys: held in memory, loaded from the keystore directory under the base path
//! (`<base>/chains/<chain>/keystore/<hex public key>`, each file holding the key's secret URI
//! as a JSON string, as `luxtensor key insert` writes it) and from the `--alice`... shortcuts.

use std::path::Path;

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

    /// Loads every key file in `dir` (a missing directory holds no keys). A file whose key
    /// does not match its name is an error: it was edited or mixed up.
    pub fn load_dir(&mut self, dir: &Path) -> Result<usize, String> {
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

    /// The public keys held.
    pub fn publics(&self) -> Vec<Sr25519Public> {
        self.pairs.iter().map(|p| Sr25519Public(p.public())).collect()
    }
}

impl SessionSigner for MemoryKeystore {
    fn sign(&self, public: &Sr25519Public, message: &[u8]) -> Option<Sr25519Signature> {
        self.pairs.sign(public, message)
    }
}

impl VrfSigner for MemoryKeystore {
    fn vrf_sign(
        &self,
        public: &Sr25519Public,
        label: &'static [u8],
        items: &[VrfItem<'_>],
    ) -> Option<VrfSignature> {
        self.pairs.vrf_sign(public, label, items)
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
        // A file whose name is another key's is refused.
        let alice = lux_keys::dev_session_key("alice").expect("dev key").public();
        std::fs::write(dir.path().join(hex::encode(alice)), "\"//Bob\"").expect("write");
        assert!(MemoryKeystore::default().load_dir(dir.path()).is_err());
        assert_eq!(MemoryKeystore::default().load_dir(&dir.path().join("missing")), Ok(0));
    }
}
