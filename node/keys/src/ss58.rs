//! SS58 addresses of sr25519 public keys (Substrate's address format).

use crate::hashing::blake2_512;

/// The generic Substrate SS58 prefix (addresses starting with `5`).
pub const SS58_GENERIC_PREFIX: u16 = 42;

/// Encodes a 32-byte public key as an SS58 address:
/// base58(prefix ++ public ++ first 2 bytes of blake2b-512("SS58PRE" ++ prefix ++ public)).
/// Prefixes below 64 take one byte, larger ones (up to 16383, higher bits are ignored) two.
pub fn ss58_encode(public: &[u8; 32], prefix: u16) -> String {
    let prefix = prefix & 0x3fff;
    let mut data = Vec::with_capacity(2 + 32 + 2);
    if prefix < 64 {
        data.push(prefix as u8);
    } else {
        data.push((((prefix & 0b1111_1100) >> 2) as u8) | 0b0100_0000);
        data.push(((prefix >> 8) as u8) | (((prefix & 0b11) as u8) << 6));
    }
    data.extend_from_slice(public);
    let mut preimage = b"SS58PRE".to_vec();
    preimage.extend_from_slice(&data);
    let checksum = blake2_512(&preimage);
    data.extend_from_slice(&checksum[..2]);
    bs58::encode(data).into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alice() {
        let public =
            hex::decode("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
                .expect("hex");
        let public: [u8; 32] = public.try_into().expect("32 bytes");
        assert_eq!(
            ss58_encode(&public, SS58_GENERIC_PREFIX),
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        );
        // Polkadot (prefix 0) and Kusama (prefix 2) addresses of the same key.
        assert_eq!(ss58_encode(&public, 0), "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5");
        assert_eq!(ss58_encode(&public, 2), "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F");
        // A two-byte prefix round-trips through its own decoding rule.
        let encoded = bs58::decode(ss58_encode(&public, 1284)).into_vec().expect("base58");
        let (a, b) = (encoded[0] as u16, encoded[1] as u16);
        assert_eq!(((a & 0b0011_1111) << 2) | (b >> 6) | ((b & 0b0011_1111) << 8), 1284);
        assert_eq!(&encoded[2..34], &public);
    }
}
