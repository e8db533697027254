//! The node's network identity: an ed25519 key kept in a file.

use std::path::Path;

use libp2p::identity::Keypair;

use crate::NetworkError;

/// Loads the ed25519 node key from `path` (32 raw secret bytes, as Substrate stores
/// `secret_ed25519`), creating it with a fresh key if the file does not exist.
pub fn load_or_generate_node_key(path: &Path) -> Result<Keypair, NetworkError> {
    let err = |e: &dyn std::fmt::Display| {
        NetworkError::NodeKey(path.display().to_string(), e.to_string())
    };
    match std::fs::read(path) {
        Ok(mut bytes) => {
            // Also accept a hex-encoded key (as `subkey generate-node-key` prints).
            if bytes.len() != 32 {
                let text =
                    String::from_utf8_lossy(&bytes).trim().trim_start_matches("0x").to_string();
                bytes = hex::decode(&text)
                    .ok()
                    .filter(|b| b.len() == 32)
                    .ok_or_else(|| err(&"expected 32 bytes or 64 hex digits"))?;
            }
            Keypair::ed25519_from_bytes(bytes).map_err(|e| err(&e))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let keypair = libp2p::identity::ed25519::Keypair::generate();
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
            }
            write_secret(path, keypair.secret().as_ref()).map_err(|e| err(&e))?;
            Ok(keypair.into())
        }
        Err(e) => Err(err(&e)),
    }
}

#[cfg(unix)]
fn write_secret(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_secret(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_key_is_created_once_then_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("network").join("secret_ed25519");
        let first = load_or_generate_node_key(&path).expect("created");
        let again = load_or_generate_node_key(&path).expect("loaded");
        assert_eq!(first.public().to_peer_id(), again.public().to_peer_id());
        assert_eq!(std::fs::read(&path).expect("file").len(), 32);
        std::fs::write(&path, b"not a key").expect("write");
        assert!(matches!(load_or_generate_node_key(&path), Err(NetworkError::NodeKey(..))));
        std::fs::write(&path, hex::encode([7u8; 32])).expect("write");
        load_or_generate_node_key(&path).expect("hex key");
    }
}
