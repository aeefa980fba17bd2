//! What the blocks of a checkpoint file hold, written from a snapshot and loaded back.
//!
//! ```text
//! catalog block  (kind 1): version:u8(=2) tables:u32 schemas:u32   first block, exactly once
//!                          views:u32 sequences:u32
//! schema block   (kind 4): schema-bytes (codec_objects)           one per schema, before the
//!                                                                  tables
//! table block    (kind 2): schema-bytes (db001_catalog::codec)     one per table
//! rows block     (kind 3): table:u32 count:u32 row*                any number, after the
//!                          row := row-id:u64 length:u32 row-bytes   table's own block
//!                          (row-bytes: db001_common::row_codec, as in the WAL)
//! sequence block (kind 5): sequence-bytes (codec_objects)         one per sequence, with a
//!                                                                  value no lower than any
//!                                                                  handed out
//! view block     (kind 6): view-bytes (codec_objects)             one per view
//! role block     (kind 7): role-bytes (db001_catalog::encode_role)  one per role other than
//!                                                                  the bootstrap superuser
//! ```
//!
//! Version 1 files (before schemas, sequences and views) hold a catalog block with the table
//! count only and no blocks of kinds 4 to 6; they still load, into a catalog with `public`.
//!
//! Integers are little-endian. Each row is stored with its row id, so the WAL records written
//! after the checkpoint (which name rows by id) apply to the loaded rows unchanged. Rows blocks
//! hold about [`ROWS_BLOCK_BYTES`] each, so the per-block checksum localises damage. Loading
//! rebuilds every index from the rows; indexes are not stored.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use db001_catalog::{Catalog, codec, codec_objects};
use db001_common::{Error, Result, SqlState};
use db001_storage::Table;
use db001_txn::{Snapshot, TxnManager};
use db001_wal::checkpoint::{Block, CheckpointReader, CheckpointWriter};

pub(crate) const BLOCK_CATALOG: u8 = 1;
pub(crate) const BLOCK_TABLE: u8 = 2;
pub(crate) const BLOCK_ROWS: u8 = 3;
pub(crate) const BLOCK_SCHEMA: u8 = 4;
pub(crate) const BLOCK_SEQUENCE: u8 = 5;
pub(crate) const BLOCK_VIEW: u8 = 6;
pub(crate) const BLOCK_ROLE: u8 = 7;

const CONTENT_VERSION: u8 = 2;
const FIRST_CONTENT_VERSION: u8 = 1;
/// A rows block is closed once its payload reaches this size.
pub(crate) const ROWS_BLOCK_BYTES: usize = 1 << 20;
/// Progress is logged at most this often while a checkpoint is written or loaded.
pub(crate) const PROGRESS_INTERVAL: Duration = Duration::from_secs(5);

/// Totals of a checkpoint's content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ContentTotals {
    pub(crate) tables: u64,
    pub(crate) rows: u64,
    pub(crate) row_bytes: u64,
}

/// Writes the catalog and every row visible to `snapshot` into `writer`.
pub(crate) fn write_content(
    writer: &mut CheckpointWriter,
    catalog: &Catalog,
    snapshot: Snapshot,
    manager: &Arc<TxnManager>,
) -> Result<ContentTotals> {
    let tables: Vec<_> = catalog.tables().collect();
    let schemas: Vec<_> = catalog.schemas().collect();
    let views: Vec<_> = catalog.views().collect();
    let sequences: Vec<_> = catalog.sequences().collect();
    let mut payload = Vec::with_capacity(ROWS_BLOCK_BYTES + 4096);
    payload.push(CONTENT_VERSION);
    for count in [tables.len(), schemas.len(), views.len(), sequences.len()] {
        payload.extend_from_slice(&(count as u32).to_le_bytes());
    }
    writer.block(BLOCK_CATALOG, &payload)?;
    for role in catalog.roles() {
        if role.oid == db001_catalog::BOOTSTRAP_ROLE_OID
            && role == &db001_catalog::Role::bootstrap()
        {
            continue;
        }
        payload.clear();
        db001_catalog::encode_role(role, &mut payload);
        writer.block(BLOCK_ROLE, &payload)?;
    }
    for (name, oid) in schemas {
        payload.clear();
        codec_objects::encode_schema(oid, name, &mut payload);
        writer.block(BLOCK_SCHEMA, &payload)?;
    }
    let mut totals = ContentTotals {
        tables: tables.len() as u64,
        ..ContentTotals::default()
    };
    let mut last_progress = Instant::now();
    for entry in tables {
        payload.clear();
        codec::encode_table(&entry.schema, &mut payload);
        writer.block(BLOCK_TABLE, &payload)?;
        let table_id = entry.schema.id;
        let mut count = 0u32;
        payload.clear();
        for item in entry.storage.scan(snapshot, Arc::clone(manager)) {
            let (row_id, data) = item?;
            if count == 0 {
                payload.extend_from_slice(&table_id.to_le_bytes());
                payload.extend_from_slice(&0u32.to_le_bytes());
            }
            payload.extend_from_slice(&row_id.to_le_bytes());
            payload.extend_from_slice(&(data.len() as u32).to_le_bytes());
            payload.extend_from_slice(&data);
            count += 1;
            totals.rows += 1;
            totals.row_bytes += data.len() as u64;
            if payload.len() >= ROWS_BLOCK_BYTES || count == u32::MAX {
                payload[4..8].copy_from_slice(&count.to_le_bytes());
                writer.block(BLOCK_ROWS, &payload)?;
                payload.clear();
                count = 0;
                if last_progress.elapsed() >= PROGRESS_INTERVAL {
                    last_progress = Instant::now();
                    tracing::info!(
                        rows = totals.rows,
                        mb = writer.bytes_written() >> 20,
                        "checkpoint in progress"
                    );
                }
            }
        }
        if count > 0 {
            payload[4..8].copy_from_slice(&count.to_le_bytes());
            writer.block(BLOCK_ROWS, &payload)?;
        }
    }
    for entry in sequences {
        payload.clear();
        codec_objects::encode_sequence(&entry.schema, entry.state.durable_value(), &mut payload);
        writer.block(BLOCK_SEQUENCE, &payload)?;
    }
    for view in views {
        payload.clear();
        codec_objects::encode_view(view, &mut payload);
        writer.block(BLOCK_VIEW, &payload)?;
    }
    Ok(totals)
}

/// A checkpoint loaded into memory.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) catalog: Catalog,
    pub(crate) tables: HashMap<u32, Arc<Table>>,
    pub(crate) totals: ContentTotals,
}

/// Reads every block of a checkpoint (each checksum is verified on the way) and builds its
/// catalog and tables. Rows get the checkpoint's LSN as their commit timestamp: every one of
/// them committed at or before it, and every snapshot after recovery reads above it.
pub(crate) fn load(reader: &CheckpointReader) -> Result<Loaded> {
    let commit_ts = reader.header().lsn;
    let mut catalog = Catalog::new();
    let mut tables: HashMap<u32, Arc<Table>> = HashMap::new();
    let mut totals = ContentTotals::default();
    let mut expected_tables = None;
    // Schemas, views and sequences the catalog block announced, and those found.
    let mut expected_objects = [0u32; 3];
    let mut found_objects = [0u32; 3];
    let mut last_progress = Instant::now();
    for block in reader.blocks() {
        let block = block?;
        if block.kind != BLOCK_CATALOG && expected_tables.is_none() {
            return Err(bad(reader, &block, "a block before the catalog block"));
        }
        match block.kind {
            BLOCK_CATALOG => {
                let mut fields = Fields::new(reader, &block);
                let version = fields.u8()?;
                let known = version == CONTENT_VERSION || version == FIRST_CONTENT_VERSION;
                if !known || expected_tables.is_some() {
                    return Err(bad(
                        reader,
                        &block,
                        &format!("unexpected catalog block (version {version})"),
                    ));
                }
                expected_tables = Some(u64::from(fields.u32()?));
                // Version 1 knew only `public`, which a new catalog has; version 2 lists
                // every schema, `public` included.
                if version == CONTENT_VERSION {
                    for expected in &mut expected_objects {
                        *expected = fields.u32()?;
                    }
                    catalog.remove_schema("public");
                }
                fields.finish()?;
            }
            BLOCK_SCHEMA => {
                let (oid, name) = codec_objects::decode_schema(block.payload)
                    .map_err(|error| bad(reader, &block, error.message()))?;
                catalog
                    .add_schema(&name, oid)
                    .map_err(|error| bad(reader, &block, error.message()))?;
                found_objects[0] += 1;
            }
            BLOCK_SEQUENCE => {
                let (schema, value) = codec_objects::decode_sequence(block.payload)
                    .map_err(|error| bad(reader, &block, error.message()))?;
                catalog
                    .add_sequence(db001_catalog::SequenceEntry {
                        schema: Arc::new(schema),
                        state: Arc::new(db001_catalog::SequenceState::restored(value)),
                    })
                    .map_err(|error| bad(reader, &block, error.message()))?;
                found_objects[2] += 1;
            }
            BLOCK_VIEW => {
                let view = codec_objects::decode_view(block.payload)
                    .map_err(|error| bad(reader, &block, error.message()))?;
                catalog
                    .add_view(view, false)
                    .map_err(|error| bad(reader, &block, error.message()))?;
                found_objects[1] += 1;
            }
            BLOCK_TABLE => {
                let schema = codec::decode_table(block.payload)
                    .map_err(|error| bad(reader, &block, error.message()))?;
                let entry = catalog
                    .add_table(schema)
                    .map_err(|error| bad(reader, &block, error.message()))?;
                tables.insert(entry.schema.id, Arc::clone(&entry.storage));
                totals.tables += 1;
            }
            BLOCK_ROWS => {
                let mut fields = Fields::new(reader, &block);
                let table_id = fields.u32()?;
                let count = fields.u32()?;
                let table = tables.get(&table_id).ok_or_else(|| {
                    bad(reader, &block, &format!("rows of unknown table {table_id}"))
                })?;
                for _ in 0..count {
                    let row_id = fields.u64()?;
                    let length = fields.u32()? as usize;
                    let data: Arc<[u8]> = fields.take(length)?.into();
                    totals.row_bytes += length as u64;
                    table
                        .replay_insert(row_id, data, commit_ts)
                        .map_err(|error| bad(reader, &block, error.message()))?;
                }
                fields.finish()?;
                totals.rows += u64::from(count);
                if last_progress.elapsed() >= PROGRESS_INTERVAL {
                    last_progress = Instant::now();
                    tracing::info!(
                        rows = totals.rows,
                        mb = block.offset >> 20,
                        of_mb = reader.len() >> 20,
                        "loading checkpoint"
                    );
                }
            }
            BLOCK_ROLE => {
                let role = db001_catalog::decode_role(block.payload)
                    .map_err(|error| bad(reader, &block, error.message()))?;
                catalog.put_role(role);
            }
            other => {
                return Err(bad(reader, &block, &format!("unknown block kind {other}")));
            }
        }
    }
    if expected_objects != found_objects {
        return Err(Error::new(
            SqlState::DATA_CORRUPTED,
            format!(
                "corrupt checkpoint file \"{}\": the catalog lists {expected_objects:?} \
                 schemas, views and sequences, the file holds {found_objects:?}",
                reader.path().display(),
            ),
        ));
    }
    if expected_tables != Some(totals.tables) {
        return Err(Error::new(
            SqlState::DATA_CORRUPTED,
            format!(
                "corrupt checkpoint file \"{}\": the catalog lists {} tables, the file holds {}",
                reader.path().display(),
                expected_tables.map_or_else(|| "no".to_string(), |n| n.to_string()),
                totals.tables
            ),
        ));
    }
    Ok(Loaded {
        catalog,
        tables,
        totals,
    })
}

fn bad(reader: &CheckpointReader, block: &Block<'_>, reason: &str) -> Error {
    Error::new(
        SqlState::DATA_CORRUPTED,
        format!(
            "corrupt checkpoint file \"{}\": block at offset {}: {reason}",
            reader.path().display(),
            block.offset
        ),
    )
}

/// Reads fixed-size fields out of a block payload, never past its end.
struct Fields<'a> {
    reader: &'a CheckpointReader,
    block: &'a Block<'a>,
    at: usize,
}

impl<'a> Fields<'a> {
    fn new(reader: &'a CheckpointReader, block: &'a Block<'a>) -> Fields<'a> {
        Fields {
            reader,
            block,
            at: 0,
        }
    }

    fn take(&mut self, length: usize) -> Result<&'a [u8]> {
        let payload: &'a [u8] = self.block.payload;
        let end = self
            .at
            .checked_add(length)
            .filter(|end| *end <= payload.len())
            .ok_or_else(|| bad(self.reader, self.block, "a field runs past the block"))?;
        let bytes = &payload[self.at..end];
        self.at = end;
        Ok(bytes)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn u64(&mut self) -> Result<u64> {
        let mut word = [0u8; 8];
        word.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(word))
    }

    fn finish(&self) -> Result<()> {
        if self.at == self.block.payload.len() {
            Ok(())
        } else {
            Err(bad(
                self.reader,
                self.block,
                "bytes left over after the last field",
            ))
        }
    }
}
