//! Checking a stored audit chain link by link: the `verify` command's logic, free of I/O so
//! that each way a chain can break is tested here.

use hmac::Hmac;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{GENESIS_HASH, canonical_text, chain_mac, keyed_mac};

/// An audit row as stored, borrowed from whatever read it.
#[derive(Debug, Clone, Copy)]
pub struct StoredLink<'a> {
    pub seq: i64,
    pub at: i64,
    pub action: &'a str,
    pub outcome: &'a str,
    pub actor_id: Option<&'a str>,
    pub subject_user_id: Option<&'a str>,
    pub details: &'a str,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

impl StoredLink<'_> {
    /// What the writer hashed for this row, with `details` as the details text.
    fn canonical(&self, details: &str) -> String {
        canonical_text(
            self.seq,
            self.at,
            self.action,
            self.outcome,
            self.actor_id,
            self.subject_user_id,
            details,
        )
    }
}

/// A chain head written outside the database; a later chain must still contain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    /// When it was written (Unix seconds).
    pub at: i64,
}

/// The first place where the stored chain stops proving itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BrokenLink {
    #[error("event {expected} is missing (the next stored event is {found}): rows were deleted")]
    Missing { expected: i64, found: i64 },
    #[error("event {seq} does not follow the event before it: a row was replaced or removed")]
    NotLinked { seq: i64 },
    #[error("event {seq} was changed after it was written: its hash does not match its contents")]
    Altered { seq: i64 },
    #[error("event {seq} has details that are not JSON: it was changed after it was written")]
    Unreadable { seq: i64 },
    #[error("event {seq} differs from the checkpoint written at {at}: the chain was rewritten")]
    CheckpointDiffers { seq: i64, at: i64 },
    #[error(
        "the log ends at event {last}, but event {expected} was recorded: its tail was cut off"
    )]
    Truncated { last: i64, expected: i64 },
}

/// Walks a chain in sequence order.
pub struct ChainVerifier {
    /// Keyed once: each link hashes a copy, which skips HMAC's key set-up per event.
    keyed: Hmac<Sha256>,
    next_seq: i64,
    prev_hash: String,
    checkpoints: Vec<Checkpoint>,
    next_checkpoint: usize,
}

impl ChainVerifier {
    /// `checkpoints` in any order; each must be found in the chain.
    #[must_use]
    pub fn new(key: &[u8], mut checkpoints: Vec<Checkpoint>) -> Self {
        checkpoints.sort_by_key(|c| c.seq);
        Self {
            keyed: keyed_mac(key),
            next_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
            checkpoints,
            next_checkpoint: 0,
        }
    }

    /// Checks the next stored event.
    pub fn check(&mut self, link: &StoredLink<'_>) -> Result<(), BrokenLink> {
        if link.seq != self.next_seq {
            return Err(BrokenLink::Missing {
                expected: self.next_seq,
                found: link.seq,
            });
        }
        if link.prev_hash != self.prev_hash {
            return Err(BrokenLink::NotLinked { seq: link.seq });
        }
        // The writer stores details exactly as it hashed them, so hashing the stored text as
        // it is proves an untampered row without parsing it. The prefix's fields are JSON
        // encoded, which no details text can imitate, so a match proves every column.
        if !self.hashes_to(link, &link.canonical(link.details)) {
            let details: serde_json::Value = serde_json::from_str(link.details)
                .map_err(|_| BrokenLink::Unreadable { seq: link.seq })?;
            if !self.hashes_to(link, &link.canonical(&details.to_string())) {
                return Err(BrokenLink::Altered { seq: link.seq });
            }
        }
        while let Some(cp) = self.checkpoints.get(self.next_checkpoint) {
            if cp.seq > link.seq {
                break;
            }
            if cp.seq == link.seq && cp.hash != link.hash {
                return Err(BrokenLink::CheckpointDiffers {
                    seq: cp.seq,
                    at: cp.at,
                });
            }
            self.next_checkpoint += 1;
        }
        self.next_seq += 1;
        self.prev_hash.clear();
        self.prev_hash.push_str(link.hash);
        Ok(())
    }

    /// Whether `HMAC(key, prev_hash ‖ canonical)` is the link's stored hash, as
    /// [`super::chain_hash`] writes it (lower-case hex).
    fn hashes_to(&self, link: &StoredLink<'_>, canonical: &str) -> bool {
        let mac = chain_mac(self.keyed.clone(), link.prev_hash, canonical);
        let mut hex = [0_u8; 64];
        hex::encode_to_slice(mac, &mut hex).is_ok() && hex.as_slice() == link.hash.as_bytes()
    }

    /// After the last stored event: `head_seq` is the count the database's head row keeps.
    /// Returns how many events were checked.
    pub fn finish(self, head_seq: i64) -> Result<i64, BrokenLink> {
        let last = self.next_seq - 1;
        let expected = self
            .checkpoints
            .last()
            .map_or(head_seq, |cp| cp.seq.max(head_seq));
        if expected > last {
            return Err(BrokenLink::Truncated { last, expected });
        }
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;
    use crate::audit::{AuditAction, AuditEvent, chain_hash};

    /// A chain of `n` events as the store writes them: (seq, at, details, prev, hash).
    fn chain(n: i64) -> Vec<(i64, String, String, String)> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let e = AuditEvent::success(AuditAction::UserCreated, None)
                    .with_details(serde_json::json!({ "n": seq }));
                let hash = chain_hash(b"k", &prev, &e.canonical(seq, Timestamp::from_unix(seq)));
                let row = (seq, e.details.to_string(), prev.clone(), hash.clone());
                prev = hash;
                row
            })
            .collect()
    }

    fn link(row: &(i64, String, String, String)) -> StoredLink<'_> {
        StoredLink {
            seq: row.0,
            at: row.0,
            action: "user.created",
            outcome: "success",
            actor_id: None,
            subject_user_id: None,
            details: &row.1,
            prev_hash: &row.2,
            hash: &row.3,
        }
    }

    fn verify(
        rows: &[(i64, String, String, String)],
        head: i64,
        cps: Vec<Checkpoint>,
    ) -> Result<i64, BrokenLink> {
        let mut v = ChainVerifier::new(b"k", cps);
        for row in rows {
            v.check(&link(row))?;
        }
        v.finish(head)
    }

    #[test]
    fn the_stored_details_text_hashes_as_the_writer_hashed_it() {
        let e = AuditEvent::success(AuditAction::UserCreated, Some(crate::UserId::new_random()))
            .with_details(serde_json::json!({ "role": "On-call \"night\"", "n": [1, 2] }));
        let (actor, details) = (e.actor_id.map(|u| u.to_string()), e.details.to_string());
        let row = StoredLink {
            seq: 7,
            at: 1_800_000_000,
            action: "user.created",
            outcome: "success",
            actor_id: actor.as_deref(),
            subject_user_id: None,
            details: &details,
            prev_hash: GENESIS_HASH,
            hash: "",
        };
        assert_eq!(
            row.canonical(row.details),
            e.canonical(7, Timestamp::from_unix(1_800_000_000))
        );
    }

    #[test]
    fn reformatted_details_that_mean_the_same_still_verify() {
        let mut rows = chain(3);
        rows[1].1 = " { \"n\" : 2 } ".into();
        assert_eq!(verify(&rows, 3, vec![]), Ok(3));
    }

    #[test]
    fn a_column_moved_into_the_details_text_is_altered() {
        let rows = chain(1);
        // The writer hashed `[1,1,"user.created","success",null,null,{"n":1}]`; a row that
        // claims no outcome column but carries it in front of the details is not that row.
        let mut moved = link(&rows[0]);
        moved.outcome = "";
        let shifted = format!("\"success\",null,null,{}", rows[0].1);
        moved.details = &shifted;
        let mut v = ChainVerifier::new(b"k", vec![]);
        assert!(v.check(&moved).is_err());
    }

    #[test]
    fn an_untouched_chain_verifies_end_to_end() {
        let rows = chain(5);
        assert_eq!(verify(&rows, 5, vec![]), Ok(5));
    }

    #[test]
    fn an_edited_row_is_reported_as_altered_at_its_sequence() {
        let mut rows = chain(5);
        rows[2].1 = r#"{"n":99}"#.into();
        assert_eq!(
            verify(&rows, 5, vec![]),
            Err(BrokenLink::Altered { seq: 3 })
        );
        rows[2].1 = "not json".into();
        assert_eq!(
            verify(&rows, 5, vec![]),
            Err(BrokenLink::Unreadable { seq: 3 })
        );
    }

    #[test]
    fn a_deleted_middle_row_is_reported_as_missing() {
        let mut rows = chain(5);
        rows.remove(1);
        assert_eq!(
            verify(&rows, 5, vec![]),
            Err(BrokenLink::Missing {
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn a_row_resigned_without_the_key_does_not_link() {
        let mut rows = chain(3);
        rows[1].2 = "forged".into();
        assert_eq!(
            verify(&rows, 3, vec![]),
            Err(BrokenLink::NotLinked { seq: 2 })
        );
    }

    #[test]
    fn a_cut_tail_is_caught_by_the_head_row_or_by_a_checkpoint() {
        let rows = chain(5);
        assert_eq!(
            verify(&rows[..3], 5, vec![]),
            Err(BrokenLink::Truncated {
                last: 3,
                expected: 5
            })
        );
        // Whoever cut the tail also rewound the head row: the checkpoint outside remembers.
        let cp = Checkpoint {
            seq: 4,
            hash: rows[3].3.clone(),
            at: 100,
        };
        assert_eq!(
            verify(&rows[..3], 3, vec![cp]),
            Err(BrokenLink::Truncated {
                last: 3,
                expected: 4
            })
        );
    }

    #[test]
    fn a_chain_rebuilt_with_the_key_still_disagrees_with_its_checkpoint() {
        let rows = chain(3);
        let cp = Checkpoint {
            seq: 2,
            hash: "an older head".into(),
            at: 100,
        };
        assert_eq!(
            verify(&rows, 3, vec![cp]),
            Err(BrokenLink::CheckpointDiffers { seq: 2, at: 100 })
        );
    }
}
