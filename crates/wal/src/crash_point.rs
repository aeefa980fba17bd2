//! # Crash points: `kill -9` at a chosen instant inside the real binary
//!
//! A `kill -9` from outside lands wherever the scheduler happens to be, so the narrow windows
//! that matter most — between a WAL write and its fsync, between the fsync and the
//! acknowledgement, half-way through a checkpoint or a segment switch — are hit rarely or never.
//! A crash point is a named place in the code where the process can kill itself on purpose.
//!
//! The facility is compiled into every build and is inert unless the server arms it:
//!
//! ```text
//! DB001_CRASH_AT=<point>:<countdown> db001 ...
//! ```
//!
//! The server calls [`arm_from_env`] once start-up (recovery included) is complete, so hits
//! during recovery never count. After that, the `countdown`-th time execution reaches `point`
//! (`countdown` ≥ 1; `:<countdown>` may be left out for 1), the process prints one line to
//! stderr (`db001: crash point <point> reached (DB001_CRASH_AT): killing the process`) and sends
//! itself `SIGKILL` — exactly what `kill -9` does: no destructor, no flush, no atexit handler;
//! bytes already passed to `write(2)` stay in the page cache, as they would. An unknown point
//! or a malformed countdown makes the server refuse to start (a typo must not silently turn a
//! torture run into a plain one).
//!
//! Unarmed, a hit costs one relaxed atomic load. The points ([`CrashPoint::ALL`]):
//!
//! | point | where | what a crash there leaves |
//! | --- | --- | --- |
//! | `wal-before-write` | the WAL writer took a group of records, nothing written yet | the group is lost; none of it was acknowledged |
//! | `wal-before-fsync` | the group is written, not fsynced | the bytes are in the page cache: the commits survive `kill -9` though unacknowledged |
//! | `wal-before-acknowledge` | fsync returned, the durable LSN not yet published | durable commits nobody was told about |
//! | `segment-before-rename` | a new segment is zero-filled and has its header, still `*.wal.partial` | a leftover partial segment (recovery deletes it) |
//! | `segment-before-first-write` | the new segment has its final name, no record yet | a log whose newest segment is empty |
//! | `checkpoint-before-publish` | a checkpoint's blocks are written to `*.ckpt.tmp`, no footer, no fsync | an unfinished checkpoint file (recovery deletes it) |
//! | `checkpoint-before-retire` | the new checkpoint is published; old checkpoints and WAL segments not yet removed | more files than needed; nothing missing |
//!
//! The crash torture (`tests/tests/crash.rs`, `tests/crash-torture-long.sh`) runs a cycle with
//! each point armed and checks every acknowledged commit after the restart.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

/// The environment variable that arms a crash point.
pub const CRASH_AT_VARIABLE: &str = "DB001_CRASH_AT";

/// A named place where the process may kill itself (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CrashPoint {
    WalBeforeWrite = 1,
    WalBeforeFsync = 2,
    WalBeforeAcknowledge = 3,
    SegmentBeforeRename = 4,
    SegmentBeforeFirstWrite = 5,
    CheckpointBeforePublish = 6,
    CheckpointBeforeRetire = 7,
}

impl CrashPoint {
    /// Every point, in the order of the module docs' table.
    pub const ALL: [CrashPoint; 7] = [
        CrashPoint::WalBeforeWrite,
        CrashPoint::WalBeforeFsync,
        CrashPoint::WalBeforeAcknowledge,
        CrashPoint::SegmentBeforeRename,
        CrashPoint::SegmentBeforeFirstWrite,
        CrashPoint::CheckpointBeforePublish,
        CrashPoint::CheckpointBeforeRetire,
    ];

    /// The name `DB001_CRASH_AT` uses.
    pub fn name(self) -> &'static str {
        match self {
            CrashPoint::WalBeforeWrite => "wal-before-write",
            CrashPoint::WalBeforeFsync => "wal-before-fsync",
            CrashPoint::WalBeforeAcknowledge => "wal-before-acknowledge",
            CrashPoint::SegmentBeforeRename => "segment-before-rename",
            CrashPoint::SegmentBeforeFirstWrite => "segment-before-first-write",
            CrashPoint::CheckpointBeforePublish => "checkpoint-before-publish",
            CrashPoint::CheckpointBeforeRetire => "checkpoint-before-retire",
        }
    }

    /// The point called `name`.
    pub fn from_name(name: &str) -> Option<CrashPoint> {
        CrashPoint::ALL
            .into_iter()
            .find(|point| point.name() == name)
    }
}

/// The armed point's number (0: none).
static ARMED: AtomicU8 = AtomicU8::new(0);
/// Hits left before the armed point fires.
static COUNTDOWN: AtomicU64 = AtomicU64::new(0);

/// Parses a `DB001_CRASH_AT` value: `<point>` or `<point>:<countdown>`.
pub fn parse(value: &str) -> Result<(CrashPoint, u64), String> {
    let (name, countdown) = match value.trim().split_once(':') {
        Some((name, countdown)) => (name, Some(countdown)),
        None => (value.trim(), None),
    };
    let point = CrashPoint::from_name(name).ok_or_else(|| {
        format!(
            "{CRASH_AT_VARIABLE}: unknown crash point '{name}' (known: {})",
            CrashPoint::ALL
                .iter()
                .map(|point| point.name())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let countdown = match countdown {
        None => 1,
        Some(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|&countdown| countdown >= 1)
            .ok_or_else(|| {
                format!("{CRASH_AT_VARIABLE}: countdown '{text}' is not a whole number >= 1")
            })?,
    };
    Ok((point, countdown))
}

/// The point and countdown `DB001_CRASH_AT` names, if it is set (nothing is armed yet).
pub fn from_env() -> Result<Option<(CrashPoint, u64)>, String> {
    let Some(value) = std::env::var_os(CRASH_AT_VARIABLE) else {
        return Ok(None);
    };
    let value = value
        .into_string()
        .map_err(|_| format!("{CRASH_AT_VARIABLE} is not UTF-8"))?;
    parse(&value).map(Some)
}

/// Arms the point `DB001_CRASH_AT` names, if it is set; returns what was armed. Call once
/// start-up is complete.
pub fn arm_from_env() -> Result<Option<(CrashPoint, u64)>, String> {
    let armed = from_env()?;
    if let Some((point, countdown)) = armed {
        arm(point, countdown);
    }
    Ok(armed)
}

/// Arms `point` to fire at its `countdown`-th hit from now (`countdown` ≥ 1).
pub fn arm(point: CrashPoint, countdown: u64) {
    assert!(countdown >= 1, "a crash point fires at hit 1 or later");
    COUNTDOWN.store(countdown, Ordering::SeqCst);
    ARMED.store(point as u8, Ordering::SeqCst);
}

/// Whether `point` is the armed one (for code that prepares the state a crash there should
/// leave).
pub fn is_armed(point: CrashPoint) -> bool {
    ARMED.load(Ordering::Relaxed) == point as u8
}

/// Execution reached `point`: kills the process if it is armed and its countdown ends here.
#[inline]
pub fn hit(point: CrashPoint) {
    if ARMED.load(Ordering::Relaxed) != point as u8 {
        return;
    }
    // Exactly one hit sees 1, however many threads arrive at once.
    if COUNTDOWN.fetch_sub(1, Ordering::SeqCst) == 1 {
        die(point);
    }
}

#[cold]
fn die(point: CrashPoint) -> ! {
    eprintln!(
        "db001: crash point {} reached ({CRASH_AT_VARIABLE}): killing the process",
        point.name()
    );
    // SAFETY: getpid and kill have no memory effects; SIGKILL ends the process here.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    // Not reached: SIGKILL cannot be caught. Should it somehow return, still do not go on.
    std::process::abort()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_values_parse() {
        for point in CrashPoint::ALL {
            assert_eq!(CrashPoint::from_name(point.name()), Some(point));
        }
        assert_eq!(
            parse("wal-before-fsync:7"),
            Ok((CrashPoint::WalBeforeFsync, 7))
        );
        assert_eq!(
            parse(" checkpoint-before-retire "),
            Ok((CrashPoint::CheckpointBeforeRetire, 1))
        );
        assert!(parse("wal-before-fsync:0").is_err());
        assert!(parse("wal-before-fsync:x").is_err());
        let unknown = parse("wal-after-everything:1").expect_err("unknown");
        assert!(unknown.contains("wal-before-write"), "{unknown}");
    }

    #[test]
    fn an_unarmed_point_does_nothing() {
        // Nothing in this test process is armed, so hitting every point returns.
        for point in CrashPoint::ALL {
            hit(point);
        }
    }
}
