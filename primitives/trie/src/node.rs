//! The node codec (spec: "Node Header", "Node Value", "Children Bitmap", "Subvalue").
//!
//! A node is `header ++ partial key ++ subvalue`:
//! - the header's first byte holds the variant in its high bits and the partial key length in
//!   nibbles in the rest; a length that fills those bits continues in following bytes, each
//!   added to it, until a byte below 255;
//! - the partial key is packed two nibbles a byte, left-padded with a zero nibble when odd;
//! - a leaf's subvalue is its value; a branch's is its 16-bit child bitmap (little endian, bit
//!   `i` for child `i`), its value if any, then each child's reference as a SCALE byte vector:
//!   the child's 32-byte hash, or its encoding itself when that is shorter than 32 bytes;
//! - a value is SCALE bytes (`Compact<u32>` length ++ bytes), or for the hashed variants the
//!   32-byte blake2 hash of a value stored on its own.

use alloc::vec::Vec;
use codec::{Compact, Decode, Encode};
use core::ops::Range;

use crate::nibbles::NibbleSlice;
use crate::{blake2_256, Error, Hash, Result};

/// The empty node, the whole encoding of the empty trie.
pub(crate) const EMPTY_NODE: u8 = 0x00;

/// Node variants with their header prefix and how many high bits the prefix takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `01`: leaf with an inline value.
    Leaf,
    /// `10`: branch without a value.
    BranchNoValue,
    /// `11`: branch with an inline value.
    BranchValue,
    /// `001`: leaf whose value is stored by hash.
    HashedLeaf,
    /// `0001`: branch whose value is stored by hash.
    HashedBranch,
}

impl Kind {
    const fn prefix(self) -> u8 {
        match self {
            Kind::Leaf => 0b01 << 6,
            Kind::BranchNoValue => 0b10 << 6,
            Kind::BranchValue => 0b11 << 6,
            Kind::HashedLeaf => 0b001 << 5,
            Kind::HashedBranch => 0b0001 << 4,
        }
    }

    const fn prefix_bits(self) -> u32 {
        match self {
            Kind::Leaf | Kind::BranchNoValue | Kind::BranchValue => 2,
            Kind::HashedLeaf => 3,
            Kind::HashedBranch => 4,
        }
    }

    const fn is_branch(self) -> bool {
        matches!(self, Kind::BranchNoValue | Kind::BranchValue | Kind::HashedBranch)
    }

    fn from_first_byte(byte: u8) -> Result<Kind> {
        Ok(match byte >> 6 {
            0b01 => Kind::Leaf,
            0b10 => Kind::BranchNoValue,
            0b11 => Kind::BranchValue,
            _ if byte >> 5 == 0b001 => Kind::HashedLeaf,
            _ if byte >> 4 == 0b0001 => Kind::HashedBranch,
            _ => return Err(Error::InvalidNode("unknown node header")),
        })
    }
}

/// Header: variant prefix with the nibble count packed in the low bits and continued in
/// following bytes (spec: "Node Header").
fn write_header(out: &mut Vec<u8>, kind: Kind, nibbles: usize) {
    let max = 0xffu8 >> kind.prefix_bits();
    if nibbles < usize::from(max) {
        // Fits in the low bits: `nibbles < max` so the cast is exact.
        out.push(kind.prefix() | nibbles as u8);
        return;
    }
    out.push(kind.prefix() | max);
    let mut rest = nibbles - usize::from(max);
    while rest >= 255 {
        out.push(255);
        rest -= 255;
    }
    // `rest < 255` here.
    out.push(rest as u8);
}

/// A value as stored in a node.
#[derive(Clone, Debug)]
pub(crate) enum Value<B> {
    /// The value's bytes, in the node.
    Inline(B),
    /// The hash of a value node holding the bytes.
    Hashed(Hash),
}

/// How a parent refers to a child node: by hash, or by the child's encoding (< 32 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChildRef {
    Hash(Hash),
    Inline { len: u8, data: [u8; 31] },
}

impl ChildRef {
    /// The reference to a child with this encoding, and whether it is hashed.
    pub(crate) fn for_encoding(encoding: &[u8]) -> ChildRef {
        if encoding.len() >= 32 {
            ChildRef::Hash(blake2_256(encoding))
        } else {
            let mut data = [0u8; 31];
            data[..encoding.len()].copy_from_slice(encoding);
            // `encoding.len() < 32`.
            ChildRef::Inline { len: encoding.len() as u8, data }
        }
    }

    /// A reference decoded from a parent: `bytes` is a hash when 32 bytes long.
    fn from_plan_bytes(bytes: &[u8]) -> ChildRef {
        if let Ok(hash) = <Hash>::try_from(bytes) {
            ChildRef::Hash(hash)
        } else {
            ChildRef::for_encoding(bytes)
        }
    }

    /// The bytes a parent holds for this child: the hash or the inline encoding.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            ChildRef::Hash(hash) => hash,
            ChildRef::Inline { len, data } => &data[..usize::from(*len)],
        }
    }
}

/// Encode a node into `out`. A node without value nor children encodes as the empty node.
pub(crate) fn write_node<B: AsRef<[u8]>>(
    out: &mut Vec<u8>,
    partial: NibbleSlice<'_>,
    value: Option<&Value<B>>,
    children: &[Option<ChildRef>; 16],
) {
    let bitmap = children
        .iter()
        .enumerate()
        .filter(|(_, child)| child.is_some())
        .fold(0u16, |bitmap, (i, _)| bitmap | 1 << i);
    write_node_start(out, partial, value, bitmap);
    for child in children.iter().flatten() {
        write_child_ref(out, child.as_bytes());
    }
}

/// A child reference as a parent holds it: SCALE bytes (`Compact` length ++ bytes).
pub(crate) fn write_child_ref(out: &mut Vec<u8>, bytes: &[u8]) {
    bytes.encode_to(out);
}

fn write_value<B: AsRef<[u8]>>(out: &mut Vec<u8>, value: &Value<B>) {
    match value {
        Value::Inline(bytes) => bytes.as_ref().encode_to(out),
        Value::Hashed(hash) => out.extend_from_slice(hash),
    }
}

/// Streaming writer for the trie builder: header, partial key, bitmap and value of a node, to
/// be followed by its children's references.
pub(crate) fn write_node_start<B: AsRef<[u8]>>(
    out: &mut Vec<u8>,
    partial: NibbleSlice<'_>,
    value: Option<&Value<B>>,
    bitmap: u16,
) {
    let kind = match (bitmap != 0, value) {
        (false, None) => {
            out.push(EMPTY_NODE);
            return;
        }
        (false, Some(Value::Inline(_))) => Kind::Leaf,
        (false, Some(Value::Hashed(_))) => Kind::HashedLeaf,
        (true, None) => Kind::BranchNoValue,
        (true, Some(Value::Inline(_))) => Kind::BranchValue,
        (true, Some(Value::Hashed(_))) => Kind::HashedBranch,
    };
    write_header(out, kind, partial.len());
    partial.write_packed(out);
    if bitmap != 0 {
        out.extend_from_slice(&bitmap.to_le_bytes());
    }
    if let Some(value) = value {
        write_value(out, value);
    }
}

/// A decoded node, as ranges into its encoding (nothing is copied).
#[derive(Clone, Debug)]
pub(crate) struct NodePlan {
    /// Partial key: nibbles `partial.start..partial.end` of the encoding.
    pub partial: Range<usize>,
    pub value: Option<ValuePlan>,
    pub children: [Option<Range<usize>>; 16],
}

/// Where a node's value is in its encoding.
#[derive(Clone, Debug)]
pub(crate) enum ValuePlan {
    /// The value's bytes.
    Inline(Range<usize>),
    /// The 32-byte hash of the value node.
    Hashed(Range<usize>),
}

impl NodePlan {
    pub(crate) fn partial<'a>(&self, data: &'a [u8]) -> NibbleSlice<'a> {
        NibbleSlice::new(data, self.partial.start, self.partial.end)
    }

    pub(crate) fn child(&self, data: &[u8], index: usize) -> Option<ChildRef> {
        self.children[index].clone().map(|range| ChildRef::from_plan_bytes(&data[range]))
    }

    /// The first child at index `from` or above.
    pub(crate) fn first_child_from(&self, from: usize) -> Option<usize> {
        (from..16).find(|&i| self.children[i].is_some())
    }
}

pub(crate) fn read_hash(data: &[u8], at: usize) -> Hash {
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&data[at..at + 32]);
    hash
}

/// A cursor over an encoding that never reads past its end.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8> {
        let byte = *self.data.get(self.pos).ok_or(Error::InvalidNode("truncated node"))?;
        self.pos += 1;
        Ok(byte)
    }

    fn take(&mut self, len: usize) -> Result<Range<usize>> {
        if self.data.len() - self.pos < len {
            return Err(Error::InvalidNode("truncated node"));
        }
        let range = self.pos..self.pos + len;
        self.pos += len;
        Ok(range)
    }

    fn compact_len(&mut self) -> Result<usize> {
        let mut input = &self.data[self.pos..];
        let len = Compact::<u32>::decode(&mut input)
            .map_err(|_| Error::InvalidNode("invalid length prefix"))?
            .0;
        self.pos = self.data.len() - input.len();
        usize::try_from(len).map_err(|_| Error::InvalidNode("length out of range"))
    }
}

/// Decode a node encoding; `Ok(None)` for the empty node.
///
/// Stricter than Substrate only on bytes Substrate never produces: an inline child longer
/// than 32 bytes and trailing bytes are rejected. Never allocates and never reads past `data`.
pub(crate) fn decode_plan(data: &[u8]) -> Result<Option<NodePlan>> {
    let mut reader = Reader { data, pos: 0 };
    let first = reader.byte()?;
    if first == EMPTY_NODE {
        return if data.len() == 1 {
            Ok(None)
        } else {
            Err(Error::InvalidNode("trailing bytes after the empty node"))
        };
    }
    let kind = Kind::from_first_byte(first)?;
    let max = 0xffu8 >> kind.prefix_bits();
    let mut nibbles = usize::from(first & max);
    if nibbles == usize::from(max) {
        loop {
            let more = reader.byte()?;
            nibbles += usize::from(more);
            if more < 255 {
                break;
            }
        }
    }
    let partial_bytes = reader.take(nibbles.div_ceil(2))?;
    let odd = nibbles % 2;
    if odd == 1 && data[partial_bytes.start] & 0xf0 != 0 {
        return Err(Error::InvalidNode("partial key padding is not zero"));
    }
    let partial = partial_bytes.start * 2 + odd..partial_bytes.end * 2;

    let bitmap = if kind.is_branch() {
        let range = reader.take(2)?;
        let bitmap = u16::from_le_bytes([data[range.start], data[range.start + 1]]);
        if bitmap == 0 {
            return Err(Error::InvalidNode("branch without children"));
        }
        bitmap
    } else {
        0
    };

    let value = match kind {
        Kind::BranchNoValue => None,
        Kind::Leaf | Kind::BranchValue => {
            let len = reader.compact_len()?;
            Some(ValuePlan::Inline(reader.take(len)?))
        }
        Kind::HashedLeaf | Kind::HashedBranch => Some(ValuePlan::Hashed(reader.take(32)?)),
    };

    let mut children: [Option<Range<usize>>; 16] = Default::default();
    for (i, child) in children.iter_mut().enumerate() {
        if bitmap & (1 << i) != 0 {
            let len = reader.compact_len()?;
            if len > 32 {
                return Err(Error::InvalidNode("child reference longer than a hash"));
            }
            if len == 0 {
                return Err(Error::InvalidNode("empty child reference"));
            }
            *child = Some(reader.take(len)?);
        }
    }
    if reader.pos != data.len() {
        return Err(Error::InvalidNode("trailing bytes after node"));
    }
    Ok(Some(NodePlan { partial, value, children }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use alloc::vec;

    fn header(kind: Kind, nibbles: usize) -> Vec<u8> {
        let mut out = Vec::new();
        write_header(&mut out, kind, nibbles);
        out
    }

    #[test]
    fn header_sizes() {
        assert_eq!(header(Kind::Leaf, 0), vec![0x40]);
        assert_eq!(header(Kind::Leaf, 62), vec![0x7e]);
        assert_eq!(header(Kind::Leaf, 63), vec![0x7f, 0x00]);
        assert_eq!(header(Kind::Leaf, 64), vec![0x7f, 0x01]);
        assert_eq!(header(Kind::Leaf, 63 + 254), vec![0x7f, 0xfe]);
        assert_eq!(header(Kind::Leaf, 63 + 255), vec![0x7f, 0xff, 0x00]);
        assert_eq!(header(Kind::BranchNoValue, 1), vec![0x81]);
        assert_eq!(header(Kind::BranchValue, 2), vec![0xc2]);
        assert_eq!(header(Kind::HashedLeaf, 31), vec![0x3f, 0x00]);
        assert_eq!(header(Kind::HashedBranch, 15), vec![0x1f, 0x00]);
        assert_eq!(header(Kind::HashedBranch, 14), vec![0x1e]);
    }

    #[test]
    fn header_round_trip() {
        for kind in [
            Kind::Leaf,
            Kind::BranchNoValue,
            Kind::BranchValue,
            Kind::HashedLeaf,
            Kind::HashedBranch,
        ] {
            for nibbles in [0usize, 1, 14, 15, 16, 30, 31, 32, 62, 63, 64, 317, 318, 319, 1000] {
                let mut encoded = header(kind, nibbles);
                let key = vec![0x11u8; nibbles.div_ceil(2)];
                let start = nibbles % 2;
                if start == 1 {
                    encoded.push(0x01);
                    encoded.extend_from_slice(&key[1..]);
                } else {
                    encoded.extend_from_slice(&key);
                }
                if kind.is_branch() {
                    encoded.extend_from_slice(&[0x01, 0x00]);
                }
                match kind {
                    Kind::BranchNoValue => {}
                    Kind::Leaf | Kind::BranchValue => encoded.push(0),
                    _ => encoded.extend_from_slice(&[7; 32]),
                }
                if kind.is_branch() {
                    encoded.extend_from_slice(&[0x80]);
                    encoded.extend_from_slice(&[9; 32]);
                }
                let plan = decode_plan(&encoded).unwrap().unwrap();
                assert_eq!(plan.partial.len(), nibbles, "{kind:?} {nibbles}");
            }
        }
    }

    #[test]
    fn rejects_garbage() {
        assert!(decode_plan(&[]).is_err());
        assert!(decode_plan(&[0x00, 0x00]).is_err());
        assert!(decode_plan(&[0x01]).is_err());
        assert!(decode_plan(&[0x0f]).is_err());
        // leaf with 1 nibble and a non-zero pad
        assert!(decode_plan(&[0x41, 0x11, 0x00]).is_err());
        // leaf with an over-long value
        assert!(decode_plan(&[0x40, 0x08, 0x01]).is_err());
        // header length continuation running off the end
        assert!(decode_plan(&[0x7f, 0xff, 0xff]).is_err());
        // branch with an empty bitmap
        assert!(decode_plan(&[0x80, 0x00, 0x00]).is_err());
        // trailing byte
        assert!(decode_plan(&[0x40, 0x00, 0x00]).is_err());
        // child reference longer than a hash
        let mut node = vec![0x80, 0x01, 0x00, 33 << 2];
        node.extend_from_slice(&[0; 33]);
        assert!(decode_plan(&node).is_err());
        assert!(decode_plan(&[0x40, 0x00]).unwrap().is_some());
    }
}
