//! The I/O seam: every file operation the WAL and the checkpoint files perform goes through
//! [`WalIo`] and [`WalFile`].
//!
//! The traits are deliberately small — the handful of calls the writer, recovery, checkpoints
//! and archiving need — so a test can wrap them ([`crate::fault::FaultyIo`]) and inject short
//! writes, fsync failures, a full disk, bit flips and power loss at exactly the point it wants.
//! [`StdIo`] is the real implementation over `std::fs` with positioned reads and writes
//! (`pread`/`pwrite`), and maps whole files with `memmap2` for [`WalIo::map_file`].

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::ops::Deref;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

/// A whole file's bytes, read-only: a memory map, or a copy read through [`WalFile::read_at`].
pub enum FileBytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(map) => map,
            FileBytes::Read(bytes) => bytes,
        }
    }
}

impl fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match self {
            FileBytes::Mapped(_) => "mapped",
            FileBytes::Read(_) => "read",
        };
        write!(f, "FileBytes({how}, {} bytes)", self.len())
    }
}

/// File-system operations on the WAL directory.
pub trait WalIo: Send + Sync + fmt::Debug {
    /// Creates `dir` and its parents if they do not exist.
    fn create_dir_all(&self, dir: &Path) -> io::Result<()>;
    /// The names (not paths) of the entries in `dir`.
    fn list_dir(&self, dir: &Path) -> io::Result<Vec<String>>;
    /// Opens an existing file for reading and writing.
    fn open(&self, path: &Path) -> io::Result<Box<dyn WalFile>>;
    /// Opens an existing file for reading and writing with `O_DSYNC`: a write returns once its
    /// data is durable (`wal_sync_method = open_datasync`).
    fn open_data_synchronous(&self, path: &Path) -> io::Result<Box<dyn WalFile>>;
    /// Creates a file for reading and writing, truncating it if it exists.
    fn create(&self, path: &Path) -> io::Result<Box<dyn WalFile>>;
    /// Renames a file, replacing `to` if it exists.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes a file.
    fn remove_file(&self, path: &Path) -> io::Result<()>;
    /// Makes the directory's entries (creations, renames, removals) durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;

    /// The whole content of a file that nobody writes any more (a published checkpoint). The
    /// default reads it through [`WalIo::open`]; [`StdIo`] maps it.
    fn map_file(&self, path: &Path) -> io::Result<FileBytes> {
        let file = self.open(path)?;
        let size = usize::try_from(file.size()?)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "file too large to read"))?;
        let mut bytes = vec![0u8; size];
        let mut filled = 0;
        while filled < size {
            match file.read_at(&mut bytes[filled..], filled as u64) {
                Ok(0) => break,
                Ok(count) => filled += count,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        bytes.truncate(filled);
        Ok(FileBytes::Read(bytes))
    }
}

/// An open file. Positioned reads and writes, so one handle needs no seek state.
pub trait WalFile: Send + Sync + fmt::Debug {
    /// The file's current size in bytes.
    fn size(&self) -> io::Result<u64>;
    /// Reads at `offset`; returns the bytes read (0 at end of file), possibly fewer than asked.
    fn read_at(&self, buffer: &mut [u8], offset: u64) -> io::Result<usize>;
    /// Writes at `offset`; returns the bytes written, possibly fewer than given.
    fn write_at(&self, bytes: &[u8], offset: u64) -> io::Result<usize>;
    /// Makes the file's data durable (`fdatasync`).
    fn sync_data(&self) -> io::Result<()>;
    /// Makes the file's data and metadata durable (`fsync`).
    fn sync_all(&self) -> io::Result<()>;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdIo;

impl WalIo for StdIo {
    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)
    }

    fn list_dir(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            // Names that are not UTF-8 cannot be ours; they are skipped like any stranger.
            if let Ok(name) = entry?.file_name().into_string() {
                names.push(name);
            }
        }
        Ok(names)
    }

    fn open(&self, path: &Path) -> io::Result<Box<dyn WalFile>> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        Ok(Box::new(StdFile(file)))
    }

    fn open_data_synchronous(&self, path: &Path) -> io::Result<Box<dyn WalFile>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_DSYNC)
            .open(path)?;
        Ok(Box::new(StdFile(file)))
    }

    fn create(&self, path: &Path) -> io::Result<Box<dyn WalFile>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        Ok(Box::new(StdFile(file)))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::rename(from, to)
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }

    fn map_file(&self, path: &Path) -> io::Result<FileBytes> {
        let file = File::open(path)?;
        if file.metadata()?.len() == 0 {
            // A zero-length mapping is an error on Linux; an empty file is simply empty.
            return Ok(FileBytes::Read(Vec::new()));
        }
        // SAFETY: the map is read-only and only ever made of files db001 no longer writes
        // (published checkpoints are never modified, only replaced by rename or removed, which
        // leaves an existing mapping intact). Another process truncating the file underneath
        // would be a violation of the data directory's ownership that no reader survives.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(FileBytes::Mapped(map))
    }
}

#[derive(Debug)]
struct StdFile(File);

impl WalFile for StdFile {
    fn size(&self) -> io::Result<u64> {
        Ok(self.0.metadata()?.len())
    }

    fn read_at(&self, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
        self.0.read_at(buffer, offset)
    }

    fn write_at(&self, bytes: &[u8], offset: u64) -> io::Result<usize> {
        self.0.write_at(bytes, offset)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.0.sync_data()
    }

    fn sync_all(&self) -> io::Result<()> {
        self.0.sync_all()
    }
}
