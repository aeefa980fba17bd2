//! Checkpoint files: the framing of a database snapshot on disk, and publishing it atomically.
//!
//! Like the log, this module knows bytes, not tables: a checkpoint is a header naming the LSNs
//! it stands for, then a sequence of checksummed blocks whose one-byte kind and payload the
//! caller (the engine) chooses, then a footer that proves the file is complete. What the
//! engine puts in the blocks (the catalog, each table's rows) is documented in the engine's
//! `checkpoint` module.
//!
//! ## On-disk format (version 1)
//!
//! A checkpoint directory holds files named `<checkpoint LSN as 16 uppercase hex digits>.ckpt`,
//! e.g. `0000000001A3F2C8.ckpt`, and, only while one is being written, `<name>.ckpt.tmp`. All
//! integers are little-endian.
//!
//! ```text
//! file   := header block* footer
//! header (48 bytes)
//! ┌──────────────────┬────────────┬──────────┬─────────┬─────────────────┬─────────────────────┬──────────────┬────────────┐
//! │ magic "DB001CKP" │ version u32│ flags u32│ lsn u64 │ replay_from u64 │ created_unix_µs i64 │ reserved u32 │ crc32c u32 │
//! └──────────────────┴────────────┴──────────┴─────────┴─────────────────┴─────────────────────┴──────────────┴────────────┘
//! block (12-byte header, then the payload; no padding)
//! ┌─────────┬───────────────┬────────────┬────────────┬─────────────────────┐
//! │ kind u8 │ reserved 3 × 0│ length u32 │ crc32c u32 │ payload (length)     │
//! └─────────┴───────────────┴────────────┴────────────┴─────────────────────┘
//! footer := a block of kind 0xFF whose payload is
//!           block count u64 (footer excluded) ‖ payload bytes u64 (footer excluded) ‖ header crc32c u32
//! ```
//!
//! - **Header**: the crc32c covers the 44 bytes before it. `lsn` is the checkpoint's position in
//!   the log: the state it holds is every transaction committed at or before it (the engine's
//!   snapshot read timestamp). `replay_from` is where recovery starts reading the log; it is at
//!   or before `lsn` (see the engine for why it can be earlier). `flags` and `reserved` are zero.
//! - **Block**: the crc32c covers the block header's first eight bytes and the payload, so
//!   damage is found per block and names the block's offset. Kind 0 is never written (zeroes
//!   are not a block), 0xFF is the footer; payloads are at most [`BLOCK_PAYLOAD_BYTES_MAX`].
//! - **Footer**: must end exactly at the end of the file, count the blocks before it and repeat
//!   the header's checksum. A file without a valid footer was not finished (or was cut) and is
//!   rejected as a whole: a checkpoint is all or nothing.
//!
//! ## Publishing
//!
//! A checkpoint is written to `<name>.ckpt.tmp` through [`WalIo`], fsynced, renamed to its
//! final name, and the directory is fsynced. So a final name always denotes a complete, durable
//! file; a crash at any point leaves at most a `.tmp` file, which [`remove_temporary_files`]
//! deletes at the next start. Older checkpoints are not touched here: the engine removes them
//! only after a newer one is published (it keeps the previous one as a fallback).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crc32c::{crc32c, crc32c_append};
use db001_common::{Error, Result, SqlState};

use crate::Lsn;
use crate::format::format_lsn;
use crate::io::{FileBytes, WalFile, WalIo};
use crate::segment::{io_error, write_file_at};

/// The first eight bytes of every checkpoint file.
pub const CHECKPOINT_MAGIC: [u8; 8] = *b"DB001CKP";
/// The checkpoint format version this build writes and reads.
pub const CHECKPOINT_FORMAT_VERSION: u32 = 1;
/// Bytes of the checkpoint file header.
pub const CHECKPOINT_HEADER_BYTES: usize = 48;
/// Bytes of a block header.
pub const BLOCK_HEADER_BYTES: usize = 12;
/// The largest block payload written or accepted.
pub const BLOCK_PAYLOAD_BYTES_MAX: usize = 64 << 20;
/// The kind of the footer block.
pub const FOOTER_KIND: u8 = 0xFF;
/// The suffix of a published checkpoint file.
pub const CHECKPOINT_SUFFIX: &str = ".ckpt";
/// The suffix of a checkpoint file being written.
pub const TEMPORARY_SUFFIX: &str = ".ckpt.tmp";

const FOOTER_PAYLOAD_BYTES: usize = 8 + 8 + 4;
/// The writer hands the file system pieces of about this size.
const WRITE_BUFFER_BYTES: usize = 1 << 20;

const _: () = assert!(BLOCK_PAYLOAD_BYTES_MAX < u32::MAX as usize);

/// What a checkpoint stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointHeader {
    /// The state is every commit with a timestamp (commit record end LSN) at or before this.
    pub lsn: Lsn,
    /// Recovery reads the log from here (at or before `lsn`).
    pub replay_from: Lsn,
    /// When the checkpoint's snapshot was taken, in microseconds since the Unix epoch.
    pub created_unix_micros: i64,
}

impl CheckpointHeader {
    fn encode(&self) -> [u8; CHECKPOINT_HEADER_BYTES] {
        let mut bytes = [0u8; CHECKPOINT_HEADER_BYTES];
        bytes[0..8].copy_from_slice(&CHECKPOINT_MAGIC);
        bytes[8..12].copy_from_slice(&CHECKPOINT_FORMAT_VERSION.to_le_bytes());
        // 12..16: flags, zero.
        bytes[16..24].copy_from_slice(&self.lsn.to_le_bytes());
        bytes[24..32].copy_from_slice(&self.replay_from.to_le_bytes());
        bytes[32..40].copy_from_slice(&self.created_unix_micros.to_le_bytes());
        // 40..44: reserved, zero.
        let checksum = crc32c(&bytes[0..44]);
        bytes[44..48].copy_from_slice(&checksum.to_le_bytes());
        bytes
    }

    /// Reads a header, or says in words what is wrong with it.
    fn decode(bytes: &[u8]) -> std::result::Result<CheckpointHeader, String> {
        let Some(bytes) = bytes.get(..CHECKPOINT_HEADER_BYTES) else {
            return Err(format!(
                "the file is {} bytes long, shorter than a checkpoint header",
                bytes.len()
            ));
        };
        if bytes[0..8] != CHECKPOINT_MAGIC {
            return Err("the file does not start with the checkpoint magic number".to_string());
        }
        let stored = read_u32(bytes, 44);
        let computed = crc32c(&bytes[0..44]);
        if stored != computed {
            return Err(format!(
                "header checksum mismatch (stored {stored:08X}, computed {computed:08X})"
            ));
        }
        let version = read_u32(bytes, 8);
        if version != CHECKPOINT_FORMAT_VERSION {
            return Err(format!(
                "unsupported checkpoint format version {version} (this build reads version \
                 {CHECKPOINT_FORMAT_VERSION})"
            ));
        }
        let header = CheckpointHeader {
            lsn: read_u64(bytes, 16),
            replay_from: read_u64(bytes, 24),
            created_unix_micros: read_u64(bytes, 32) as i64,
        };
        if header.replay_from > header.lsn {
            return Err(format!(
                "the header's replay start {} lies after its LSN {}",
                format_lsn(header.replay_from),
                format_lsn(header.lsn)
            ));
        }
        Ok(header)
    }
}

/// The file name of the checkpoint at `lsn`.
pub fn checkpoint_file_name(lsn: Lsn) -> String {
    format!("{lsn:016X}{CHECKPOINT_SUFFIX}")
}

/// The LSN in a checkpoint file name, or `None` when `name` is not one.
pub fn parse_checkpoint_file_name(name: &str) -> Option<Lsn> {
    let digits = name.strip_suffix(CHECKPOINT_SUFFIX)?;
    let well_formed = digits.len() == 16
        && digits
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'A'..=b'F').contains(&byte));
    if !well_formed {
        return None;
    }
    Lsn::from_str_radix(digits, 16).ok()
}

/// A published checkpoint file, as listed (not yet read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointFile {
    /// The LSN in its name.
    pub lsn: Lsn,
    pub name: String,
    pub path: PathBuf,
}

/// The checkpoint files in `dir`, newest (highest LSN) first. A missing directory has none.
pub fn list_checkpoints(io: &dyn WalIo, dir: &Path) -> Result<Vec<CheckpointFile>> {
    let names = match io.list_dir(dir) {
        Ok(names) => names,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(io_error("could not list checkpoint directory", dir, &error)),
    };
    let mut files: Vec<CheckpointFile> = names
        .into_iter()
        .filter_map(|name| {
            parse_checkpoint_file_name(&name).map(|lsn| CheckpointFile {
                lsn,
                path: dir.join(&name),
                name,
            })
        })
        .collect();
    files.sort_by_key(|file| std::cmp::Reverse(file.lsn));
    Ok(files)
}

/// Deletes the `.ckpt.tmp` files a crash during a checkpoint left behind; returns their names.
pub fn remove_temporary_files(io: &dyn WalIo, dir: &Path) -> Result<Vec<String>> {
    let names = match io.list_dir(dir) {
        Ok(names) => names,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(io_error("could not list checkpoint directory", dir, &error)),
    };
    let mut removed = Vec::new();
    for name in names {
        if name.ends_with(TEMPORARY_SUFFIX) {
            let path = dir.join(&name);
            io.remove_file(&path)
                .map_err(|error| io_error("could not remove checkpoint file", &path, &error))?;
            removed.push(name);
        }
    }
    if !removed.is_empty() {
        io.sync_dir(dir)
            .map_err(|error| io_error("could not fsync checkpoint directory", dir, &error))?;
    }
    Ok(removed)
}

/// Removes a published checkpoint file and makes the removal durable.
pub fn remove_checkpoint(io: &dyn WalIo, file: &CheckpointFile) -> Result<()> {
    io.remove_file(&file.path)
        .map_err(|error| io_error("could not remove checkpoint file", &file.path, &error))?;
    if let Some(dir) = file.path.parent() {
        io.sync_dir(dir)
            .map_err(|error| io_error("could not fsync checkpoint directory", dir, &error))?;
    }
    Ok(())
}

/// What [`CheckpointWriter::publish`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedCheckpoint {
    pub path: PathBuf,
    /// Size of the file.
    pub bytes: u64,
    /// Blocks written (footer excluded).
    pub blocks: u64,
}

/// Writes one checkpoint file: [`CheckpointWriter::create`], [`CheckpointWriter::block`] for
/// every block, then [`CheckpointWriter::publish`]. Dropped unpublished, it deletes its
/// temporary file.
#[derive(Debug)]
pub struct CheckpointWriter {
    io: Arc<dyn WalIo>,
    dir: PathBuf,
    temporary: PathBuf,
    path: PathBuf,
    file: Option<Box<dyn WalFile>>,
    header_checksum: u32,
    /// Bytes written to the file so far (the buffer not included).
    offset: u64,
    buffer: Vec<u8>,
    blocks: u64,
    payload_bytes: u64,
}

impl CheckpointWriter {
    /// Starts `<dir>/<lsn>.ckpt.tmp` (creating `dir` if needed) with its header.
    pub fn create(
        io: Arc<dyn WalIo>,
        dir: &Path,
        header: CheckpointHeader,
    ) -> Result<CheckpointWriter> {
        io.create_dir_all(dir)
            .map_err(|error| io_error("could not create checkpoint directory", dir, &error))?;
        let name = checkpoint_file_name(header.lsn);
        let path = dir.join(&name);
        let temporary = dir.join(format!("{:016X}{TEMPORARY_SUFFIX}", header.lsn));
        let file = io
            .create(&temporary)
            .map_err(|error| io_error("could not create checkpoint file", &temporary, &error))?;
        let encoded = header.encode();
        let mut buffer = Vec::with_capacity(WRITE_BUFFER_BYTES + BLOCK_HEADER_BYTES);
        buffer.extend_from_slice(&encoded);
        Ok(CheckpointWriter {
            io,
            dir: dir.to_path_buf(),
            temporary,
            path,
            file: Some(file),
            header_checksum: read_u32(&encoded, 44),
            offset: 0,
            buffer,
            blocks: 0,
            payload_bytes: 0,
        })
    }

    /// Appends one block. `kind` must not be 0 or [`FOOTER_KIND`].
    pub fn block(&mut self, kind: u8, payload: &[u8]) -> Result<()> {
        if kind == 0 || kind == FOOTER_KIND {
            return Err(Error::internal(format!(
                "checkpoint block kind {kind} is reserved"
            )));
        }
        self.frame(kind, payload)
    }

    fn frame(&mut self, kind: u8, payload: &[u8]) -> Result<()> {
        if payload.len() > BLOCK_PAYLOAD_BYTES_MAX {
            return Err(Error::new(
                SqlState::PROGRAM_LIMIT_EXCEEDED,
                format!(
                    "checkpoint block of {} bytes exceeds the maximum of \
                     {BLOCK_PAYLOAD_BYTES_MAX} bytes",
                    payload.len()
                ),
            ));
        }
        let mut head = [0u8; BLOCK_HEADER_BYTES];
        head[0] = kind;
        head[4..8].copy_from_slice(&(payload.len() as u32).to_le_bytes());
        let checksum = crc32c_append(crc32c(&head[0..8]), payload);
        head[8..12].copy_from_slice(&checksum.to_le_bytes());
        self.buffer.extend_from_slice(&head);
        if payload.len() >= WRITE_BUFFER_BYTES {
            // Large payloads go straight to the file instead of through the buffer.
            self.flush_buffer()?;
            self.write(payload)?;
        } else {
            self.buffer.extend_from_slice(payload);
            if self.buffer.len() >= WRITE_BUFFER_BYTES {
                self.flush_buffer()?;
            }
        }
        if kind != FOOTER_KIND {
            self.blocks += 1;
            self.payload_bytes += payload.len() as u64;
        }
        Ok(())
    }

    /// Bytes handed to the file so far (for progress reports).
    pub fn bytes_written(&self) -> u64 {
        self.offset + self.buffer.len() as u64
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let file = self
            .file
            .as_deref()
            .ok_or_else(|| Error::internal("checkpoint file already closed"))?;
        write_file_at(file, bytes, self.offset, &self.temporary, "checkpoint file")?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    fn flush_buffer(&mut self) -> Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let buffer = std::mem::take(&mut self.buffer);
        let written = self.write(&buffer);
        self.buffer = buffer;
        self.buffer.clear();
        written
    }

    /// Writes the footer, fsyncs, renames the file to its final name and fsyncs the directory.
    /// Only after this returns does the checkpoint exist.
    pub fn publish(mut self) -> Result<PublishedCheckpoint> {
        if crate::crash_point::is_armed(crate::crash_point::CrashPoint::CheckpointBeforePublish) {
            // Only for the crash point: the blocks reach the file, so the crash leaves a
            // partly written temporary file rather than an empty one.
            self.flush_buffer()?;
            crate::crash_point::hit(crate::crash_point::CrashPoint::CheckpointBeforePublish);
        }
        let mut footer = [0u8; FOOTER_PAYLOAD_BYTES];
        footer[0..8].copy_from_slice(&self.blocks.to_le_bytes());
        footer[8..16].copy_from_slice(&self.payload_bytes.to_le_bytes());
        footer[16..20].copy_from_slice(&self.header_checksum.to_le_bytes());
        self.frame(FOOTER_KIND, &footer)?;
        self.flush_buffer()?;
        let file = self
            .file
            .take()
            .ok_or_else(|| Error::internal("checkpoint file already closed"))?;
        file.sync_all().map_err(|error| {
            io_error("could not fsync checkpoint file", &self.temporary, &error)
        })?;
        drop(file);
        self.io
            .rename(&self.temporary, &self.path)
            .map_err(|error| {
                io_error("could not rename checkpoint file", &self.temporary, &error)
            })?;
        // From here the file has its final name: dropping must not remove the temporary name.
        let published = PublishedCheckpoint {
            path: self.path.clone(),
            bytes: self.offset,
            blocks: self.blocks,
        };
        self.temporary = PathBuf::new();
        self.io
            .sync_dir(&self.dir)
            .map_err(|error| io_error("could not fsync checkpoint directory", &self.dir, &error))?;
        Ok(published)
    }
}

impl Drop for CheckpointWriter {
    fn drop(&mut self) {
        if !self.temporary.as_os_str().is_empty() {
            self.file = None;
            // Best effort: a leftover is removed at the next start anyway.
            let _ = self.io.remove_file(&self.temporary);
        }
    }
}

/// One block read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block<'a> {
    pub kind: u8,
    pub payload: &'a [u8],
    /// Where the block starts in the file (for error messages).
    pub offset: usize,
}

/// A checkpoint file opened for reading: the header is verified on open, and every block's
/// checksum as [`CheckpointReader::blocks`] reaches it.
#[derive(Debug)]
pub struct CheckpointReader {
    path: PathBuf,
    bytes: FileBytes,
    header: CheckpointHeader,
}

impl CheckpointReader {
    /// Maps the file and verifies its header.
    pub fn open(io: &dyn WalIo, path: &Path) -> Result<CheckpointReader> {
        let bytes = io
            .map_file(path)
            .map_err(|error| io_error("could not read checkpoint file", path, &error))?;
        let header = CheckpointHeader::decode(&bytes).map_err(|reason| {
            corrupt(format!(
                "invalid header in checkpoint file \"{}\": {reason}",
                path.display()
            ))
        })?;
        Ok(CheckpointReader {
            path: path.to_path_buf(),
            bytes,
            header,
        })
    }

    pub fn header(&self) -> CheckpointHeader {
        self.header
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's size.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the file is empty (never true for a file that opened).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The blocks in file order, each checked; the footer is checked when reached and ends the
    /// iteration. Any damage (a checksum, a length, a missing or misplaced footer) is an XX001
    /// error naming the file and offset, after which the iterator yields nothing more.
    pub fn blocks(&self) -> Blocks<'_> {
        Blocks {
            reader: self,
            offset: CHECKPOINT_HEADER_BYTES,
            count: 0,
            payload_bytes: 0,
            done: false,
        }
    }

    /// Reads every block and checks the footer, without interpreting any payload.
    pub fn verify(&self) -> Result<(u64, u64)> {
        let mut blocks = 0;
        let mut bytes = 0;
        for block in self.blocks() {
            let block = block?;
            blocks += 1;
            bytes += block.payload.len() as u64;
        }
        Ok((blocks, bytes))
    }

    fn damaged(&self, offset: usize, reason: String) -> Error {
        corrupt(format!(
            "corrupt checkpoint file \"{}\" at offset {offset}: {reason}",
            self.path.display()
        ))
    }
}

/// Iterator over a checkpoint's blocks; see [`CheckpointReader::blocks`].
#[derive(Debug)]
pub struct Blocks<'a> {
    reader: &'a CheckpointReader,
    offset: usize,
    count: u64,
    payload_bytes: u64,
    done: bool,
}

impl<'a> Iterator for Blocks<'a> {
    type Item = Result<Block<'a>>;

    fn next(&mut self) -> Option<Result<Block<'a>>> {
        if self.done {
            return None;
        }
        match self.step() {
            Ok(Some(block)) => Some(Ok(block)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(error) => {
                self.done = true;
                Some(Err(error))
            }
        }
    }
}

impl<'a> Blocks<'a> {
    fn step(&mut self) -> Result<Option<Block<'a>>> {
        let reader = self.reader;
        let bytes: &'a [u8] = &reader.bytes;
        let offset = self.offset;
        let Some(head) = bytes.get(offset..offset + BLOCK_HEADER_BYTES) else {
            return Err(reader.damaged(
                offset,
                "the file ends without a footer (the checkpoint is incomplete)".to_string(),
            ));
        };
        let kind = head[0];
        let length = read_u32(head, 4) as usize;
        if kind == 0 || head[1..4] != [0, 0, 0] {
            return Err(reader.damaged(offset, format!("invalid block header (kind {kind})")));
        }
        if length > BLOCK_PAYLOAD_BYTES_MAX {
            return Err(reader.damaged(offset, format!("block length {length} is too large")));
        }
        let start = offset + BLOCK_HEADER_BYTES;
        let Some(payload) = bytes.get(start..start + length) else {
            return Err(reader.damaged(
                offset,
                format!(
                    "the file ends inside a block of {length} bytes (the checkpoint is incomplete)"
                ),
            ));
        };
        let stored = read_u32(head, 8);
        let computed = crc32c_append(crc32c(&head[0..8]), payload);
        if stored != computed {
            return Err(reader.damaged(
                offset,
                format!("block checksum mismatch (stored {stored:08X}, computed {computed:08X})"),
            ));
        }
        self.offset = start + length;
        if kind == FOOTER_KIND {
            if length != FOOTER_PAYLOAD_BYTES {
                return Err(reader.damaged(offset, format!("footer of {length} bytes")));
            }
            let blocks = read_u64(payload, 0);
            let payload_bytes = read_u64(payload, 8);
            let header_checksum = read_u32(payload, 16);
            if blocks != self.count || payload_bytes != self.payload_bytes {
                return Err(reader.damaged(
                    offset,
                    format!(
                        "the footer counts {blocks} blocks of {payload_bytes} bytes, but the file \
                         holds {} blocks of {} bytes",
                        self.count, self.payload_bytes
                    ),
                ));
            }
            if header_checksum != read_u32(bytes, 44) {
                return Err(
                    reader.damaged(offset, "the footer belongs to another header".to_string())
                );
            }
            if self.offset != bytes.len() {
                return Err(reader.damaged(
                    self.offset,
                    format!(
                        "{} bytes follow the footer",
                        bytes.len().saturating_sub(self.offset)
                    ),
                ));
            }
            return Ok(None);
        }
        self.count += 1;
        self.payload_bytes += length as u64;
        Ok(Some(Block {
            kind,
            payload,
            offset,
        }))
    }
}

fn corrupt(message: String) -> Error {
    Error::new(SqlState::DATA_CORRUPTED, message)
}

fn read_u32(bytes: &[u8], offset: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[offset..offset + 4]);
    u32::from_le_bytes(word)
}

fn read_u64(bytes: &[u8], offset: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[offset..offset + 8]);
    u64::from_le_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::StdIo;

    fn header() -> CheckpointHeader {
        CheckpointHeader {
            lsn: 0x1234_5678,
            replay_from: 0x1234_0000,
            created_unix_micros: 1_700_000_000_000_000,
        }
    }

    fn write_sample(dir: &Path, blocks: &[(u8, Vec<u8>)]) -> PublishedCheckpoint {
        let mut writer = CheckpointWriter::create(Arc::new(StdIo), dir, header()).expect("create");
        for (kind, payload) in blocks {
            writer.block(*kind, payload).expect("block");
        }
        writer.publish().expect("publish")
    }

    fn sample_blocks() -> Vec<(u8, Vec<u8>)> {
        vec![
            (1, b"catalog".to_vec()),
            (2, vec![7u8; 3000]),
            (3, Vec::new()),
            (
                2,
                (0..=255u8).cycle().take(WRITE_BUFFER_BYTES + 17).collect(),
            ),
        ]
    }

    #[test]
    fn blocks_round_trip_and_the_file_is_published_under_its_lsn() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let published = write_sample(dir.path(), &sample_blocks());
        assert_eq!(published.blocks, 4);
        let listed = list_checkpoints(&StdIo, dir.path()).expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].lsn, header().lsn);
        assert_eq!(listed[0].path, published.path);
        let reader = CheckpointReader::open(&StdIo, &published.path).expect("open");
        assert_eq!(reader.header(), header());
        assert_eq!(reader.len() as u64, published.bytes);
        let read: Vec<(u8, Vec<u8>)> = reader
            .blocks()
            .map(|block| {
                let block = block.expect("valid");
                (block.kind, block.payload.to_vec())
            })
            .collect();
        assert_eq!(read, sample_blocks());
        assert_eq!(
            remove_temporary_files(&StdIo, dir.path()).expect("clean"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn an_unpublished_writer_leaves_no_file() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut writer =
            CheckpointWriter::create(Arc::new(StdIo), dir.path(), header()).expect("create");
        writer.block(1, b"x").expect("block");
        drop(writer);
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
        assert!(writer_kind_checks());
    }

    fn writer_kind_checks() -> bool {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut writer =
            CheckpointWriter::create(Arc::new(StdIo), dir.path(), header()).expect("create");
        writer.block(0, b"x").is_err() && writer.block(FOOTER_KIND, b"x").is_err()
    }

    /// Truncation at every length and a flip of every bit are detected (the whole file is
    /// small, so this is exhaustive).
    #[test]
    fn every_truncation_and_every_bit_flip_is_rejected() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let blocks = vec![(1, b"catalog".to_vec()), (2, vec![9u8; 40])];
        let published = write_sample(dir.path(), &blocks);
        let original = std::fs::read(&published.path).expect("read");
        let damaged_path = dir.path().join("damaged.ckpt");
        let check = |bytes: &[u8]| -> bool {
            std::fs::write(&damaged_path, bytes).expect("write");
            match CheckpointReader::open(&StdIo, &damaged_path) {
                Err(error) => error.code() == SqlState::DATA_CORRUPTED,
                Ok(reader) => reader
                    .verify()
                    .is_err_and(|error| error.code() == SqlState::DATA_CORRUPTED),
            }
        };
        for length in 0..original.len() {
            assert!(check(&original[..length]), "truncated to {length} bytes");
        }
        for bit in 0..original.len() * 8 {
            let mut bytes = original.clone();
            bytes[bit / 8] ^= 1 << (bit % 8);
            assert!(check(&bytes), "bit {bit} flipped");
        }
        let mut longer = original.clone();
        longer.push(0);
        assert!(check(&longer), "a byte after the footer");
    }

    #[test]
    fn names_round_trip_and_listing_is_newest_first() {
        assert_eq!(checkpoint_file_name(0xA0), "00000000000000A0.ckpt");
        assert_eq!(
            parse_checkpoint_file_name("00000000000000A0.ckpt"),
            Some(0xA0)
        );
        assert_eq!(parse_checkpoint_file_name("00000000000000a0.ckpt"), None);
        assert_eq!(
            parse_checkpoint_file_name("00000000000000A0.ckpt.tmp"),
            None
        );
        let dir = tempfile::tempdir().expect("temporary directory");
        for name in [
            "0000000000000100.ckpt",
            "0000000000000300.ckpt",
            "x.ckpt",
            "0000000000000200.ckpt",
        ] {
            std::fs::write(dir.path().join(name), b"").expect("write");
        }
        std::fs::write(dir.path().join("0000000000000400.ckpt.tmp"), b"").expect("write");
        let listed: Vec<Lsn> = list_checkpoints(&StdIo, dir.path())
            .expect("list")
            .iter()
            .map(|file| file.lsn)
            .collect();
        assert_eq!(listed, vec![0x300, 0x200, 0x100]);
        assert_eq!(
            remove_temporary_files(&StdIo, dir.path()).expect("clean"),
            vec!["0000000000000400.ckpt.tmp".to_string()]
        );
        assert!(
            list_checkpoints(&StdIo, &dir.path().join("missing"))
                .expect("none")
                .is_empty()
        );
    }
}
