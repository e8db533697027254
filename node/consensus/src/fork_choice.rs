//! Fork choice: the heaviest chain that contains the last finalized block.
//!
//! A chain's weight is its number of primary (VRF) blocks, then its length: secondary blocks
//! keep slots from staying empty but lose to primary ones. Ties keep the current best, so a
//! node does not flip between equal forks. [`BlockTree`] holds the unfinalized blocks and
//! answers which block is best and which blocks a reorg retracts and enacts.

use std::collections::HashMap;

use lux_primitives::H256;

/// A chain's weight, compared field by field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChainWeight {
    /// Primary blocks since genesis.
    pub primaries: u64,
    /// Block number.
    pub number: u32,
}

#[derive(Clone, Copy, Debug)]
struct Node {
    parent: H256,
    weight: ChainWeight,
}

/// Why a block cannot enter the tree.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ForkChoiceError {
    /// The parent is neither finalized nor in the tree.
    #[error("unknown parent {0:?}")]
    UnknownParent(H256),
    /// The block is already known.
    #[error("block {0:?} is already in the tree")]
    Duplicate(H256),
    /// The block is not a descendant of the last finalized block.
    #[error("block {0:?} is not a descendant of the finalized block")]
    NotDescendantOfFinalized(H256),
}

/// A switch of the best chain: leave `retracted` (newest first), then add `enacted` (oldest
/// first). `retracted` is empty when the new best extends the old one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TreeRoute {
    /// Blocks leaving the best chain, newest first.
    pub retracted: Vec<H256>,
    /// The last block both chains share.
    pub common: H256,
    /// Blocks joining the best chain, oldest first.
    pub enacted: Vec<H256>,
}

/// The finalized block and every known block built on it.
#[derive(Clone, Debug)]
pub struct BlockTree {
    nodes: HashMap<H256, Node>,
    finalized: H256,
    best: H256,
}

impl BlockTree {
    /// A tree rooted at the finalized block `root`, with weight `weight`.
    pub fn new(root: H256, weight: ChainWeight) -> Self {
        let mut nodes = HashMap::new();
        nodes.insert(root, Node { parent: H256::zero(), weight });
        Self { nodes, finalized: root, best: root }
    }

    /// The best block.
    pub fn best(&self) -> H256 {
        self.best
    }

    /// The last finalized block.
    pub fn finalized(&self) -> H256 {
        self.finalized
    }

    /// Whether the block is in the tree (finalized root included).
    pub fn contains(&self, hash: &H256) -> bool {
        self.nodes.contains_key(hash)
    }

    /// The chain weight of a known block.
    pub fn weight(&self, hash: &H256) -> Option<ChainWeight> {
        self.nodes.get(hash).map(|n| n.weight)
    }

    /// Adds a block on a known parent. Returns the route to it when it becomes the new best.
    pub fn insert(
        &mut self,
        hash: H256,
        parent: H256,
        primary: bool,
    ) -> Result<Option<TreeRoute>, ForkChoiceError> {
        if self.nodes.contains_key(&hash) {
            return Err(ForkChoiceError::Duplicate(hash));
        }
        let parent_weight =
            self.nodes.get(&parent).ok_or(ForkChoiceError::UnknownParent(parent))?.weight;
        let weight = ChainWeight {
            primaries: parent_weight.primaries + u64::from(primary),
            number: parent_weight.number + 1,
        };
        self.nodes.insert(hash, Node { parent, weight });
        if weight > self.nodes[&self.best].weight {
            let route = self.route(self.best, hash);
            self.best = hash;
            return Ok(Some(route));
        }
        Ok(None)
    }

    /// Whether `block` is `ancestor` or one of its descendants.
    pub fn is_descendant_or_equal(&self, ancestor: &H256, block: &H256) -> bool {
        let Some(target) = self.nodes.get(ancestor) else { return false };
        let mut current = *block;
        loop {
            if current == *ancestor {
                return true;
            }
            match self.nodes.get(&current) {
                Some(node) if node.weight.number > target.weight.number => current = node.parent,
                _ => return false,
            }
        }
    }

    /// The heaviest block descending from `base` (first found on ties).
    pub fn best_containing(&self, base: &H256) -> Option<H256> {
        if self.is_descendant_or_equal(base, &self.best) {
            return Some(self.best);
        }
        // Heaviest, then the lowest hash, so every node picks the same block.
        self.nodes
            .iter()
            .filter(|(hash, _)| self.is_descendant_or_equal(base, hash))
            .max_by_key(|(hash, node)| (node.weight, std::cmp::Reverse(**hash)))
            .map(|(hash, _)| *hash)
    }

    /// Marks `hash` finalized: drops every block that does not descend from it, and moves the
    /// best block onto its chain if needed. Returns the route when the best block changed.
    pub fn finalize(&mut self, hash: H256) -> Result<Option<TreeRoute>, ForkChoiceError> {
        if !self.is_descendant_or_equal(&self.finalized, &hash) {
            return Err(ForkChoiceError::NotDescendantOfFinalized(hash));
        }
        let route = if self.is_descendant_or_equal(&hash, &self.best) {
            None
        } else {
            let new_best = self.best_containing(&hash).unwrap_or(hash);
            let route = self.route(self.best, new_best);
            self.best = new_best;
            Some(route)
        };
        let keep: Vec<H256> =
            self.nodes.keys().filter(|h| self.is_descendant_or_equal(&hash, h)).copied().collect();
        let mut kept = HashMap::with_capacity(keep.len());
        for h in keep {
            if let Some(node) = self.nodes.get(&h) {
                kept.insert(h, *node);
            }
        }
        self.nodes = kept;
        self.finalized = hash;
        Ok(route)
    }

    /// The route from `from` to `to`, both in the tree.
    pub fn route(&self, from: H256, to: H256) -> TreeRoute {
        let (mut a, mut b) = (from, to);
        let (mut retracted, mut enacted) = (Vec::new(), Vec::new());
        let number = |h: &H256| self.nodes.get(h).map_or(0, |n| n.weight.number);
        let parent = |h: &H256| self.nodes.get(h).map_or(H256::zero(), |n| n.parent);
        while a != b {
            if number(&a) >= number(&b) && self.nodes.contains_key(&a) {
                retracted.push(a);
                a = parent(&a);
            } else if self.nodes.contains_key(&b) {
                enacted.push(b);
                b = parent(&b);
            } else {
                break;
            }
        }
        enacted.reverse();
        TreeRoute { retracted, common: a, enacted }
    }

    /// Blocks in the tree (finalized root included).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether only the finalized root is left.
    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u8) -> H256 {
        H256::repeat_byte(n)
    }

    #[test]
    fn primaries_outweigh_length_and_ties_keep_the_best() {
        let mut tree = BlockTree::new(h(0), ChainWeight::default());
        // 0 <- 1 <- 2 (secondaries) ; 0 <- 3 (primary)
        assert!(tree.insert(h(1), h(0), false).expect("ok").is_some());
        assert!(tree.insert(h(2), h(1), false).expect("ok").is_some());
        let route = tree.insert(h(3), h(0), true).expect("ok").expect("reorg");
        assert_eq!(
            route,
            TreeRoute { retracted: vec![h(2), h(1)], common: h(0), enacted: vec![h(3)] }
        );
        assert_eq!(tree.best(), h(3));
        // An equal-weight sibling does not take over.
        assert_eq!(tree.insert(h(4), h(0), true), Ok(None));
        assert_eq!(tree.best(), h(3));
        assert_eq!(tree.insert(h(5), h(9), true), Err(ForkChoiceError::UnknownParent(h(9))));
        assert_eq!(tree.insert(h(3), h(0), true), Err(ForkChoiceError::Duplicate(h(3))));
    }

    #[test]
    fn finality_prunes_forks_and_moves_the_best() {
        let mut tree = BlockTree::new(h(0), ChainWeight::default());
        for (block, parent, primary) in [(1, 0, false), (2, 1, false), (3, 0, true), (4, 3, false)]
        {
            tree.insert(h(block), h(parent), primary).expect("ok");
        }
        assert_eq!(tree.best(), h(4));
        // Finalizing the other fork moves the best there and drops 3 and 4.
        let route = tree.finalize(h(1)).expect("ok").expect("best moved");
        assert_eq!(route.enacted, vec![h(1), h(2)]);
        assert_eq!(route.retracted, vec![h(4), h(3)]);
        assert_eq!(tree.best(), h(2));
        assert!(!tree.contains(&h(3)) && !tree.contains(&h(0)));
        assert_eq!(tree.len(), 2);
        // Blocks on pruned forks cannot come back, nor can the old root be finalized.
        assert_eq!(tree.insert(h(5), h(3), true), Err(ForkChoiceError::UnknownParent(h(3))));
        assert_eq!(tree.finalize(h(0)), Err(ForkChoiceError::NotDescendantOfFinalized(h(0))));
        assert_eq!(tree.best_containing(&h(1)), Some(h(2)));
    }
}
