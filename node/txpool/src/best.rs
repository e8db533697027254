//! The order in which a block author takes ready transactions.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use lux_primitives::transaction::TransactionTag;
use lux_primitives::OpaqueExtrinsic;

use crate::graph::Graph;
use crate::TxHash;

struct Item {
    data: Arc<OpaqueExtrinsic>,
    priority: u64,
    seq: u64,
    provides: Vec<TransactionTag>,
    /// Requirements on transactions of this snapshot not yet taken.
    waiting: usize,
}

/// A snapshot of the ready transactions, yielded dependencies first, then highest priority,
/// then oldest. A transaction the author could not include is reported with
/// [`mark_skipped`](Self::mark_skipped): whatever depends on it is then never yielded.
pub struct BestTransactions {
    items: HashMap<TxHash, Item>,
    dependents: HashMap<TransactionTag, Vec<TxHash>>,
    heap: BinaryHeap<(u64, Reverse<u64>, TxHash)>,
    /// The last yielded transaction, whose dependents are released on the next call unless it
    /// was skipped.
    last: Option<TxHash>,
}

impl BestTransactions {
    pub(crate) fn new(graph: &Graph) -> Self {
        let mut items = HashMap::new();
        let mut dependents: HashMap<TransactionTag, Vec<TxHash>> = HashMap::new();
        let mut heap = BinaryHeap::new();
        for (hash, entry) in graph.ready_entries() {
            // A ready transaction's requirements are all provided by ready transactions.
            for tag in &entry.requires {
                dependents.entry(tag.clone()).or_default().push(*hash);
            }
            if entry.requires.is_empty() {
                heap.push((entry.priority, Reverse(entry.seq), *hash));
            }
            items.insert(
                *hash,
                Item {
                    data: entry.data.clone(),
                    priority: entry.priority,
                    seq: entry.seq,
                    provides: entry.provides.clone(),
                    waiting: entry.requires.len(),
                },
            );
        }
        Self { items, dependents, heap, last: None }
    }

    /// How many transactions the snapshot holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The last yielded transaction was not included: nothing that depends on it will be.
    pub fn mark_skipped(&mut self) {
        self.last = None;
    }

    fn release(&mut self, hash: TxHash) {
        let Some(item) = self.items.get(&hash) else { return };
        let provides = item.provides.clone();
        for tag in provides {
            for dependent in self.dependents.remove(&tag).unwrap_or_default() {
                if let Some(d) = self.items.get_mut(&dependent) {
                    d.waiting = d.waiting.saturating_sub(1);
                    if d.waiting == 0 {
                        self.heap.push((d.priority, Reverse(d.seq), dependent));
                    }
                }
            }
        }
    }
}

impl Iterator for BestTransactions {
    type Item = (TxHash, Arc<OpaqueExtrinsic>);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(last) = self.last.take() {
            self.release(last);
        }
        let (_, _, hash) = self.heap.pop()?;
        let data = self.items.get(&hash)?.data.clone();
        self.last = Some(hash);
        Some((hash, data))
    }
}
