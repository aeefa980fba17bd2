//! Row lock strengths and what a locker does when it meets a conflicting lock.
//!
//! PostgreSQL's four row-level lock modes, weakest first. Each conflicts with a superset of what
//! the weaker ones conflict with, so "stronger" is a total order and a transaction holding two
//! modes on one row holds the stronger:
//!
//! ```text
//!                    KEY SHARE   SHARE   NO KEY UPDATE   UPDATE
//!   KEY SHARE                                              X
//!   SHARE                                    X             X
//!   NO KEY UPDATE                  X         X             X
//!   UPDATE              X          X         X             X
//! ```
//!
//! Writers take them implicitly: an UPDATE that changes no index key holds NO KEY UPDATE, an
//! UPDATE that changes a key and a DELETE hold UPDATE (db001 treats every index key as a "key";
//! PostgreSQL only the columns of unique indexes, so db001's KEY SHARE conflicts slightly more).

/// A row lock mode, weakest first (the derived order is the strength order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockMode {
    KeyShare,
    Share,
    NoKeyUpdate,
    Update,
}

impl LockMode {
    /// Whether a lock of mode `self` and one of mode `other`, held by different transactions,
    /// exclude each other.
    pub fn conflicts_with(self, other: LockMode) -> bool {
        match (self, other) {
            (LockMode::KeyShare, other) | (other, LockMode::KeyShare) => other == LockMode::Update,
            (LockMode::Share, LockMode::Share) => false,
            _ => true,
        }
    }

    /// The clause as SQL spells it (`FOR NO KEY UPDATE`), for messages.
    pub fn clause(self) -> &'static str {
        match self {
            LockMode::KeyShare => "FOR KEY SHARE",
            LockMode::Share => "FOR SHARE",
            LockMode::NoKeyUpdate => "FOR NO KEY UPDATE",
            LockMode::Update => "FOR UPDATE",
        }
    }

    /// The mode's number in the WAL (prepared transactions log their row locks).
    pub fn code(self) -> u8 {
        match self {
            LockMode::KeyShare => 1,
            LockMode::Share => 2,
            LockMode::NoKeyUpdate => 3,
            LockMode::Update => 4,
        }
    }

    /// The mode with this WAL number.
    pub fn from_code(code: u8) -> Option<LockMode> {
        match code {
            1 => Some(LockMode::KeyShare),
            2 => Some(LockMode::Share),
            3 => Some(LockMode::NoKeyUpdate),
            4 => Some(LockMode::Update),
            _ => None,
        }
    }
}

/// What a locker does when the row is locked in a conflicting mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitPolicy {
    /// Wait for the holder to finish (the default).
    Wait,
    /// Fail at once with 55P03.
    NoWait,
    /// Leave the row out of the result.
    SkipLocked,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [LockMode; 4] = [
        LockMode::KeyShare,
        LockMode::Share,
        LockMode::NoKeyUpdate,
        LockMode::Update,
    ];

    #[test]
    fn conflict_table_matches_postgresql() {
        let expected = [
            // KEY SHARE, SHARE, NO KEY UPDATE, UPDATE
            [false, false, false, true],
            [false, false, true, true],
            [false, true, true, true],
            [true, true, true, true],
        ];
        for (i, a) in ALL.iter().enumerate() {
            for (j, b) in ALL.iter().enumerate() {
                assert_eq!(a.conflicts_with(*b), expected[i][j], "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn stronger_modes_conflict_with_a_superset() {
        for weak in ALL {
            for strong in ALL.iter().filter(|m| **m >= weak) {
                for other in ALL {
                    if weak.conflicts_with(other) {
                        assert!(strong.conflicts_with(other), "{strong:?} ⊇ {weak:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn codes_round_trip() {
        for mode in ALL {
            assert_eq!(LockMode::from_code(mode.code()), Some(mode));
        }
        assert_eq!(LockMode::from_code(0), None);
    }
}
