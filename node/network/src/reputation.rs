//! Peer reputation: misbehaviour costs points; a peer whose score falls below
//! [`BAN_THRESHOLD`] is disconnected and banned for a while. Scores drift back towards zero,
//! so an occasional bad message from an honest peer is forgiven. Plain bookkeeping, no I/O.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use libp2p::PeerId;

/// Score at or below which a peer is banned.
pub const BAN_THRESHOLD: i32 = -1_000;

/// What a peer did, and what it costs (negative) or earns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Misbehaviour {
    /// A message that does not decode.
    Undecodable,
    /// A message over the size limits.
    Oversized,
    /// A block that fails its checks (seal, slot claim, execution).
    InvalidBlock,
    /// A vote, justification or transaction with a bad signature.
    BadSignature,
    /// A request that timed out or a response that made no sense.
    BadResponse,
}

impl Misbehaviour {
    /// The score change.
    pub fn cost(self) -> i32 {
        match self {
            Misbehaviour::Undecodable => -250,
            Misbehaviour::Oversized => -500,
            Misbehaviour::InvalidBlock => -500,
            Misbehaviour::BadSignature => -300,
            Misbehaviour::BadResponse => -100,
        }
    }
}

/// Scores and bans.
#[derive(Debug)]
pub struct Reputation {
    scores: HashMap<PeerId, (i32, Instant)>,
    bans: HashMap<PeerId, Instant>,
    ban_duration: Duration,
    /// Score halves towards zero every this long.
    half_life: Duration,
}

impl Reputation {
    /// Bans last `ban_duration`.
    pub fn new(ban_duration: Duration) -> Self {
        Self {
            scores: HashMap::new(),
            bans: HashMap::new(),
            ban_duration,
            half_life: Duration::from_secs(60),
        }
    }

    /// The peer's score now.
    pub fn score(&mut self, peer: &PeerId, now: Instant) -> i32 {
        let Some((score, since)) = self.scores.get_mut(peer) else { return 0 };
        let halvings =
            now.saturating_duration_since(*since).as_secs() / self.half_life.as_secs().max(1);
        if halvings > 0 {
            *score = if halvings >= 31 { 0 } else { *score >> halvings };
            *since = now;
        }
        *score
    }

    /// Records a misbehaviour; returns `true` if the peer must now be banned.
    pub fn report(&mut self, peer: PeerId, what: Misbehaviour, now: Instant) -> bool {
        let score = self.score(&peer, now).saturating_add(what.cost());
        self.scores.insert(peer, (score, now));
        if score <= BAN_THRESHOLD {
            self.bans.insert(peer, now + self.ban_duration);
            self.scores.remove(&peer);
            return true;
        }
        false
    }

    /// Whether the peer is banned now.
    pub fn is_banned(&self, peer: &PeerId, now: Instant) -> bool {
        self.bans.get(peer).is_some_and(|until| *until > now)
    }

    /// Peers whose ban has ended (forgotten by this call).
    pub fn expired_bans(&mut self, now: Instant) -> Vec<PeerId> {
        let expired: Vec<PeerId> =
            self.bans.iter().filter(|(_, until)| **until <= now).map(|(p, _)| *p).collect();
        for peer in &expired {
            self.bans.remove(peer);
        }
        expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_garbage_bans_then_the_ban_expires() {
        let mut reputation = Reputation::new(Duration::from_secs(30));
        let (peer, now) = (PeerId::random(), Instant::now());
        for _ in 0..3 {
            assert!(!reputation.report(peer, Misbehaviour::Undecodable, now));
        }
        assert!(reputation.report(peer, Misbehaviour::Undecodable, now));
        assert!(reputation.is_banned(&peer, now));
        assert!(reputation.expired_bans(now + Duration::from_secs(29)).is_empty());
        assert_eq!(reputation.expired_bans(now + Duration::from_secs(30)), vec![peer]);
        assert!(!reputation.is_banned(&peer, now + Duration::from_secs(30)));
    }

    #[test]
    fn scores_recover_over_time() {
        let mut reputation = Reputation::new(Duration::from_secs(30));
        let (peer, now) = (PeerId::random(), Instant::now());
        reputation.report(peer, Misbehaviour::InvalidBlock, now);
        assert_eq!(reputation.score(&peer, now), -500);
        assert_eq!(reputation.score(&peer, now + Duration::from_secs(60)), -250);
        // Spread out, the same misbehaviour never reaches a ban.
        let mut t = now + Duration::from_secs(60);
        for _ in 0..10 {
            t += Duration::from_secs(120);
            assert!(!reputation.report(peer, Misbehaviour::InvalidBlock, t));
        }
        assert_eq!(reputation.score(&PeerId::random(), now), 0);
    }
}
