//! The on-disk entry format: a fixed 56-byte header followed by the payload.
//!
//! | bytes  | field                                                        |
//! |--------|--------------------------------------------------------------|
//! | 0..8   | magic `WARMCC\0E`                                            |
//! | 8..12  | format version, u32 little-endian (currently 1)              |
//! | 12..16 | reserved, must be zero                                       |
//! | 16..24 | payload length, u64 little-endian                            |
//! | 24..56 | blake3 of (key ‖ payload)                                    |
//!
//! Every header byte is checked on read (the length against the file size, the checksum against
//! the payload), so a truncated, partially written or bit-flipped file is always detected. The key
//! is hashed in so that a file copied or renamed to the wrong place is also refused.

use crate::Key;

/// Bytes before the payload.
pub(crate) const HEADER_LEN: usize = 56;
const MAGIC: [u8; 8] = *b"WARMCC\0E";
const VERSION: u32 = 1;

/// What is wrong with an entry that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    /// Damaged: truncated, bit-flipped or not an entry at all. Delete it.
    Corrupt,
    /// Intact magic but another format version, perhaps written by a newer warmcc sharing the
    /// root. Not ours to delete: a later put replaces it, or LRU eviction ages it out.
    OtherVersion,
}

/// The parts of a valid header that the payload must still be checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) payload_len: u64,
    checksum: [u8; 32],
}

fn checksum(key: &Key, payload: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(&key.0);
    h.update(payload);
    *h.finalize().as_bytes()
}

/// The header to write in front of `payload` when it is stored under `key`.
pub(crate) fn encode_header(key: &Key, payload: &[u8]) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[0..8].copy_from_slice(&MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[16..24].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    h[24..56].copy_from_slice(&checksum(key, payload));
    h
}

/// Checks a header read from a file of `file_len` bytes.
pub(crate) fn parse_header(h: &[u8; HEADER_LEN], file_len: u64) -> Result<Header, Problem> {
    if h[0..8] != MAGIC {
        return Err(Problem::Corrupt);
    }
    let mut word = [0u8; 4];
    word.copy_from_slice(&h[8..12]);
    if u32::from_le_bytes(word) != VERSION {
        return Err(Problem::OtherVersion);
    }
    if h[12..16] != [0u8; 4] {
        return Err(Problem::Corrupt);
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&h[16..24]);
    let payload_len = u64::from_le_bytes(len);
    if Some(file_len) != payload_len.checked_add(HEADER_LEN as u64) {
        return Err(Problem::Corrupt);
    }
    let mut checksum = [0u8; 32];
    checksum.copy_from_slice(&h[24..56]);
    Ok(Header {
        payload_len,
        checksum,
    })
}

/// Whether `payload` is what the header promised for `key`.
pub(crate) fn payload_matches(header: &Header, key: &Key, payload: &[u8]) -> bool {
    payload.len() as u64 == header.payload_len && checksum(key, payload) == header.checksum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key::from_hash(blake3::hash(b"k"))
    }

    /// Decodes a whole file image the way the store does.
    fn decode(key: &Key, file: &[u8]) -> Result<Vec<u8>, Problem> {
        let mut h = [0u8; HEADER_LEN];
        h.copy_from_slice(file.get(..HEADER_LEN).ok_or(Problem::Corrupt)?);
        let header = parse_header(&h, file.len() as u64)?;
        let payload = &file[HEADER_LEN..];
        if payload_matches(&header, key, payload) {
            Ok(payload.to_vec())
        } else {
            Err(Problem::Corrupt)
        }
    }

    fn image(key: &Key, payload: &[u8]) -> Vec<u8> {
        let mut v = encode_header(key, payload).to_vec();
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn round_trip_including_empty_payload() {
        for payload in [&b""[..], b"x", &[7u8; 10_000][..]] {
            assert_eq!(
                decode(&key(), &image(&key(), payload)),
                Ok(payload.to_vec())
            );
        }
    }

    #[test]
    fn every_single_bit_flip_is_detected() {
        let img = image(&key(), b"some object bytes");
        for i in 0..img.len() {
            for bit in 0..8 {
                let mut bad = img.clone();
                bad[i] ^= 1 << bit;
                let got = decode(&key(), &bad);
                let expected = if (8..12).contains(&i) {
                    Problem::OtherVersion
                } else {
                    Problem::Corrupt
                };
                assert_eq!(got, Err(expected), "byte {i} bit {bit}");
            }
        }
    }

    #[test]
    fn every_truncation_and_extension_is_detected() {
        let img = image(&key(), b"payload");
        for n in 0..img.len() {
            assert_eq!(decode(&key(), &img[..n]), Err(Problem::Corrupt), "len {n}");
        }
        let mut longer = img.clone();
        longer.push(0);
        assert_eq!(decode(&key(), &longer), Err(Problem::Corrupt));
    }

    #[test]
    fn entry_under_another_key_is_refused() {
        let other = Key::from_hash(blake3::hash(b"other"));
        assert_eq!(decode(&other, &image(&key(), b"p")), Err(Problem::Corrupt));
    }

    #[test]
    fn huge_length_field_does_not_overflow() {
        let mut img = image(&key(), b"p");
        img[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(decode(&key(), &img), Err(Problem::Corrupt));
    }
}
