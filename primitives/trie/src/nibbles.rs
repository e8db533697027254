//! Keys as sequences of 4-bit nibbles (spec: "Key Encode"): byte `b` is the nibbles
//! `b >> 4`, `b & 0x0f`, high half first.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Range;

/// Nibble `index` of `data`.
#[inline]
pub(crate) fn nibble_at(data: &[u8], index: usize) -> u8 {
    let byte = data[index / 2];
    if index.is_multiple_of(2) {
        byte >> 4
    } else {
        byte & 0x0f
    }
}

/// Index of the first nibble at or after `from` where `a` and `b` differ, or the nibble
/// length of the shorter one. Both must be at least `from` nibbles long.
pub(crate) fn common_nibbles(a: &[u8], b: &[u8], from: usize) -> usize {
    let bytes = a.len().min(b.len());
    let max = bytes * 2;
    let mut index = from;
    if index >= max {
        return max;
    }
    if index % 2 == 1 {
        if nibble_at(a, index) != nibble_at(b, index) {
            return index;
        }
        index += 1;
    }
    let mut byte = index / 2;
    while byte < bytes && a[byte] == b[byte] {
        byte += 1;
    }
    if byte == bytes {
        max
    } else if a[byte] >> 4 != b[byte] >> 4 {
        byte * 2
    } else {
        byte * 2 + 1
    }
}

/// A borrowed run of nibbles: nibbles `start..end` of `data`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NibbleSlice<'a> {
    data: &'a [u8],
    start: usize,
    end: usize,
}

impl<'a> NibbleSlice<'a> {
    /// Nibbles `start..end` of `data`; `end` must not exceed `2 * data.len()`.
    pub(crate) fn new(data: &'a [u8], start: usize, end: usize) -> Self {
        debug_assert!(start <= end && end <= data.len() * 2);
        NibbleSlice { data, start, end }
    }

    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }

    pub(crate) fn at(&self, index: usize) -> u8 {
        nibble_at(self.data, self.start + index)
    }

    /// Length of the common prefix of these nibbles and `key` from nibble `from` on.
    pub(crate) fn common_with_key(&self, key: &[u8], from: usize) -> usize {
        let available = (key.len() * 2).saturating_sub(from);
        let max = self.len().min(available);
        (0..max).find(|&i| self.at(i) != nibble_at(key, from + i)).unwrap_or(max)
    }

    /// Whether `key`, from nibble `from` on, starts with these nibbles.
    pub(crate) fn is_prefix_of_key(&self, key: &[u8], from: usize) -> bool {
        self.common_with_key(key, from) == self.len()
    }

    /// Append the nibbles packed two to a byte, left-padded with a zero nibble when their
    /// count is odd: the partial key encoding of a node (spec: "Node Value").
    pub(crate) fn write_packed(&self, out: &mut Vec<u8>) {
        let mut index = self.start;
        if self.len() % 2 == 1 {
            out.push(nibble_at(self.data, index));
            index += 1;
        }
        if index.is_multiple_of(2) {
            out.extend_from_slice(&self.data[index / 2..self.end / 2]);
        } else {
            while index < self.end {
                out.push(nibble_at(self.data, index) << 4 | nibble_at(self.data, index + 1));
                index += 2;
            }
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = u8> + '_ {
        (0..self.len()).map(move |i| self.at(i))
    }
}

/// Bytes borrowed from the caller's changes, or shared with a node loaded from the store.
#[derive(Clone, Debug)]
pub(crate) enum Bytes<'a> {
    Borrowed(&'a [u8]),
    Shared(Arc<[u8]>, Range<usize>),
}

impl AsRef<[u8]> for Bytes<'_> {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Bytes<'_> {
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Borrowed(bytes) => bytes,
            Bytes::Shared(data, range) => &data[range.clone()],
        }
    }
}

/// Owned (cheaply cloned) nibbles: the partial key of a node being rebuilt.
#[derive(Clone, Debug)]
pub(crate) struct Nibbles<'a> {
    bytes: Bytes<'a>,
    start: usize,
    end: usize,
}

impl<'a> Nibbles<'a> {
    pub(crate) fn new(bytes: Bytes<'a>, start: usize, end: usize) -> Self {
        debug_assert!(start <= end && end <= bytes.as_slice().len() * 2);
        Nibbles { bytes, start, end }
    }

    pub(crate) fn as_slice(&self) -> NibbleSlice<'_> {
        NibbleSlice::new(self.bytes.as_slice(), self.start, self.end)
    }

    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }

    /// Nibbles `from..to` of these.
    pub(crate) fn slice(&self, from: usize, to: usize) -> Self {
        debug_assert!(from <= to && to <= self.len());
        Nibbles { bytes: self.bytes.clone(), start: self.start + from, end: self.start + to }
    }

    /// `first ++ [middle] ++ second`, packed like a partial key so it encodes by copying.
    pub(crate) fn concat(first: NibbleSlice<'_>, middle: u8, second: NibbleSlice<'_>) -> Self {
        let len = first.len() + 1 + second.len();
        let pad = len % 2;
        let mut packed = Vec::with_capacity(len.div_ceil(2));
        let mut pending: Option<u8> = if pad == 1 { Some(0) } else { None };
        for nibble in first.iter().chain(core::iter::once(middle)).chain(second.iter()) {
            match pending.take() {
                Some(high) => packed.push(high << 4 | nibble),
                None => pending = Some(nibble),
            }
        }
        debug_assert!(pending.is_none());
        let data: Arc<[u8]> = packed.into();
        let bytes = data.len();
        Nibbles { bytes: Bytes::Shared(data, 0..bytes), start: pad, end: pad + len }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn nibbles_of_bytes() {
        let data = [0x12, 0xab];
        let all: Vec<u8> = NibbleSlice::new(&data, 0, 4).iter().collect();
        assert_eq!(all, vec![1, 2, 0xa, 0xb]);
    }

    #[test]
    fn common_prefix() {
        assert_eq!(common_nibbles(&[0x12, 0x34], &[0x12, 0x35], 0), 3);
        assert_eq!(common_nibbles(&[0x12, 0x34], &[0x12, 0x44], 0), 2);
        assert_eq!(common_nibbles(&[0x12, 0x34], &[0x12, 0x34, 0x56], 1), 4);
        assert_eq!(common_nibbles(&[0x12], &[0x13], 1), 1);
        assert_eq!(common_nibbles(&[], &[0x13], 0), 0);
    }

    #[test]
    fn packing() {
        let data = [0x12, 0x34, 0x56];
        let mut out = Vec::new();
        NibbleSlice::new(&data, 1, 6).write_packed(&mut out);
        assert_eq!(out, vec![0x02, 0x34, 0x56]);
        out.clear();
        NibbleSlice::new(&data, 1, 5).write_packed(&mut out);
        assert_eq!(out, vec![0x23, 0x45]);
        out.clear();
        NibbleSlice::new(&data, 0, 3).write_packed(&mut out);
        assert_eq!(out, vec![0x01, 0x23]);
    }

    #[test]
    fn concat_packs_like_a_partial_key() {
        let a = [0x12];
        let b = [0x34];
        let joined = Nibbles::concat(NibbleSlice::new(&a, 0, 2), 0xf, NibbleSlice::new(&b, 1, 2));
        let got: Vec<u8> = joined.as_slice().iter().collect();
        assert_eq!(got, vec![1, 2, 0xf, 4]);
        let mut out = Vec::new();
        joined.as_slice().write_packed(&mut out);
        assert_eq!(out, vec![0x12, 0xf4]);
        let odd = Nibbles::concat(NibbleSlice::new(&a, 1, 2), 0xf, NibbleSlice::new(&b, 1, 2));
        out.clear();
        odd.as_slice().write_packed(&mut out);
        assert_eq!(out, vec![0x02, 0xf4]);
    }
}
