//! The 32-byte content key under which an entry is stored.

use std::fmt;

/// A 32-byte content key (a blake3 hash).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(pub [u8; 32]);

impl Key {
    /// Wraps a blake3 hash as a key.
    pub fn from_hash(h: blake3::Hash) -> Key {
        Key(*h.as_bytes())
    }

    /// Lowercase hex, 64 characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex characters (either case); anything else is `None`.
    pub fn from_hex(s: &str) -> Option<Key> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Key(out))
    }
}

impl From<blake3::Hash> for Key {
    fn from(h: blake3::Hash) -> Key {
        Key::from_hash(h)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({})", self.to_hex())
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let k = Key::from_hash(blake3::hash(b"hello"));
        let s = k.to_hex();
        assert_eq!(s.len(), 64);
        assert_eq!(s, blake3::hash(b"hello").to_hex().as_str());
        assert_eq!(Key::from_hex(&s), Some(k));
        assert_eq!(Key::from_hex(&s.to_uppercase()), Some(k));
        assert_eq!(format!("{k}"), s);
        assert_eq!(format!("{k:?}"), format!("Key({s})"));
    }

    #[test]
    fn from_hex_rejects_bad_input() {
        let good = "ab".repeat(32);
        assert!(Key::from_hex(&good).is_some());
        assert_eq!(Key::from_hex(""), None);
        assert_eq!(Key::from_hex(&good[..62]), None);
        assert_eq!(Key::from_hex(&format!("{good}ab")), None);
        assert_eq!(Key::from_hex(&format!("zz{}", &good[2..])), None);
        assert_eq!(Key::from_hex(&"é".repeat(32)), None);
    }
}
