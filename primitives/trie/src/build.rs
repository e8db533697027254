//! Building a trie from scratch out of key/value pairs sorted by key.
//!
//! The builder walks the sorted pairs once, depth first, with an explicit stack (so deep tries
//! cannot overflow the call stack) and a single output buffer used as a stack of node
//! encodings: a branch's header, partial key, bitmap and value are written first, then each
//! child is encoded right after it and replaced by its reference as soon as it is complete.

use alloc::vec::Vec;
use codec::{Compact, Encode};

use crate::nibbles::{common_nibbles, nibble_at, NibbleSlice};
use crate::node::{write_child_ref, write_node_start, ChildRef, Value};
use crate::{blake2_256, Hash, StateVersion, EMPTY_ROOT};

/// One change: a key and its new value, `None` to delete it.
pub(crate) type Item<'a> = (&'a [u8], Option<&'a [u8]>);

/// Receives every node and hashed value (hash, bytes) that an encoder creates.
pub(crate) trait Sink {
    fn emit(&mut self, hash: Hash, data: &[u8]);

    fn emit_vec(&mut self, hash: Hash, data: Vec<u8>) {
        self.emit(hash, &data);
    }
}

/// A sink that keeps nothing: for roots alone.
pub(crate) struct Discard;

impl Sink for Discard {
    fn emit(&mut self, _: Hash, _: &[u8]) {}

    fn emit_vec(&mut self, _: Hash, _: Vec<u8>) {}
}

/// A sink that hands every entry to a callback.
pub(crate) struct Callback<F>(pub F);

impl<F: FnMut(Hash, Vec<u8>)> Sink for Callback<F> {
    fn emit(&mut self, hash: Hash, data: &[u8]) {
        (self.0)(hash, data.to_vec());
    }

    fn emit_vec(&mut self, hash: Hash, data: Vec<u8>) {
        (self.0)(hash, data);
    }
}

impl Sink for Vec<(Hash, Vec<u8>)> {
    fn emit(&mut self, hash: Hash, data: &[u8]) {
        self.push((hash, data.to_vec()));
    }

    fn emit_vec(&mut self, hash: Hash, data: Vec<u8>) {
        self.push((hash, data));
    }
}

/// Encodes new nodes and values under one state version, handing them to a sink.
pub(crate) struct Encoder<S> {
    pub version: StateVersion,
    pub sink: S,
}

/// A branch of the builder whose children are still being encoded.
struct Frame {
    /// Next change to look at for a child.
    cursor: usize,
    /// End of this branch's changes.
    end: usize,
    /// Nibble index that selects the child.
    split: usize,
    /// Where the branch's encoding starts in the output buffer.
    start: usize,
}

impl<S: Sink> Encoder<S> {
    /// How `value` is stored when written now (its hash is computed, nothing is emitted).
    pub(crate) fn value_repr<'a>(&self, value: &'a [u8]) -> Value<&'a [u8]> {
        if self.version.hashes_value(value.len()) {
            Value::Hashed(blake2_256(value))
        } else {
            Value::Inline(value)
        }
    }

    /// How `value` is stored when written now, emitting its value node if it has one.
    pub(crate) fn new_value<'a>(&mut self, value: &'a [u8]) -> Value<&'a [u8]> {
        let repr = self.value_repr(value);
        if let Value::Hashed(hash) = &repr {
            self.sink.emit(*hash, value);
        }
        repr
    }

    /// The reference to a finished child node, emitting it when it is referenced by hash.
    pub(crate) fn child_ref(&mut self, encoding: Vec<u8>) -> ChildRef {
        let reference = ChildRef::for_encoding(&encoding);
        if let ChildRef::Hash(hash) = reference {
            self.sink.emit_vec(hash, encoding);
        }
        reference
    }

    /// The root of a finished root node encoding: always hashed, always emitted.
    pub(crate) fn root(&mut self, encoding: Vec<u8>) -> Hash {
        let hash = blake2_256(&encoding);
        self.sink.emit_vec(hash, encoding);
        hash
    }

    /// Append to `out` the encoding of the subtree holding the insertions among `items`,
    /// whose top node starts at nibble `depth`. Deletions are skipped.
    ///
    /// `items` must be sorted by key, unique, and share their first `depth` nibbles. Every
    /// node below the top one is emitted (if hashed) and referenced from its parent; the top
    /// node is left in `out` for the caller. Returns false (writing nothing) if there is no
    /// insertion.
    pub(crate) fn build(&mut self, items: &[Item<'_>], depth: usize, out: &mut Vec<u8>) -> bool {
        let Some((first, end)) = trim(items, 0, items.len()) else {
            return false;
        };
        let mut stack = Vec::new();
        if let Some(frame) = self.open(items, first, end, depth, out) {
            stack.push(frame);
        }
        while let Some(top) = stack.last_mut() {
            let child_depth = top.split + 1;
            match next_group(items, top) {
                Some((lo, hi)) => {
                    let child_start = out.len();
                    match self.open(items, lo, hi, child_depth, out) {
                        Some(frame) => stack.push(frame),
                        None => self.close_child(out, child_start),
                    }
                }
                None => {
                    let start = top.start;
                    stack.pop();
                    if !stack.is_empty() {
                        self.close_child(out, start);
                    }
                }
            }
        }
        true
    }

    /// Write the node for `items[lo..hi]` (trimmed: both ends are insertions). A leaf is
    /// written whole and `None` returned; a branch is written up to its children and returned
    /// as a frame.
    fn open(
        &mut self,
        items: &[Item<'_>],
        lo: usize,
        hi: usize,
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Option<Frame> {
        let (key, first_value) = items[lo];
        let start = out.len();
        if hi - lo == 1 {
            let value = first_value.map(|value| self.new_value(value));
            let partial = NibbleSlice::new(key, depth, key.len() * 2);
            write_node_start(out, partial, value.as_ref(), 0);
            return None;
        }
        let split = common_nibbles(key, items[hi - 1].0, depth);
        let (value, cursor) = if key.len() * 2 == split {
            (first_value.map(|value| self.new_value(value)), lo + 1)
        } else {
            (None, lo)
        };
        let bitmap = items[cursor..hi]
            .iter()
            .filter(|(key, value)| value.is_some() && key.len() * 2 > split)
            .fold(0u16, |bitmap, (key, _)| bitmap | 1 << nibble_at(key, split));
        write_node_start(out, NibbleSlice::new(key, depth, split), value.as_ref(), bitmap);
        Some(Frame { cursor, end: hi, split, start })
    }

    /// Replace the finished child encoding at `out[start..]` by its reference.
    fn close_child(&mut self, out: &mut Vec<u8>, start: usize) {
        let reference = ChildRef::for_encoding(&out[start..]);
        if let ChildRef::Hash(hash) = reference {
            self.sink.emit(hash, &out[start..]);
        }
        out.truncate(start);
        write_child_ref(out, reference.as_bytes());
    }
}

/// Shrink `lo..hi` to start and end on insertions; `None` if it holds none.
fn trim(items: &[Item<'_>], mut lo: usize, mut hi: usize) -> Option<(usize, usize)> {
    while lo < hi && items[lo].1.is_none() {
        lo += 1;
    }
    while hi > lo && items[hi - 1].1.is_none() {
        hi -= 1;
    }
    (lo < hi).then_some((lo, hi))
}

/// The next run of a branch's items sharing the child nibble and holding an insertion.
fn next_group(items: &[Item<'_>], frame: &mut Frame) -> Option<(usize, usize)> {
    let split = frame.split;
    let child_of = |key: &[u8]| (key.len() * 2 > split).then(|| nibble_at(key, split));
    while frame.cursor < frame.end {
        let lo = frame.cursor;
        let Some(nibble) = child_of(items[lo].0) else {
            frame.cursor += 1;
            continue;
        };
        let mut hi = lo + 1;
        while hi < frame.end && child_of(items[hi].0) == Some(nibble) {
            hi += 1;
        }
        frame.cursor = hi;
        if let Some(group) = trim(items, lo, hi) {
            return Some(group);
        }
    }
    None
}

/// Sort `pairs` by key if they are not strictly ascending, keeping the last value given for
/// a key (as Substrate's `trie_root`, which collects into a map, does).
pub(crate) fn sort_pairs<K: AsRef<[u8]>, V>(pairs: &mut Vec<(K, V)>) {
    if pairs.windows(2).all(|w| w[0].0.as_ref() < w[1].0.as_ref()) {
        return;
    }
    pairs.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
    pairs.reverse();
    pairs.dedup_by(|a, b| a.0.as_ref() == b.0.as_ref());
    pairs.reverse();
}

fn root_of<K, V, S>(version: StateVersion, mut pairs: Vec<(K, V)>, sink: S) -> Hash
where
    K: AsRef<[u8]>,
    V: AsRef<[u8]>,
    S: Sink,
{
    sort_pairs(&mut pairs);
    let items: Vec<Item<'_>> =
        pairs.iter().map(|(key, value)| (key.as_ref(), Some(value.as_ref()))).collect();
    let mut encoder = Encoder { version, sink };
    let mut out = Vec::new();
    if encoder.build(&items, 0, &mut out) {
        encoder.root(out)
    } else {
        EMPTY_ROOT
    }
}

/// Root of the trie holding `pairs`, which should be sorted by key, ascending and unique
/// (the fast path; otherwise they are sorted, and the last value given for a key wins).
///
/// This is Substrate's `LayoutV0/V1::trie_root`, used for genesis, the native test backend and
/// `ext_trie_blake2_256_root`.
pub fn trie_root<I, K, V>(version: StateVersion, pairs: I) -> Hash
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    root_of(version, pairs.into_iter().collect(), Discard)
}

/// [`trie_root`], also handing `on_node` every node of the trie and every hashed value as
/// `(blake2_256(bytes), bytes)`, so that a store can be filled from scratch.
///
/// The root node is always handed over (even when shorter than 32 bytes); nodes shorter than
/// 32 bytes other than the root live inside their parent and are not. Nothing is handed over
/// for the empty trie, whose root [`EMPTY_ROOT`] needs no node.
pub fn trie_root_with_nodes<I, K, V>(
    version: StateVersion,
    pairs: I,
    on_node: impl FnMut(Hash, Vec<u8>),
) -> Hash
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    root_of(version, pairs.into_iter().collect(), Callback(on_node))
}

/// Root of the trie mapping `SCALE(Compact<u32>(i))` to the `i`-th value: Substrate's
/// `ordered_trie_root`, behind `ext_trie_blake2_256_ordered_root` (extrinsics roots).
pub fn ordered_trie_root<I>(version: StateVersion, values: I) -> Hash
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let pairs: Vec<(Vec<u8>, I::Item)> = values
        .into_iter()
        .enumerate()
        // Index beyond u32 would not fit Substrate's encoding either; saturate rather than
        // wrap (such a list cannot exist in a block).
        .map(|(i, value)| (Compact(u32::try_from(i).unwrap_or(u32::MAX)).encode(), value))
        .collect();
    root_of(version, pairs, Discard)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn empty() {
        assert_eq!(trie_root(StateVersion::V1, Vec::<(Vec<u8>, Vec<u8>)>::new()), EMPTY_ROOT);
        assert_eq!(ordered_trie_root(StateVersion::V1, Vec::<Vec<u8>>::new()), EMPTY_ROOT);
    }

    #[test]
    fn single_leaf_encoding() {
        // leaf header 0x40 | 4 nibbles, key 0x0102, value compact(1) ++ 0x03
        let mut nodes = Vec::new();
        let root = trie_root_with_nodes(StateVersion::V1, [(&[1u8, 2][..], &[3u8][..])], |h, n| {
            nodes.push((h, n))
        });
        assert_eq!(nodes, vec![(root, vec![0x44, 0x01, 0x02, 0x04, 0x03])]);
    }

    #[test]
    fn unsorted_input_is_sorted_last_value_wins() {
        let sorted = trie_root(StateVersion::V1, [(b"a", b"2"), (b"b", b"1")]);
        let unsorted = trie_root(StateVersion::V1, [(b"b", b"1"), (b"a", b"1"), (b"a", b"2")]);
        assert_eq!(sorted, unsorted);
    }
}
