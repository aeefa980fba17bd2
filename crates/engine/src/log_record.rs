//! What db001 writes into the WAL: the logical redo records of committed transactions.
//!
//! The wal crate frames and checksums opaque payloads; this module defines those payloads. A
//! transaction is logged only when it commits (redo-only: nothing uncommitted needs undoing
//! after a crash), as zero or more `TXN_DATA` records followed by one `TXN_COMMIT` record. Only
//! the commit record makes the transaction count: on recovery, data records of a transaction
//! without a commit record are ignored. Big transactions are split so no record exceeds the
//! WAL's payload limit.
//!
//! Every start appends one `RESTART` record. Transaction ids restart at 1 in each process, so
//! data records of a transaction that a crash cut off before its commit record could otherwise
//! be mistaken for the first records of a later transaction with the same id; recovery drops
//! all pending data records when it meets a `RESTART`.
//!
//! ```text
//! restart := version:u8(=1) unix-micros:i64                    (kind RESTART)
//! payload := version:u8(=1) txn:u64 count:u32 op*              (kinds TXN_DATA, TXN_COMMIT)
//! op      := 1 insert table:u32 row:u64 len:u32 row-bytes     (row-bytes: db001_common::row_codec)
//!          | 2 update table:u32 row:u64 len:u32 row-bytes     (the full new row)
//!          | 3 delete table:u32 row:u64
//!          | 4 create-table len:u32 schema-bytes              (db001_catalog::codec)
//!          | 5 drop-table table:u32
//!          | 6 create-index table:u32 len:u32 index-bytes     (db001_catalog::codec)
//!          | 7 drop-index table:u32 index:u32
//!          | 8 commit-time unix-micros:i64                     (last op of every commit)
//!          | 9 alter-table len:u32 schema-bytes               (the table's new schema; indexes
//!                                                               it gains are built, indexes it
//!                                                               lost dropped)
//!          | 10 rewrite-table len:u32 schema-bytes            (new schema and new, empty
//!                                                               storage: TRUNCATE, or a rewrite
//!                                                               whose rows follow as inserts)
//!          | 11 create-view len:u32 view-bytes                (db001_catalog::codec_objects)
//!          | 12 drop-view view:u32
//!          | 13 create-sequence len:u32 sequence-bytes        (with its value at commit)
//!          | 14 drop-sequence sequence:u32
//!          | 15 create-schema len:u32 schema-bytes
//!          | 16 drop-schema len:u32 name-bytes
//!          | 17 alter-sequence len:u32 sequence-bytes         (a new definition; the value
//!                                                               in it is ignored)
//!          | 40 put-role len:u32 role-bytes                    (db001_catalog::encode_role)
//!          | 41 drop-role len:u32 name-bytes                   (UTF-8)
//! sequence := version:u8(=1) sequence:u32 last-value:i64 is-called:u8   (kind SEQUENCE)
//! ```
//!
//! (Role ops have numbers of their own, far from the table ops, so other kinds of catalog
//! objects can be added in between without renumbering.)
//!
//! `SEQUENCE` records are not part of any transaction: `nextval` and `setval` are not rolled
//! back, so their records count the moment they are in the log (see
//! `db001_catalog::sequence` for why a record covers the next 32 values).
//!
//! Integers are little-endian. The commit timestamp is not stored: it is the record's end LSN.
//! The commit *time* (wall clock) is, so point-in-time recovery can stop at a time.
//!
//! Two-phase commit adds three kinds (their payloads are described in `two_phase`): a prepared
//! transaction logs its data records as above, then `TXN_PREPARE` instead of `TXN_COMMIT`;
//! later `TXN_COMMIT_PREPARED` (whose end LSN is the commit timestamp) or
//! `TXN_ROLLBACK_PREPARED` names it by its global identifier.

use db001_common::{Error, Result, SqlState};

/// WAL record kinds.
pub const KIND_TXN_DATA: u8 = 1;
pub const KIND_TXN_COMMIT: u8 = 2;
pub const KIND_RESTART: u8 = 3;
pub const KIND_TXN_PREPARE: u8 = 4;
pub const KIND_TXN_COMMIT_PREPARED: u8 = 5;
pub const KIND_TXN_ROLLBACK_PREPARED: u8 = 6;
pub const KIND_SEQUENCE: u8 = 7;

const FORMAT_VERSION: u8 = 1;
/// Fixed header: version, transaction id, op count.
const HEADER_BYTES: usize = 1 + 8 + 4;

/// One logged change.
#[derive(Debug, Clone, PartialEq)]
pub enum LogOp {
    Insert {
        table: u32,
        row_id: u64,
        data: std::sync::Arc<[u8]>,
    },
    Update {
        table: u32,
        row_id: u64,
        data: std::sync::Arc<[u8]>,
    },
    Delete {
        table: u32,
        row_id: u64,
    },
    CreateTable {
        schema: Vec<u8>,
    },
    DropTable {
        table: u32,
    },
    CreateIndex {
        table: u32,
        index: Vec<u8>,
    },
    DropIndex {
        table: u32,
        index: u32,
    },
    /// When the transaction committed (wall clock); informational, for point-in-time recovery.
    CommitTime {
        unix_micros: i64,
    },
    /// CREATE / ALTER ROLE: the role as it now is.
    PutRole {
        role: Vec<u8>,
    },
    DropRole {
        name: String,
    },
    AlterTable {
        schema: Vec<u8>,
    },
    RewriteTable {
        schema: Vec<u8>,
    },
    CreateView {
        view: Vec<u8>,
    },
    DropView {
        view: u32,
    },
    CreateSequence {
        sequence: Vec<u8>,
    },
    DropSequence {
        sequence: u32,
    },
    CreateSchema {
        schema: Vec<u8>,
    },
    DropSchema {
        name: String,
    },
    AlterSequence {
        sequence: Vec<u8>,
    },
}

/// Tags of the ops that carry one length-prefixed byte string.
fn bytes_op(op: &LogOp) -> Option<(u8, &[u8])> {
    match op {
        LogOp::AlterTable { schema } => Some((9, schema)),
        LogOp::RewriteTable { schema } => Some((10, schema)),
        LogOp::CreateView { view } => Some((11, view)),
        LogOp::CreateSequence { sequence } => Some((13, sequence)),
        LogOp::CreateSchema { schema } => Some((15, schema)),
        LogOp::DropSchema { name } => Some((16, name.as_bytes())),
        LogOp::AlterSequence { sequence } => Some((17, sequence)),
        _ => None,
    }
}

impl LogOp {
    fn encoded_len(&self) -> usize {
        match self {
            LogOp::Insert { data, .. } | LogOp::Update { data, .. } => 1 + 4 + 8 + 4 + data.len(),
            LogOp::Delete { .. } => 1 + 4 + 8,
            LogOp::CreateTable { schema } => 1 + 4 + schema.len(),
            LogOp::DropTable { .. } => 1 + 4,
            LogOp::CreateIndex { index, .. } => 1 + 4 + 4 + index.len(),
            LogOp::DropIndex { .. } => 1 + 4 + 4,
            LogOp::CommitTime { .. } => 1 + 8,
            LogOp::PutRole { role } => 1 + 4 + role.len(),
            LogOp::DropRole { name } => 1 + 4 + name.len(),
            LogOp::DropView { .. } | LogOp::DropSequence { .. } => 1 + 4,
            other => bytes_op(other).map_or(0, |(_, bytes)| 1 + 4 + bytes.len()),
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let row = |out: &mut Vec<u8>, tag: u8, table: u32, row_id: u64, data: &[u8]| {
            out.push(tag);
            out.extend_from_slice(&table.to_le_bytes());
            out.extend_from_slice(&row_id.to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(data);
        };
        match self {
            LogOp::Insert {
                table,
                row_id,
                data,
            } => row(out, 1, *table, *row_id, data),
            LogOp::Update {
                table,
                row_id,
                data,
            } => row(out, 2, *table, *row_id, data),
            LogOp::Delete { table, row_id } => {
                out.push(3);
                out.extend_from_slice(&table.to_le_bytes());
                out.extend_from_slice(&row_id.to_le_bytes());
            }
            LogOp::CreateTable { schema } => {
                out.push(4);
                out.extend_from_slice(&(schema.len() as u32).to_le_bytes());
                out.extend_from_slice(schema);
            }
            LogOp::DropTable { table } => {
                out.push(5);
                out.extend_from_slice(&table.to_le_bytes());
            }
            LogOp::CreateIndex { table, index } => {
                out.push(6);
                out.extend_from_slice(&table.to_le_bytes());
                out.extend_from_slice(&(index.len() as u32).to_le_bytes());
                out.extend_from_slice(index);
            }
            LogOp::DropIndex { table, index } => {
                out.push(7);
                out.extend_from_slice(&table.to_le_bytes());
                out.extend_from_slice(&index.to_le_bytes());
            }
            LogOp::CommitTime { unix_micros } => {
                out.push(8);
                out.extend_from_slice(&unix_micros.to_le_bytes());
            }
            LogOp::PutRole { role } => {
                out.push(40);
                out.extend_from_slice(&(role.len() as u32).to_le_bytes());
                out.extend_from_slice(role);
            }
            LogOp::DropRole { name } => {
                out.push(41);
                out.extend_from_slice(&(name.len() as u32).to_le_bytes());
                out.extend_from_slice(name.as_bytes());
            }
            LogOp::DropView { view } => {
                out.push(12);
                out.extend_from_slice(&view.to_le_bytes());
            }
            LogOp::DropSequence { sequence } => {
                out.push(14);
                out.extend_from_slice(&sequence.to_le_bytes());
            }
            other => {
                if let Some((tag, bytes)) = bytes_op(other) {
                    out.push(tag);
                    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
                    out.extend_from_slice(bytes);
                }
            }
        }
    }
}

/// Splits a transaction's ops into payloads of at most `max_bytes` each (an op larger than that
/// gets a payload of its own and is rejected by the WAL with a clear error).
pub fn encode_payloads(txn: u64, ops: &[LogOp], max_bytes: usize) -> Vec<Vec<u8>> {
    let mut payloads = Vec::new();
    let mut start = 0;
    while start < ops.len() || payloads.is_empty() {
        let mut end = start;
        let mut size = HEADER_BYTES;
        while end < ops.len() && (end == start || size + ops[end].encoded_len() <= max_bytes) {
            size += ops[end].encoded_len();
            end += 1;
        }
        let mut payload = Vec::with_capacity(size);
        payload.push(FORMAT_VERSION);
        payload.extend_from_slice(&txn.to_le_bytes());
        payload.extend_from_slice(&((end - start) as u32).to_le_bytes());
        for op in &ops[start..end] {
            op.encode(&mut payload);
        }
        payloads.push(payload);
        start = end;
    }
    payloads
}

/// The payload of a `RESTART` record.
pub fn encode_restart(unix_micros: i64) -> Vec<u8> {
    let mut payload = Vec::with_capacity(9);
    payload.push(FORMAT_VERSION);
    payload.extend_from_slice(&unix_micros.to_le_bytes());
    payload
}

/// The payload of a `SEQUENCE` record.
pub fn encode_sequence_record(sequence: u32, value: db001_catalog::SequenceValue) -> Vec<u8> {
    let mut payload = Vec::with_capacity(14);
    payload.push(FORMAT_VERSION);
    payload.extend_from_slice(&sequence.to_le_bytes());
    payload.extend_from_slice(&value.last_value.to_le_bytes());
    payload.push(value.is_called as u8);
    payload
}

/// Decodes a `SEQUENCE` record.
pub fn decode_sequence_record(bytes: &[u8]) -> Result<(u32, db001_catalog::SequenceValue)> {
    let mut r = ByteReader::new(bytes, WAL_PAYLOAD);
    let version = r.u8()?;
    if version != FORMAT_VERSION {
        return Err(corrupt(&format!(
            "unknown sequence record version {version}"
        )));
    }
    let sequence = r.u32()?;
    let last_value = r.u64()? as i64;
    let is_called = r.u8()? != 0;
    if r.position() != bytes.len() {
        return Err(corrupt("trailing bytes after a sequence record"));
    }
    Ok((
        sequence,
        db001_catalog::SequenceValue {
            last_value,
            is_called,
        },
    ))
}

/// The commit time stored in a commit record's ops, if any.
pub fn commit_time(ops: &[LogOp]) -> Option<i64> {
    ops.iter().rev().find_map(|op| match op {
        LogOp::CommitTime { unix_micros } => Some(*unix_micros),
        _ => None,
    })
}

/// Microseconds since the Unix epoch now (0 if the clock is before 1970).
pub fn unix_micros_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_micros()).unwrap_or(i64::MAX)
        })
}

/// Decodes a payload into its transaction id and ops.
pub fn decode_payload(bytes: &[u8]) -> Result<(u64, Vec<LogOp>)> {
    let mut r = ByteReader::new(bytes, WAL_PAYLOAD);
    let version = r.u8()?;
    if version != FORMAT_VERSION {
        return Err(corrupt(&format!("unknown log record version {version}")));
    }
    let txn = r.u64()?;
    let count = r.u32()?;
    let mut ops = Vec::with_capacity(count.min(1 << 16) as usize);
    for _ in 0..count {
        let op = match r.u8()? {
            tag @ (1 | 2) => {
                let table = r.u32()?;
                let row_id = r.u64()?;
                let len = r.u32()? as usize;
                let data: std::sync::Arc<[u8]> = r.take(len)?.into();
                if tag == 1 {
                    LogOp::Insert {
                        table,
                        row_id,
                        data,
                    }
                } else {
                    LogOp::Update {
                        table,
                        row_id,
                        data,
                    }
                }
            }
            3 => LogOp::Delete {
                table: r.u32()?,
                row_id: r.u64()?,
            },
            4 => {
                let len = r.u32()? as usize;
                LogOp::CreateTable {
                    schema: r.take(len)?.to_vec(),
                }
            }
            5 => LogOp::DropTable { table: r.u32()? },
            6 => {
                let table = r.u32()?;
                let len = r.u32()? as usize;
                LogOp::CreateIndex {
                    table,
                    index: r.take(len)?.to_vec(),
                }
            }
            7 => LogOp::DropIndex {
                table: r.u32()?,
                index: r.u32()?,
            },
            8 => LogOp::CommitTime {
                unix_micros: r.u64()? as i64,
            },
            40 => {
                let len = r.u32()? as usize;
                LogOp::PutRole {
                    role: r.take(len)?.to_vec(),
                }
            }
            41 => {
                let len = r.u32()? as usize;
                let name = String::from_utf8(r.take(len)?.to_vec())
                    .map_err(|_| corrupt("role name is not UTF-8"))?;
                LogOp::DropRole { name }
            }
            12 => LogOp::DropView { view: r.u32()? },
            14 => LogOp::DropSequence { sequence: r.u32()? },
            tag @ (9 | 10 | 11 | 13 | 15 | 16 | 17) => {
                let len = r.u32()? as usize;
                let bytes = r.take(len)?.to_vec();
                match tag {
                    9 => LogOp::AlterTable { schema: bytes },
                    10 => LogOp::RewriteTable { schema: bytes },
                    11 => LogOp::CreateView { view: bytes },
                    13 => LogOp::CreateSequence { sequence: bytes },
                    15 => LogOp::CreateSchema { schema: bytes },
                    17 => LogOp::AlterSequence { sequence: bytes },
                    _ => LogOp::DropSchema {
                        name: String::from_utf8(bytes)
                            .map_err(|_| corrupt("a schema name that is not UTF-8"))?,
                    },
                }
            }
            tag => return Err(corrupt(&format!("unknown log op {tag}"))),
        };
        ops.push(op);
    }
    if r.position() != bytes.len() {
        return Err(corrupt("trailing bytes after the last op"));
    }
    Ok((txn, ops))
}

/// What a damaged payload is called in errors.
const WAL_PAYLOAD: &str = "corrupt WAL payload";

fn corrupt(what: &str) -> Error {
    Error::new(SqlState::DATA_CORRUPTED, format!("{WAL_PAYLOAD}: {what}"))
}

/// Reads the little-endian fields of a log record payload; every error is XX001 (data
/// corrupted) naming the record kind (`context`, e.g. "corrupt WAL payload") and what was wrong.
pub(crate) struct ByteReader<'a> {
    bytes: &'a [u8],
    at: usize,
    context: &'static str,
}

impl<'a> ByteReader<'a> {
    pub(crate) fn new(bytes: &'a [u8], context: &'static str) -> ByteReader<'a> {
        ByteReader {
            bytes,
            at: 0,
            context,
        }
    }

    /// The error for a payload that is wrong in the way `what` says.
    pub(crate) fn corrupt(&self, what: &str) -> Error {
        Error::new(
            SqlState::DATA_CORRUPTED,
            format!("{}: {what}", self.context),
        )
    }

    /// How many bytes were read so far.
    pub(crate) fn position(&self) -> usize {
        self.at
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| self.corrupt("truncated"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        let mut a = [0u8; 2];
        a.copy_from_slice(self.take(2)?);
        Ok(u16::from_le_bytes(a))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(a))
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }

    /// A string with a `u16` length prefix.
    pub(crate) fn string(&mut self) -> Result<String> {
        let length = usize::from(self.u16()?);
        let bytes = self.take(length)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| self.corrupt("invalid UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_ops() -> Vec<LogOp> {
        vec![
            LogOp::CreateTable {
                schema: vec![1, 2, 3],
            },
            LogOp::Insert {
                table: 16384,
                row_id: 0,
                data: vec![9; 40].into(),
            },
            LogOp::Update {
                table: 16384,
                row_id: 0,
                data: vec![8; 10].into(),
            },
            LogOp::Delete {
                table: 16384,
                row_id: 0,
            },
            LogOp::CreateIndex {
                table: 16384,
                index: vec![5; 7],
            },
            LogOp::DropIndex {
                table: 16384,
                index: 16390,
            },
            LogOp::DropTable { table: 16384 },
            LogOp::AlterTable { schema: vec![2; 5] },
            LogOp::RewriteTable { schema: vec![3; 6] },
            LogOp::CreateView { view: vec![4; 3] },
            LogOp::DropView { view: 16500 },
            LogOp::CreateSequence {
                sequence: vec![6; 9],
            },
            LogOp::DropSequence { sequence: 16501 },
            LogOp::CreateSchema { schema: vec![7; 2] },
            LogOp::DropSchema {
                name: "app".to_string(),
            },
            LogOp::AlterSequence {
                sequence: vec![8; 4],
            },
            LogOp::CommitTime {
                unix_micros: 1_700_000_000_123_456,
            },
        ]
    }

    #[test]
    fn round_trip_in_one_payload() {
        let payloads = encode_payloads(42, &sample_ops(), 1 << 20);
        assert_eq!(payloads.len(), 1);
        let (txn, ops) = decode_payload(&payloads[0]).expect("valid");
        assert_eq!(txn, 42);
        assert_eq!(ops, sample_ops());
    }

    #[test]
    fn big_transactions_split_and_keep_order() {
        let payloads = encode_payloads(7, &sample_ops(), 40);
        assert!(payloads.len() > 1);
        let mut all = Vec::new();
        for payload in &payloads {
            let (txn, ops) = decode_payload(payload).expect("valid");
            assert_eq!(txn, 7);
            all.extend(ops);
        }
        assert_eq!(all, sample_ops());
    }

    #[test]
    fn commit_time_is_found_and_restart_payloads_are_small() {
        assert_eq!(commit_time(&sample_ops()), Some(1_700_000_000_123_456));
        assert_eq!(commit_time(&sample_ops()[..3]), None);
        assert_eq!(encode_restart(5).len(), 9);
    }

    #[test]
    fn sequence_records_round_trip() {
        let value = db001_catalog::SequenceValue {
            last_value: -42,
            is_called: true,
        };
        let payload = encode_sequence_record(16501, value);
        assert_eq!(
            decode_sequence_record(&payload).expect("valid"),
            (16501, value)
        );
        for len in 0..payload.len() {
            assert!(decode_sequence_record(&payload[..len]).is_err());
        }
    }

    #[test]
    fn empty_transaction_still_has_a_commit_payload() {
        assert_eq!(encode_payloads(1, &[], 100).len(), 1);
    }

    #[test]
    fn truncations_are_errors() {
        let payload = &encode_payloads(42, &sample_ops(), 1 << 20)[0];
        for len in 0..payload.len() {
            assert!(decode_payload(&payload[..len]).is_err());
        }
    }
}
