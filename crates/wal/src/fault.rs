//! [`FaultyIo`]: an I/O wrapper that injects the failures the WAL must survive.
//!
//! It wraps any [`WalIo`] (normally [`crate::StdIo`] over a temporary directory) and can:
//!
//! - make writes short (return fewer bytes than given),
//! - fail every fsync from some point on (EIO),
//! - run out of disk space (ENOSPC when a write would grow files beyond a budget),
//! - slow down fsyncs (to make group commit observable),
//! - simulate a power loss, now or after a given number of further mutating operations: every
//!   write made since the last successful fsync of its file is reverted sector by sector
//!   (512 bytes), each sector independently kept or lost, so writes are lost or torn at sector
//!   boundaries and later sectors may survive while earlier ones do not; files created or renamed
//!   since the last directory fsync disappear; afterwards every operation fails, as on a machine
//!   that is off,
//! - flip a bit in a file.
//!
//! Every random choice comes from a seeded generator, so a failing seed replays the same
//! decisions. Operations are serialized through one mutex (this is a test tool, not a fast
//! path); fsync delays sleep outside it. Removals are not reverted by a power loss.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::io::{WalFile, WalIo};

/// Power loss tears writes at this granularity.
pub const SECTOR_BYTES: u64 = 512;

/// A [`WalIo`] that injects faults; see the module docs.
pub struct FaultyIo {
    inner: Arc<dyn WalIo>,
    state: Arc<Mutex<FaultState>>,
}

struct FaultState {
    random: SplitMix64,
    short_writes: bool,
    /// Successful fsyncs left before every fsync fails.
    syncs_before_failure: Option<u64>,
    /// Bytes files may still grow by before writes fail with ENOSPC.
    disk_space_bytes: Option<u64>,
    /// Mutating operations left before a power loss.
    operations_before_power_loss: Option<u64>,
    sync_delay: Duration,
    data_syncs: u64,
    syncs: u64,
    powered_off: bool,
    /// Identity of each file by its current path (renames move it).
    file_ids: HashMap<PathBuf, u64>,
    file_paths: HashMap<u64, PathBuf>,
    next_file_id: u64,
    /// Per file: the writes since its last successful fsync, oldest first.
    unsynced_writes: HashMap<u64, Vec<UndoEntry>>,
    /// Files created or renamed since their directory's last fsync.
    unsynced_names: HashSet<u64>,
}

/// What a write replaced, to undo it at a power loss.
struct UndoEntry {
    offset: u64,
    /// The bytes the write overwrote, as far as the file extended before it.
    previous: Vec<u8>,
    written: u64,
}

impl FaultyIo {
    /// Wraps `inner`; `seed` drives every random choice.
    pub fn new(inner: Arc<dyn WalIo>, seed: u64) -> Arc<FaultyIo> {
        Arc::new(FaultyIo {
            inner,
            state: Arc::new(Mutex::new(FaultState {
                random: SplitMix64(seed),
                short_writes: false,
                syncs_before_failure: None,
                disk_space_bytes: None,
                operations_before_power_loss: None,
                sync_delay: Duration::ZERO,
                data_syncs: 0,
                syncs: 0,
                powered_off: false,
                file_ids: HashMap::new(),
                file_paths: HashMap::new(),
                next_file_id: 0,
                unsynced_writes: HashMap::new(),
                unsynced_names: HashSet::new(),
            })),
        })
    }

    /// Makes about one write in four short (at least one byte is written).
    pub fn set_short_writes(&self, enabled: bool) {
        self.state.lock().short_writes = enabled;
    }

    /// After `successful` more fsyncs, every fsync fails with EIO (and its data stays unsynced).
    pub fn fail_syncs_after(&self, successful: u64) {
        self.state.lock().syncs_before_failure = Some(successful);
    }

    /// Lets files grow by at most `bytes` more before writes fail with ENOSPC (`None`: no limit).
    pub fn set_disk_space(&self, bytes: Option<u64>) {
        self.state.lock().disk_space_bytes = bytes;
    }

    /// Sleeps this long in every fsync.
    pub fn set_sync_delay(&self, delay: Duration) {
        self.state.lock().sync_delay = delay;
    }

    /// Loses power just before the `operations`-th next mutating operation (write, fsync,
    /// create, rename, remove, directory fsync); that operation and all later ones fail.
    pub fn power_loss_after(&self, operations: u64) {
        self.state.lock().operations_before_power_loss = Some(operations);
    }

    /// Loses power now.
    pub fn power_loss(&self) {
        let mut state = self.state.lock();
        self.lose_power(&mut state);
    }

    /// Whether the power is off.
    pub fn powered_off(&self) -> bool {
        self.state.lock().powered_off
    }

    /// Successful `sync_data` calls so far.
    pub fn data_syncs(&self) -> u64 {
        self.state.lock().data_syncs
    }

    /// Successful `sync_data` and `sync_all` calls so far.
    pub fn syncs(&self) -> u64 {
        self.state.lock().syncs
    }

    /// Flips bit `bit` (0–7) of the byte at `offset` of the file at `path`, durably.
    pub fn flip_bit(&self, path: &Path, offset: u64, bit: u8) -> io::Result<()> {
        let file = self.inner.open(path)?;
        let mut byte = [0u8; 1];
        if file.read_at(&mut byte, offset)? != 1 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "offset past the end of the file",
            ));
        }
        byte[0] ^= 1 << (bit % 8);
        if file.write_at(&byte, offset)? != 1 {
            return Err(io::Error::from(io::ErrorKind::WriteZero));
        }
        file.sync_data()
    }

    /// Counts one mutating operation; fails if the power is (or now goes) off.
    fn operation(&self, state: &mut FaultState) -> io::Result<()> {
        if state.powered_off {
            return Err(powered_off_error());
        }
        if let Some(left) = &mut state.operations_before_power_loss {
            if *left == 0 {
                self.lose_power(state);
                return Err(powered_off_error());
            }
            *left -= 1;
        }
        Ok(())
    }

    /// Reverts unsynced writes sector by sector and drops unsynced names; the power stays off.
    fn lose_power(&self, state: &mut FaultState) {
        if state.powered_off {
            return;
        }
        state.powered_off = true;
        let mut ids: Vec<u64> = state.unsynced_writes.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let entries = state.unsynced_writes.remove(&id).unwrap_or_default();
            let Some(path) = state.file_paths.get(&id).cloned() else {
                continue;
            };
            let Ok(file) = self.inner.open(&path) else {
                continue;
            };
            // Newest first, so reverting a sector restores what the previous write left.
            for entry in entries.iter().rev() {
                let end = entry.offset + entry.written;
                let mut sector_start = entry.offset;
                while sector_start < end {
                    let sector_end = ((sector_start / SECTOR_BYTES) + 1) * SECTOR_BYTES;
                    let sector_end = sector_end.min(end);
                    if state.random.next().is_multiple_of(2) {
                        let from = (sector_start - entry.offset) as usize;
                        let to = (sector_end - entry.offset) as usize;
                        // Bytes past the old end of the file read back as zeroes.
                        let mut old = vec![0u8; to - from];
                        // (A write that extended the file has fewer previous bytes than it
                        // wrote; a sector wholly past the old end has none.)
                        if entry.previous.len() > from {
                            let known = entry.previous.len().min(to);
                            old[..known - from].copy_from_slice(&entry.previous[from..known]);
                        }
                        let _ = write_fully(&*file, &old, sector_start);
                    }
                    sector_start = sector_end;
                }
            }
            let _ = file.sync_data();
        }
        let lost: Vec<u64> = state.unsynced_names.drain().collect();
        for id in lost {
            if let Some(path) = state.file_paths.remove(&id) {
                state.file_ids.remove(&path);
                let _ = self.inner.remove_file(&path);
            }
        }
    }

    fn file_id(state: &mut FaultState, path: &Path) -> u64 {
        if let Some(id) = state.file_ids.get(path) {
            return *id;
        }
        let id = state.next_file_id;
        state.next_file_id += 1;
        state.file_ids.insert(path.to_path_buf(), id);
        state.file_paths.insert(id, path.to_path_buf());
        id
    }

    fn wrap(&self, id: u64, inner: Box<dyn WalFile>) -> Box<dyn WalFile> {
        Box::new(FaultyFile::new(id, inner, self))
    }
}

impl fmt::Debug for FaultyIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("FaultyIo")
            .field("inner", &self.inner)
            .field("powered_off", &state.powered_off)
            .field("syncs", &state.syncs)
            .finish()
    }
}

impl WalIo for FaultyIo {
    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        let mut state = self.state.lock();
        self.operation(&mut state)?;
        self.inner.create_dir_all(dir)
    }

    fn list_dir(&self, dir: &Path) -> io::Result<Vec<String>> {
        if self.state.lock().powered_off {
            return Err(powered_off_error());
        }
        self.inner.list_dir(dir)
    }

    fn open(&self, path: &Path) -> io::Result<Box<dyn WalFile>> {
        let mut state = self.state.lock();
        if state.powered_off {
            return Err(powered_off_error());
        }
        let file = self.inner.open(path)?;
        let id = FaultyIo::file_id(&mut state, path);
        Ok(self.wrap(id, file))
    }

    fn open_data_synchronous(&self, path: &Path) -> io::Result<Box<dyn WalFile>> {
        let mut state = self.state.lock();
        if state.powered_off {
            return Err(powered_off_error());
        }
        let file = self.inner.open_data_synchronous(path)?;
        let id = FaultyIo::file_id(&mut state, path);
        let mut wrapped = FaultyFile::new(id, file, self);
        // O_DSYNC: each write is durable when it returns, so a power loss keeps it.
        wrapped.synchronous = true;
        Ok(Box::new(wrapped))
    }

    fn create(&self, path: &Path) -> io::Result<Box<dyn WalFile>> {
        let mut state = self.state.lock();
        self.operation(&mut state)?;
        let file = self.inner.create(path)?;
        let id = FaultyIo::file_id(&mut state, path);
        state.unsynced_writes.remove(&id);
        state.unsynced_names.insert(id);
        Ok(self.wrap(id, file))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut state = self.state.lock();
        self.operation(&mut state)?;
        self.inner.rename(from, to)?;
        if let Some(replaced) = state.file_ids.remove(to) {
            state.file_paths.remove(&replaced);
            state.unsynced_writes.remove(&replaced);
            state.unsynced_names.remove(&replaced);
        }
        let id = FaultyIo::file_id(&mut state, from);
        state.file_ids.remove(from);
        state.file_ids.insert(to.to_path_buf(), id);
        state.file_paths.insert(id, to.to_path_buf());
        state.unsynced_names.insert(id);
        Ok(())
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        let mut state = self.state.lock();
        self.operation(&mut state)?;
        self.inner.remove_file(path)?;
        if let Some(id) = state.file_ids.remove(path) {
            state.file_paths.remove(&id);
            state.unsynced_writes.remove(&id);
            state.unsynced_names.remove(&id);
        }
        Ok(())
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut state = self.state.lock();
        self.operation(&mut state)?;
        self.inner.sync_dir(dir)?;
        let FaultState {
            unsynced_names,
            file_paths,
            ..
        } = &mut *state;
        unsynced_names.retain(|id| {
            file_paths
                .get(id)
                .is_none_or(|path| path.parent() != Some(dir))
        });
        Ok(())
    }
}

struct FaultyFile {
    id: u64,
    inner: Box<dyn WalFile>,
    io: FaultyIo,
    /// Opened with `O_DSYNC`: writes are durable at once, never undone by a power loss.
    synchronous: bool,
}

impl fmt::Debug for FaultyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultyFile").field("id", &self.id).finish()
    }
}

impl FaultyFile {
    fn new(id: u64, inner: Box<dyn WalFile>, io: &FaultyIo) -> FaultyFile {
        FaultyFile {
            id,
            inner,
            io: FaultyIo {
                inner: Arc::clone(&io.inner),
                state: Arc::clone(&io.state),
            },
            synchronous: false,
        }
    }

    fn sync(&self, data_only: bool) -> io::Result<()> {
        let delay = self.io.state.lock().sync_delay;
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let mut state = self.io.state.lock();
        self.io.operation(&mut state)?;
        if let Some(left) = &mut state.syncs_before_failure {
            if *left == 0 {
                return Err(io::Error::from_raw_os_error(5));
            }
            *left -= 1;
        }
        if data_only {
            self.inner.sync_data()?;
            state.data_syncs += 1;
        } else {
            self.inner.sync_all()?;
        }
        state.syncs += 1;
        state.unsynced_writes.remove(&self.id);
        Ok(())
    }
}

impl WalFile for FaultyFile {
    fn size(&self) -> io::Result<u64> {
        if self.io.state.lock().powered_off {
            return Err(powered_off_error());
        }
        self.inner.size()
    }

    fn read_at(&self, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
        if self.io.state.lock().powered_off {
            return Err(powered_off_error());
        }
        self.inner.read_at(buffer, offset)
    }

    fn write_at(&self, bytes: &[u8], offset: u64) -> io::Result<usize> {
        let mut state = self.io.state.lock();
        self.io.operation(&mut state)?;
        let mut count = bytes.len();
        if state.short_writes && count > 1 && state.random.next().is_multiple_of(4) {
            count = 1 + (state.random.next() % (count as u64 - 1)) as usize;
        }
        let size = self.inner.size()?;
        let growth = (offset + count as u64).saturating_sub(size);
        if let Some(space) = &mut state.disk_space_bytes {
            if growth > *space {
                return Err(io::Error::from_raw_os_error(28));
            }
            *space -= growth;
        }
        let mut previous = vec![0u8; size.saturating_sub(offset).min(count as u64) as usize];
        let mut read = 0;
        while read < previous.len() {
            match self
                .inner
                .read_at(&mut previous[read..], offset + read as u64)?
            {
                0 => break,
                got => read += got,
            }
        }
        previous.truncate(read);
        let written = self.inner.write_at(&bytes[..count], offset)?;
        if self.synchronous {
            return Ok(written);
        }
        state
            .unsynced_writes
            .entry(self.id)
            .or_default()
            .push(UndoEntry {
                offset,
                previous,
                written: written as u64,
            });
        Ok(written)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.sync(true)
    }

    fn sync_all(&self) -> io::Result<()> {
        self.sync(false)
    }
}

fn powered_off_error() -> io::Error {
    io::Error::other("simulated power loss: the machine is off")
}

fn write_fully(file: &dyn WalFile, bytes: &[u8], offset: u64) -> io::Result<()> {
    let mut done = 0;
    while done < bytes.len() {
        match file.write_at(&bytes[done..], offset + done as u64)? {
            0 => return Err(io::Error::from(io::ErrorKind::WriteZero)),
            count => done += count,
        }
    }
    Ok(())
}

/// A tiny deterministic generator (SplitMix64): good enough to pick faults, no dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The seeds a seeded test runs: `DB001_POWER_LOSS_SEED=N` replays one seed;
/// `DB001_POWER_LOSS_SEEDS=COUNT` or `=FIRST..END` runs many (the long command,
/// `tests/power-loss-long.sh`); otherwise `default`.
pub fn power_loss_seeds(default: std::ops::Range<u64>) -> std::ops::Range<u64> {
    let parse = |name: &str, text: &str| -> u64 {
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?}: expected a whole number"))
    };
    if let Ok(text) = std::env::var("DB001_POWER_LOSS_SEED") {
        let seed = parse("DB001_POWER_LOSS_SEED", &text);
        return seed..seed + 1;
    }
    match std::env::var("DB001_POWER_LOSS_SEEDS") {
        Ok(text) => match text.split_once("..") {
            Some((first, end)) => {
                parse("DB001_POWER_LOSS_SEEDS", first)..parse("DB001_POWER_LOSS_SEEDS", end)
            }
            None => 0..parse("DB001_POWER_LOSS_SEEDS", &text),
        },
        Err(_) => default,
    }
}
