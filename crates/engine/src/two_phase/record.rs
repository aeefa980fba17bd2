//! The payloads of the two-phase commit WAL records.
//!
//! ```text
//! prepare          := version:u8(=1) gid:str prepared_at:i64 owner:str database:str
//!                     isolation:u8 read_ts:u64
//!                     ssi_table_count:u32 table:u32*          (tables it holds SIREAD locks on)
//!                     lock_count:u32 (table:u32 row:u64 mode:u8)*   (its lock-only row locks)
//!                     txn-payload                              (log_record's payload: its ops)
//! commit-prepared  := version:u8(=1) gid:str
//! rollback-prepared:= version:u8(=1) gid:str
//! str              := len:u16 utf8-bytes
//! ```
//!
//! Integers are little-endian, as in `log_record`. `prepared_at` is microseconds since
//! 2000-01-01 (what `pg_prepared_xacts.prepared` shows); `isolation` is 1 read committed,
//! 2 repeatable read, 3 serializable; lock modes are `LockMode::code`.

use db001_common::{Error, Result, SqlState};
use db001_txn::IsolationLevel;

use crate::log_record::ByteReader;

const VERSION: u8 = 1;

/// Everything a prepared transaction needs besides its ops.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PrepareHeader {
    pub(crate) gid: String,
    pub(crate) prepared_micros: i64,
    pub(crate) owner: String,
    pub(crate) database: String,
    pub(crate) isolation: IsolationLevel,
    pub(crate) read_ts: u64,
    pub(crate) ssi_tables: Vec<u32>,
    /// (table, row id, lock mode code).
    pub(crate) locks: Vec<(u32, u64, u8)>,
}

fn isolation_code(level: IsolationLevel) -> u8 {
    match level {
        IsolationLevel::ReadCommitted => 1,
        IsolationLevel::RepeatableRead => 2,
        IsolationLevel::Serializable => 3,
    }
}

/// What a damaged two-phase record is called in errors.
const TWO_PHASE_RECORD: &str = "corrupt two-phase commit record";

fn corrupt(what: &str) -> Error {
    Error::new(
        SqlState::DATA_CORRUPTED,
        format!("{TWO_PHASE_RECORD}: {what}"),
    )
}

fn put_str(out: &mut Vec<u8>, text: &str) -> Result<()> {
    let length = u16::try_from(text.len()).map_err(|_| corrupt("string too long"))?;
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

/// The prepare record's payload: the header, then the transaction's own payload.
pub(crate) fn encode_prepare(header: &PrepareHeader, txn_payload: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(64 + header.locks.len() * 13 + txn_payload.len());
    out.push(VERSION);
    put_str(&mut out, &header.gid)?;
    out.extend_from_slice(&header.prepared_micros.to_le_bytes());
    put_str(&mut out, &header.owner)?;
    put_str(&mut out, &header.database)?;
    out.push(isolation_code(header.isolation));
    out.extend_from_slice(&header.read_ts.to_le_bytes());
    out.extend_from_slice(&(header.ssi_tables.len() as u32).to_le_bytes());
    for table in &header.ssi_tables {
        out.extend_from_slice(&table.to_le_bytes());
    }
    out.extend_from_slice(&(header.locks.len() as u32).to_le_bytes());
    for (table, row, mode) in &header.locks {
        out.extend_from_slice(&table.to_le_bytes());
        out.extend_from_slice(&row.to_le_bytes());
        out.push(*mode);
    }
    out.extend_from_slice(txn_payload);
    Ok(out)
}

/// Splits a prepare record into its header and the transaction payload.
pub(crate) fn decode_prepare(bytes: &[u8]) -> Result<(PrepareHeader, &[u8])> {
    let mut r = ByteReader::new(bytes, TWO_PHASE_RECORD);
    if r.u8()? != VERSION {
        return Err(corrupt("unknown version"));
    }
    let gid = r.string()?;
    let prepared_micros = r.u64()? as i64;
    let owner = r.string()?;
    let database = r.string()?;
    let isolation = match r.u8()? {
        1 => IsolationLevel::ReadCommitted,
        2 => IsolationLevel::RepeatableRead,
        3 => IsolationLevel::Serializable,
        _ => return Err(corrupt("unknown isolation level")),
    };
    let read_ts = r.u64()?;
    let table_count = r.u32()?;
    let mut ssi_tables = Vec::with_capacity(table_count.min(1 << 16) as usize);
    for _ in 0..table_count {
        ssi_tables.push(r.u32()?);
    }
    let lock_count = r.u32()?;
    let mut locks = Vec::with_capacity(lock_count.min(1 << 16) as usize);
    for _ in 0..lock_count {
        locks.push((r.u32()?, r.u64()?, r.u8()?));
    }
    let header = PrepareHeader {
        gid,
        prepared_micros,
        owner,
        database,
        isolation,
        read_ts,
        ssi_tables,
        locks,
    };
    Ok((header, &bytes[r.position()..]))
}

/// A commit-prepared or rollback-prepared payload.
pub(crate) fn encode_finish(gid: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(3 + gid.len());
    out.push(VERSION);
    put_str(&mut out, gid)?;
    Ok(out)
}

/// The global identifier a commit-prepared or rollback-prepared record names.
pub(crate) fn decode_finish(bytes: &[u8]) -> Result<String> {
    let mut r = ByteReader::new(bytes, TWO_PHASE_RECORD);
    if r.u8()? != VERSION {
        return Err(corrupt("unknown version"));
    }
    let gid = r.string()?;
    if r.position() != bytes.len() {
        return Err(corrupt("trailing bytes"));
    }
    Ok(gid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> PrepareHeader {
        PrepareHeader {
            gid: "tx-ü".to_string(),
            prepared_micros: -5,
            owner: "postgres".to_string(),
            database: "db".to_string(),
            isolation: IsolationLevel::Serializable,
            read_ts: 77,
            ssi_tables: vec![16384, 16390],
            locks: vec![(16384, 9, 4), (16390, 1 << 40, 1)],
        }
    }

    #[test]
    fn prepare_records_round_trip_and_keep_the_payload() {
        let bytes = encode_prepare(&header(), b"payload").expect("encode");
        let (decoded, rest) = decode_prepare(&bytes).expect("decode");
        assert_eq!(decoded, header());
        assert_eq!(rest, b"payload");
        for length in 0..bytes.len() - b"payload".len() {
            assert!(decode_prepare(&bytes[..length]).is_err(), "{length}");
        }
    }

    #[test]
    fn finish_records_round_trip() {
        let bytes = encode_finish("g").expect("encode");
        assert_eq!(decode_finish(&bytes).expect("decode"), "g");
        assert!(decode_finish(&bytes[..2]).is_err());
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(decode_finish(&trailing).is_err());
    }
}
