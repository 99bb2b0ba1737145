//! Length-delimited protobuf frames on a byte stream (a varint length, then the message).

use std::io::{self, Read, Write};

/// Frames above this size are refused as corrupt rather than allocated.
const MAX_FRAME: u64 = 1 << 30;

/// Writes one message and flushes.
pub fn write_message<M: prost::Message>(w: &mut impl Write, msg: &M) -> io::Result<()> {
    w.write_all(&msg.encode_length_delimited_to_vec())?;
    w.flush()
}

/// Reads one message; `Ok(None)` on a clean end of stream before a frame starts.
pub fn read_message<M: prost::Message + Default>(r: &mut impl Read) -> io::Result<Option<M>> {
    let Some(len) = read_varint(r)? else {
        return Ok(None);
    };
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes"),
        ));
    }
    let mut buf = vec![0u8; len as usize];
    r.read_exact(&mut buf)?;
    M::decode(buf.as_slice())
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn read_varint(r: &mut impl Read) -> io::Result<Option<u64>> {
    let mut value = 0u64;
    for i in 0..10 {
        let mut byte = [0u8; 1];
        if let Err(e) = r.read_exact(&mut byte) {
            if i == 0 && e.kind() == io::ErrorKind::UnexpectedEof {
                return Ok(None);
            }
            return Err(e);
        }
        value |= u64::from(byte[0] & 0x7f) << (7 * i);
        if byte[0] & 0x80 == 0 {
            return Ok(Some(value));
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "varint too long",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{request, Request, SnippetRequest};

    #[test]
    fn round_trips_frames_and_sees_the_end() {
        let mut buf = Vec::new();
        for name in ["a", "b"] {
            let req = Request {
                kind: Some(request::Kind::Snippet(SnippetRequest {
                    source: b"int x;".to_vec(),
                    name: name.into(),
                })),
            };
            write_message(&mut buf, &req).expect("write");
        }
        let mut r = buf.as_slice();
        for name in ["a", "b"] {
            let got: Request = read_message(&mut r).expect("read").expect("a frame");
            match got.kind {
                Some(request::Kind::Snippet(s)) => assert_eq!(s.name, name),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(read_message::<Request>(&mut r).expect("eof").is_none());
    }

    #[test]
    fn truncated_frame_is_an_error() {
        let mut r: &[u8] = &[5, 1, 2];
        assert!(read_message::<Request>(&mut r).is_err());
    }
}
