//! The on-disk byte layouts: segment header, record framing, segment file names.
//!
//! Everything that decides how bytes look on disk lives here and nowhere else, so the format
//! described in the crate documentation can be checked against one file. Decoding never panics
//! and never trusts a length: every field read from a file is checked against the bytes actually
//! present and against the segment's declared size before it is used.

use crc32c::{crc32c, crc32c_append};

use crate::Lsn;

/// The first eight bytes of every segment file.
pub const SEGMENT_MAGIC: [u8; 8] = *b"DB001WAL";
/// The format version written into every segment header. Bump it when the layout changes.
pub const FORMAT_VERSION: u32 = 1;
/// Bytes taken by the segment header at the start of every segment file.
pub const SEGMENT_HEADER_BYTES: u64 = 32;
/// Bytes taken by a record header: length, checksum, LSN, kind.
pub const RECORD_HEADER_BYTES: usize = 17;
/// Every record starts at a multiple of this many bytes; the gap after a record is zero padding.
pub const RECORD_ALIGNMENT: usize = 8;
/// The smallest space a record occupies (a header with an empty payload, padded).
pub const RECORD_BYTES_MIN: usize = RECORD_HEADER_BYTES.next_multiple_of(RECORD_ALIGNMENT);
/// Bit 31 of the length field: this record is the first one written after an fsync.
pub const FLUSH_START_FLAG: u32 = 1 << 31;
/// The bits of the length field that hold the record length.
pub const RECORD_LENGTH_MASK: u32 = !FLUSH_START_FLAG;
/// The smallest segment size accepted (tests use small segments to exercise rotation).
pub const SEGMENT_BYTES_MIN: u64 = 1024;
/// The largest segment size accepted; keeps every record length below [`FLUSH_START_FLAG`].
pub const SEGMENT_BYTES_MAX: u64 = 1 << 30;
/// The suffix of a segment file whose creation has not finished yet.
pub const PARTIAL_SUFFIX: &str = ".wal.partial";

const _: () = assert!(SEGMENT_BYTES_MAX <= RECORD_LENGTH_MASK as u64);
const _: () = assert!(SEGMENT_HEADER_BYTES.is_multiple_of(RECORD_ALIGNMENT as u64));
const _: () = assert!(SEGMENT_BYTES_MIN.is_multiple_of(RECORD_ALIGNMENT as u64));
const _: () = assert!(SEGMENT_BYTES_MIN > SEGMENT_HEADER_BYTES + RECORD_BYTES_MIN as u64);

/// The file name of the segment whose first byte has LSN `start_lsn`.
pub fn segment_file_name(start_lsn: Lsn) -> String {
    format!("{start_lsn:016X}.wal")
}

/// The start LSN encoded in a segment file name, or `None` when `name` is not one.
pub fn parse_segment_file_name(name: &str) -> Option<Lsn> {
    let digits = name.strip_suffix(".wal")?;
    let well_formed = digits.len() == 16
        && digits
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'A'..=b'F').contains(&byte));
    if !well_formed {
        return None;
    }
    Lsn::from_str_radix(digits, 16).ok()
}

/// Formats an LSN the way PostgreSQL prints a `pg_lsn`: high and low 32 bits in hex.
pub fn format_lsn(lsn: Lsn) -> String {
    format!("{:X}/{:X}", lsn >> 32, lsn & 0xFFFF_FFFF)
}

/// Whether `segment_bytes` is a segment size this format supports.
pub fn segment_bytes_valid(segment_bytes: u64) -> bool {
    (SEGMENT_BYTES_MIN..=SEGMENT_BYTES_MAX).contains(&segment_bytes)
        && segment_bytes.is_multiple_of(RECORD_ALIGNMENT as u64)
}

/// The largest payload a segment of `segment_bytes` can hold in one record.
pub fn max_payload_bytes(segment_bytes: u64) -> usize {
    // The space after the header is a multiple of the alignment, so a record fits exactly when
    // its unpadded length does.
    let space = segment_bytes.saturating_sub(SEGMENT_HEADER_BYTES);
    usize::try_from(space)
        .unwrap_or(usize::MAX)
        .saturating_sub(RECORD_HEADER_BYTES)
}

/// The bytes a record with a payload of `payload_bytes` occupies, padding included.
pub fn aligned_record_bytes(payload_bytes: usize) -> usize {
    (RECORD_HEADER_BYTES + payload_bytes).next_multiple_of(RECORD_ALIGNMENT)
}

/// The header at the start of every segment file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentHeader {
    /// LSN of the segment's first byte (the header itself); also the file's name.
    pub start_lsn: Lsn,
    /// The size of the segment file, header included.
    pub segment_bytes: u64,
}

impl SegmentHeader {
    /// The header's bytes: magic, version, start LSN, size, and a checksum of all of them.
    pub fn encode(&self) -> [u8; SEGMENT_HEADER_BYTES as usize] {
        let mut bytes = [0u8; SEGMENT_HEADER_BYTES as usize];
        bytes[0..8].copy_from_slice(&SEGMENT_MAGIC);
        bytes[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes[12..20].copy_from_slice(&self.start_lsn.to_le_bytes());
        bytes[20..28].copy_from_slice(&self.segment_bytes.to_le_bytes());
        let checksum = crc32c(&bytes[0..28]);
        bytes[28..32].copy_from_slice(&checksum.to_le_bytes());
        bytes
    }

    /// Reads a header, or says in words what is wrong with it.
    pub fn decode(bytes: &[u8]) -> Result<SegmentHeader, String> {
        let Some(bytes) = bytes.get(..SEGMENT_HEADER_BYTES as usize) else {
            return Err(format!(
                "the file is {} bytes long, shorter than a segment header",
                bytes.len()
            ));
        };
        if bytes[0..8] != SEGMENT_MAGIC {
            return Err("the header does not start with the WAL magic number".to_string());
        }
        let stored = read_u32(bytes, 28);
        let computed = crc32c(&bytes[0..28]);
        if stored != computed {
            return Err(format!(
                "header checksum mismatch (stored {stored:08X}, computed {computed:08X})"
            ));
        }
        let version = read_u32(bytes, 8);
        if version != FORMAT_VERSION {
            return Err(format!(
                "unsupported WAL format version {version} (this build reads version {FORMAT_VERSION})"
            ));
        }
        let header = SegmentHeader {
            start_lsn: read_u64(bytes, 12),
            segment_bytes: read_u64(bytes, 20),
        };
        if !segment_bytes_valid(header.segment_bytes) {
            return Err(format!(
                "the header declares an invalid segment size of {} bytes",
                header.segment_bytes
            ));
        }
        Ok(header)
    }
}

/// The checksum of a record's kind and payload: the part an appender computes outside the lock.
pub fn payload_checksum(kind: u8, payload: &[u8]) -> u32 {
    crc32c_append(crc32c(&[kind]), payload)
}

/// The full record checksum: kind and payload (as `payload_checksum`), then length field and LSN.
///
/// The order puts the fields known only inside the append lock (the LSN) last, so that the
/// expensive part over the payload runs before the lock is taken.
pub fn record_checksum(payload_checksum: u32, length_field: u32, lsn: Lsn) -> u32 {
    let mut tail = [0u8; 12];
    tail[0..4].copy_from_slice(&length_field.to_le_bytes());
    tail[4..12].copy_from_slice(&lsn.to_le_bytes());
    crc32c_append(payload_checksum, &tail)
}

/// Appends one framed record (header, payload, zero padding) to `buffer`.
pub fn encode_record(buffer: &mut Vec<u8>, lsn: Lsn, kind: u8, payload: &[u8], checksum: u32) {
    let length = u32::try_from(RECORD_HEADER_BYTES + payload.len())
        .expect("payloads are limited to a segment, and segments to 1 GiB");
    debug_assert!(length <= RECORD_LENGTH_MASK);
    let aligned = aligned_record_bytes(payload.len());
    buffer.reserve(aligned);
    buffer.extend_from_slice(&length.to_le_bytes());
    buffer.extend_from_slice(&record_checksum(checksum, length, lsn).to_le_bytes());
    buffer.extend_from_slice(&lsn.to_le_bytes());
    buffer.push(kind);
    buffer.extend_from_slice(payload);
    buffer.resize(
        buffer.len() + aligned - RECORD_HEADER_BYTES - payload.len(),
        0,
    );
}

/// Sets the flush-start flag on the record at the start of `record` and re-seals its checksum.
///
/// `record` is a buffer this crate encoded itself, so its length field is trusted.
pub fn mark_flush_start(record: &mut [u8]) {
    let length_field = read_u32(record, 0) | FLUSH_START_FLAG;
    let length = (length_field & RECORD_LENGTH_MASK) as usize;
    assert!(
        length >= RECORD_HEADER_BYTES && length <= record.len(),
        "a buffered record is complete"
    );
    let lsn = read_u64(record, 8);
    let kind = record[16];
    let checksum = record_checksum(
        payload_checksum(kind, &record[RECORD_HEADER_BYTES..length]),
        length_field,
        lsn,
    );
    record[0..4].copy_from_slice(&length_field.to_le_bytes());
    record[4..8].copy_from_slice(&checksum.to_le_bytes());
}

/// A record read back from a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodedRecord<'a> {
    pub kind: u8,
    pub payload: &'a [u8],
    /// The record was the first written after an fsync (see the crate docs, "Recovery").
    pub flush_start: bool,
    /// Bytes the record occupies, padding included: the next record starts this far on.
    pub aligned_bytes: usize,
}

/// What a record slot of a segment holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot<'a> {
    /// A complete record whose stored LSN equals its position and whose checksum is valid.
    Record(DecodedRecord<'a>),
    /// A length field of four zero bytes: no record starts here.
    Zero,
    /// The file ends at this position.
    Absent,
    /// Something that is not a valid record; the string says why.
    Invalid(String),
}

/// Decodes the slot at `offset` of a segment whose bytes (as far as the file goes) are `data`.
///
/// `segment_bytes` is the segment's declared size (a record must end inside it) and `lsn` the
/// LSN of the slot, which a valid record stores in its header.
pub fn decode_slot(data: &[u8], offset: usize, segment_bytes: usize, lsn: Lsn) -> Slot<'_> {
    if offset >= data.len() {
        return Slot::Absent;
    }
    if offset + 4 > data.len() {
        return Slot::Invalid("the file ends inside the record's length field".to_string());
    }
    let length_field = read_u32(data, offset);
    if length_field == 0 {
        return Slot::Zero;
    }
    let length = (length_field & RECORD_LENGTH_MASK) as usize;
    if length < RECORD_HEADER_BYTES {
        return Slot::Invalid(format!(
            "record length {length} is shorter than a record header"
        ));
    }
    let aligned_bytes = length.next_multiple_of(RECORD_ALIGNMENT);
    if offset.saturating_add(aligned_bytes) > segment_bytes {
        return Slot::Invalid(format!(
            "record length {length} runs past the end of the segment"
        ));
    }
    if offset + aligned_bytes > data.len() {
        return Slot::Invalid(format!(
            "the file ends inside the record ({} of its {aligned_bytes} bytes are present)",
            data.len() - offset
        ));
    }
    let stored_lsn = read_u64(data, offset + 8);
    if stored_lsn != lsn {
        return Slot::Invalid(format!(
            "the record's stored LSN {} does not match its position {}",
            format_lsn(stored_lsn),
            format_lsn(lsn)
        ));
    }
    let kind = data[offset + 16];
    let payload = &data[offset + RECORD_HEADER_BYTES..offset + length];
    let stored_checksum = read_u32(data, offset + 4);
    let computed = record_checksum(payload_checksum(kind, payload), length_field, lsn);
    if stored_checksum != computed {
        return Slot::Invalid(format!(
            "record checksum mismatch (stored {stored_checksum:08X}, computed {computed:08X})"
        ));
    }
    Slot::Record(DecodedRecord {
        kind,
        payload,
        flush_start: length_field & FLUSH_START_FLAG != 0,
        aligned_bytes,
    })
}

/// The offset of the first valid record at or after `from` in a segment that starts at
/// `segment_start` (only flush-start records when `flush_start_only`), or `None`.
///
/// This is the forward scan that tells a torn tail from corruption. It looks at every aligned
/// position, but only positions whose stored LSN equals their own LSN get a checksum check, so
/// the scan costs one comparison per eight bytes.
pub fn find_valid_record(
    data: &[u8],
    from: usize,
    segment_bytes: usize,
    segment_start: Lsn,
    flush_start_only: bool,
) -> Option<usize> {
    let limit = segment_bytes.min(data.len());
    let mut offset = from.next_multiple_of(RECORD_ALIGNMENT);
    while offset + RECORD_BYTES_MIN <= limit {
        let lsn = segment_start + offset as u64;
        if read_u64(data, offset + 8) == lsn
            && let Slot::Record(record) = decode_slot(data, offset, segment_bytes, lsn)
            && (record.flush_start || !flush_start_only)
        {
            return Some(offset);
        }
        offset += RECORD_ALIGNMENT;
    }
    None
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
    use proptest::prelude::*;

    fn encode(lsn: Lsn, kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut buffer = Vec::new();
        encode_record(
            &mut buffer,
            lsn,
            kind,
            payload,
            payload_checksum(kind, payload),
        );
        buffer
    }

    /// Places `record` at `offset` of a zeroed segment of `segment_bytes`.
    fn segment_with(record: &[u8], offset: usize, segment_bytes: usize) -> Vec<u8> {
        let mut data = vec![0u8; segment_bytes];
        data[offset..offset + record.len()].copy_from_slice(record);
        data
    }

    proptest! {
        #[test]
        fn record_round_trips(
            kind in any::<u8>(),
            payload in proptest::collection::vec(any::<u8>(), 0..600),
            slot in 4u64..1000,
            flush_start in any::<bool>(),
        ) {
            let lsn = slot * RECORD_ALIGNMENT as u64;
            let mut record = encode(lsn, kind, &payload);
            prop_assert_eq!(record.len(), aligned_record_bytes(payload.len()));
            prop_assert_eq!(record.len() % RECORD_ALIGNMENT, 0);
            if flush_start {
                mark_flush_start(&mut record);
            }
            let offset = lsn as usize;
            let data = segment_with(&record, offset, offset + record.len() + 64);
            let slot = decode_slot(&data, offset, data.len(), lsn);
            let Slot::Record(decoded) = slot else {
                return Err(TestCaseError::fail(format!("not decoded: {slot:?}")));
            };
            prop_assert_eq!(decoded.kind, kind);
            prop_assert_eq!(decoded.payload, &payload[..]);
            prop_assert_eq!(decoded.flush_start, flush_start);
            prop_assert_eq!(decoded.aligned_bytes, record.len());
        }

        #[test]
        fn any_bit_flip_in_a_record_is_detected(
            kind in any::<u8>(),
            payload in proptest::collection::vec(any::<u8>(), 0..200),
            bit in any::<proptest::sample::Index>(),
        ) {
            let lsn = 64;
            let record = encode(lsn, kind, &payload);
            let unpadded = RECORD_HEADER_BYTES + payload.len();
            let bit = bit.index(unpadded * 8);
            let mut data = segment_with(&record, lsn as usize, 1024);
            data[lsn as usize + bit / 8] ^= 1 << (bit % 8);
            let slot = decode_slot(&data, lsn as usize, data.len(), lsn);
            // A flip may turn the length field to zero, which reads as "no record here"; it
            // must never read as a valid record.
            prop_assert!(!matches!(slot, Slot::Record(_)), "flip at bit {} accepted", bit);
        }
    }

    #[test]
    fn record_at_the_wrong_position_is_invalid() {
        let record = encode(64, 1, b"hello");
        let data = segment_with(&record, 72, 1024);
        assert!(matches!(decode_slot(&data, 72, 1024, 72), Slot::Invalid(_)));
    }

    #[test]
    fn record_cut_by_the_end_of_the_file_is_invalid_at_every_length() {
        let record = encode(64, 1, b"a payload of some length");
        let full = segment_with(&record, 64, 64 + record.len());
        for cut in 65..full.len() {
            let slot = decode_slot(&full[..cut], 64, 1024, 64);
            assert!(matches!(slot, Slot::Invalid(_)), "cut at {cut}: {slot:?}");
        }
        assert!(matches!(
            decode_slot(&full[..64], 64, 1024, 64),
            Slot::Absent
        ));
    }

    #[test]
    fn record_running_past_the_segment_is_invalid() {
        let record = encode(64, 1, &[7u8; 100]);
        let data = segment_with(&record, 64, 256);
        assert!(matches!(decode_slot(&data, 64, 128, 64), Slot::Invalid(_)));
    }

    #[test]
    fn zero_length_field_reads_as_no_record() {
        let data = vec![0u8; 256];
        assert_eq!(decode_slot(&data, 64, 256, 64), Slot::Zero);
    }

    #[test]
    fn forward_scan_finds_only_records_at_their_own_position() {
        let mut data = vec![0u8; 1024];
        // A record stored at the wrong place is not found; one at its own position is.
        let misplaced = encode(512, 1, b"misplaced");
        data[200..200 + misplaced.len()].copy_from_slice(&misplaced);
        assert_eq!(find_valid_record(&data, 32, 1024, 0, false), None);
        let mut placed = encode(400, 1, b"placed");
        data[400..400 + placed.len()].copy_from_slice(&placed);
        assert_eq!(find_valid_record(&data, 32, 1024, 0, false), Some(400));
        assert_eq!(find_valid_record(&data, 32, 1024, 0, true), None);
        mark_flush_start(&mut placed);
        data[400..400 + placed.len()].copy_from_slice(&placed);
        assert_eq!(find_valid_record(&data, 32, 1024, 0, true), Some(400));
        assert_eq!(find_valid_record(&data, 401, 1024, 0, false), None);
    }

    #[test]
    fn segment_header_round_trips_and_rejects_damage() {
        let header = SegmentHeader {
            start_lsn: 0x1234_5000,
            segment_bytes: 16 << 20,
        };
        let bytes = header.encode();
        assert_eq!(SegmentHeader::decode(&bytes), Ok(header));
        for byte in 0..bytes.len() {
            let mut damaged = bytes;
            damaged[byte] ^= 0x10;
            assert!(SegmentHeader::decode(&damaged).is_err(), "byte {byte}");
        }
        assert!(SegmentHeader::decode(&bytes[..20]).is_err());
    }

    #[test]
    fn segment_file_names_round_trip() {
        assert_eq!(segment_file_name(0x10000), "0000000000010000.wal");
        assert_eq!(
            parse_segment_file_name("0000000000010000.wal"),
            Some(0x10000)
        );
        assert_eq!(parse_segment_file_name("000000000001000.wal"), None);
        assert_eq!(parse_segment_file_name("000000000001000g.wal"), None);
        assert_eq!(
            parse_segment_file_name("0000000000010000.wal.partial"),
            None
        );
        assert_eq!(parse_segment_file_name("+000000000010000.wal"), None);
    }

    #[test]
    fn max_payload_fills_a_segment_exactly() {
        for segment_bytes in [1024u64, 4096, 16 << 20] {
            let max = max_payload_bytes(segment_bytes);
            assert_eq!(
                aligned_record_bytes(max) as u64,
                segment_bytes - SEGMENT_HEADER_BYTES
            );
            assert!(aligned_record_bytes(max + 1) as u64 > segment_bytes - SEGMENT_HEADER_BYTES);
        }
    }

    #[test]
    fn lsn_formats_like_pg_lsn() {
        assert_eq!(format_lsn(0), "0/0");
        assert_eq!(format_lsn(0x1_0000_00A0), "1/A0");
    }
}
