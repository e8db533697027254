//! Sequential Phragmén: picks `k` winners among candidates so that backing is rewarded and
//! spread evenly, and splits every voter's stake among the winners it backs.
//!
//! The method (E. Phragmén, 1894; analysed as *seq-Phragmén* by Brill, Freeman, Janson and
//! Lackner, "Phragmén's voting methods and justified representation", AAAI 2017) elects one
//! candidate per round. Electing a candidate places one unit of *load* on the voters that back
//! it, spread so that they end with equal load; each round elects the candidate whose voters
//! would end with the least load:
//!
//! ```text
//! score(c) = (1 + Σ_{v backs c} stake(v) · load(v)) / Σ_{v backs c} stake(v)
//! ```
//!
//! The winner `c*` sets the load of each of its voters to `score(c*)`, the increase being the
//! load of the edge `v → c*`. At the end, each voter's stake is split among its elected targets
//! in proportion to its edge loads: those are the validators' exposures.
//!
//! The arithmetic is integer and so deterministic everywhere (native and wasm): stakes are
//! scaled down by a power of two to at most 2^40 for the scores, which are fixed-point with
//! one unit of load = 2^64, and the final split uses the full stakes with exact
//! 256-bit `a · b / c`.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use lux_primitives::per_things::mul_div;

/// One unit of load in the fixed-point scores.
const LOAD_UNIT: u128 = 1 << 64;
/// Scores are computed with stakes scaled to at most this many bits in total.
const STAKE_BITS: u32 = 40;

/// A voter: its stake and the candidates it backs (a validator backs itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Voter<A> {
    /// Who votes.
    pub who: A,
    /// Its stake.
    pub stake: u128,
    /// The candidates it backs.
    pub targets: Vec<A>,
}

/// The outcome: the winners in the order elected, each with its total backing, and how each
/// voter's stake is split among the winners it backs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElectionResult<A> {
    /// Winners and their backing (the sum of the stakes assigned to them).
    pub winners: Vec<(A, u128)>,
    /// Per voter, the stake assigned to each winner it backs; the parts sum to its stake.
    pub assignments: Vec<(A, Vec<(A, u128)>)>,
}

/// Elects up to `to_elect` of `candidates` by sequential Phragmén. Candidates nobody backs
/// (no stake) are never elected; ties go to the candidate listed first. Targets that are not
/// candidates are ignored.
pub fn seq_phragmen<A: Ord + Clone>(
    to_elect: usize,
    candidates: &[A],
    voters: &[Voter<A>],
) -> ElectionResult<A> {
    let index: BTreeMap<&A, usize> = candidates.iter().enumerate().map(|(i, c)| (c, i)).collect();
    let total: u128 = voters.iter().fold(0u128, |sum, v| sum.saturating_add(v.stake));
    let shift = (128 - total.leading_zeros()).saturating_sub(STAKE_BITS);
    // Per voter: scaled stake and the candidate indices it backs (deduplicated).
    let edges: Vec<(u128, Vec<usize>)> = voters
        .iter()
        .map(|v| {
            let mut targets: Vec<usize> =
                v.targets.iter().filter_map(|t| index.get(t).copied()).collect();
            targets.sort_unstable();
            targets.dedup();
            (v.stake >> shift, targets)
        })
        .collect();
    let mut approval = alloc::vec![0u128; candidates.len()];
    for (stake, targets) in &edges {
        for &c in targets {
            approval[c] = approval[c].saturating_add(*stake);
        }
    }

    let mut load = alloc::vec![0u128; voters.len()];
    // Per voter, the load of each edge to an elected candidate.
    let mut edge_load: Vec<Vec<(usize, u128)>> = alloc::vec![Vec::new(); voters.len()];
    let mut elected = alloc::vec![false; candidates.len()];
    let mut winners: Vec<usize> = Vec::new();
    while winners.len() < to_elect {
        // score numerators: 1 + Σ stake · load over each candidate's voters.
        let mut numerator = alloc::vec![LOAD_UNIT; candidates.len()];
        for (v, (stake, targets)) in edges.iter().enumerate() {
            for &c in targets {
                if !elected[c] {
                    numerator[c] = numerator[c].saturating_add(stake.saturating_mul(load[v]));
                }
            }
        }
        let best = (0..candidates.len())
            .filter(|&c| !elected[c] && approval[c] > 0)
            .map(|c| (numerator[c] / approval[c], c))
            .min();
        let Some((score, winner)) = best else { break };
        elected[winner] = true;
        winners.push(winner);
        for (v, (_, targets)) in edges.iter().enumerate() {
            if targets.contains(&winner) {
                edge_load[v].push((winner, score.saturating_sub(load[v])));
                load[v] = score;
            }
        }
    }

    // Split each voter's full stake by its edge loads (the last edge takes the rounding).
    let mut backing = alloc::vec![0u128; candidates.len()];
    let mut assignments = Vec::new();
    for (v, voter) in voters.iter().enumerate() {
        let edges = &edge_load[v];
        if edges.is_empty() {
            continue;
        }
        let mut parts = Vec::with_capacity(edges.len());
        let mut left = voter.stake;
        for (i, (c, edge)) in edges.iter().enumerate() {
            let part = if i + 1 == edges.len() {
                left
            } else if load[v] == 0 {
                // A voter whose scaled stake is zero: equal split.
                voter.stake / edges.len() as u128
            } else {
                mul_div(voter.stake, *edge, load[v]).min(left)
            };
            left -= part;
            backing[*c] = backing[*c].saturating_add(part);
            parts.push((candidates[*c].clone(), part));
        }
        assignments.push((voter.who.clone(), parts));
    }
    ElectionResult {
        winners: winners.iter().map(|&c| (candidates[c].clone(), backing[c])).collect(),
        assignments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn voter(who: u32, stake: u128, targets: &[u32]) -> Voter<u32> {
        Voter { who, stake, targets: targets.to_vec() }
    }

    #[test]
    fn the_paper_example() {
        // Candidates 1, 2, 3; the classic example: 3 is backed by the most stake in total
        // but 1 and 2 each have a dedicated backer, and seq-Phragmén balances the loads.
        let candidates = [1, 2, 3];
        let voters = [
            voter(10, 10, &[1, 2]),
            voter(20, 20, &[1, 3]),
            voter(30, 30, &[2, 3]),
            voter(40, 40, &[3]),
        ];
        let result = seq_phragmen(2, &candidates, &voters);
        let winners: Vec<u32> = result.winners.iter().map(|(w, _)| *w).collect();
        // 3 has approval 90 and is elected first; then 2 (10+30=40, with 30 loaded) against 1
        // (10+20=30, with 20 loaded): score(1) = (1 + 20·(1/90))/30, score(2) = (1 + 30/90)/40,
        // so 2 wins.
        assert_eq!(winners, vec![3, 2]);
        // Every voter with an elected target has its whole stake assigned.
        for (who, parts) in &result.assignments {
            let stake = voters.iter().find(|v| v.who == *who).expect("a voter").stake;
            assert_eq!(parts.iter().map(|(_, p)| p).sum::<u128>(), stake);
        }
        let total_backing: u128 = result.winners.iter().map(|(_, b)| b).sum();
        assert_eq!(total_backing, 100);
    }

    #[test]
    fn stake_decides_and_unbacked_candidates_lose() {
        let candidates = [1, 2, 3, 4];
        let voters = [voter(1, 100, &[1]), voter(2, 300, &[2]), voter(3, 200, &[3])];
        let result = seq_phragmen(3, &candidates, &voters);
        assert_eq!(result.winners, vec![(2, 300), (3, 200), (1, 100)]);
        // 4 has no backing: never elected, even with seats left.
        let result = seq_phragmen(4, &candidates, &voters);
        assert_eq!(result.winners.len(), 3);
        // Fewer seats: the least backed loses.
        let result = seq_phragmen(2, &candidates, &voters);
        assert_eq!(result.winners, vec![(2, 300), (3, 200)]);
        assert!(result.assignments.iter().all(|(who, _)| *who != 1));
    }

    #[test]
    fn a_shared_nominator_splits_to_even_out_backing() {
        // Two validators with 100 and 300 own stake; a nominator of 200 backs both. Loads even
        // out: the nominator's stake goes mostly to the weaker validator.
        let candidates = [1, 2];
        let voters = [voter(1, 100, &[1]), voter(2, 300, &[2]), voter(9, 200, &[1, 2])];
        let result = seq_phragmen(2, &candidates, &voters);
        let backing: BTreeMap<u32, u128> = result.winners.iter().copied().collect();
        assert_eq!(backing.values().sum::<u128>(), 600);
        let nominator = &result.assignments.iter().find(|(w, _)| *w == 9).expect("assigned").1;
        let to_1 = nominator.iter().find(|(c, _)| *c == 1).map_or(0, |(_, p)| *p);
        let to_2 = nominator.iter().find(|(c, _)| *c == 2).map_or(0, |(_, p)| *p);
        assert_eq!(to_1 + to_2, 200);
        assert!(to_1 > to_2, "{to_1} vs {to_2}");
    }

    #[test]
    fn large_stakes_do_not_overflow_and_results_are_exact() {
        let big = 1u128 << 120;
        let candidates = [1, 2, 3];
        let voters = [
            voter(1, big, &[1]),
            voter(2, big / 3, &[2]),
            voter(3, 7, &[3]),
            voter(4, big, &[1, 2, 3]),
        ];
        let result = seq_phragmen(3, &candidates, &voters);
        assert_eq!(result.winners.len(), 3);
        let total: u128 = result.winners.iter().map(|(_, b)| b).sum();
        assert_eq!(total, big + big / 3 + 7 + big);
    }

    #[test]
    fn deterministic_and_ignores_unknown_targets() {
        let candidates: Vec<u32> = (0..100).collect();
        let voters: Vec<Voter<u32>> = (0..1000)
            .map(|i| {
                voter(1000 + i, 1_000 + u128::from(i * 37 % 101), &[i % 100, (i * 7) % 100, 5000])
            })
            .collect();
        let a = seq_phragmen(20, &candidates, &voters);
        let b = seq_phragmen(20, &candidates, &voters);
        assert_eq!(a, b);
        assert_eq!(a.winners.len(), 20);
        assert!(seq_phragmen(5, &[], &voters).winners.is_empty());
    }
}
