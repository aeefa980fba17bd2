//! The slot array: row id → row slot, growing without moving existing slots.
//!
//! Slots live in buckets of doubling size (1024, 2048, 4096, ...). A row id maps to a bucket by
//! its bit length, so lookups are two array indexings and no lock: buckets are created once
//! (`OnceLock`) and never moved or freed while the table lives. Readers can therefore hold a
//! `&Slot` while other threads append rows.

use std::sync::OnceLock;

use parking_lot::RwLock;

use crate::version::Version;

/// log2 of the first bucket's size.
const FIRST_BUCKET_BITS: u32 = 10;
/// Number of buckets: enough for 2^50 rows.
const BUCKETS: usize = 40;

/// One row: its version chain, newest first, behind a reader-writer lock.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    pub(crate) chain: RwLock<Option<Box<Version>>>,
}

/// Row id → slot.
#[derive(Debug)]
pub(crate) struct SlotArray {
    buckets: Box<[OnceLock<Box<[Slot]>>]>,
}

impl SlotArray {
    pub(crate) fn new() -> SlotArray {
        SlotArray {
            buckets: (0..BUCKETS).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The bucket and offset of a row id.
    #[inline]
    fn locate(row_id: u64) -> (usize, usize) {
        let biased = row_id + (1 << FIRST_BUCKET_BITS);
        let bits = 63 - biased.leading_zeros();
        let bucket = (bits - FIRST_BUCKET_BITS) as usize;
        let offset = (biased - (1 << bits)) as usize;
        (bucket, offset)
    }

    fn bucket_len(bucket: usize) -> usize {
        1 << (bucket as u32 + FIRST_BUCKET_BITS)
    }

    /// The slot of a row id, if its bucket exists.
    #[inline]
    pub(crate) fn get(&self, row_id: u64) -> Option<&Slot> {
        let (bucket, offset) = Self::locate(row_id);
        self.buckets.get(bucket)?.get()?.get(offset)
    }

    /// The slot of a row id, creating its bucket if needed. `None` only past the last bucket.
    pub(crate) fn get_or_create(&self, row_id: u64) -> Option<&Slot> {
        let (bucket, offset) = Self::locate(row_id);
        let slots = self.buckets.get(bucket)?.get_or_init(|| {
            (0..Self::bucket_len(bucket))
                .map(|_| Slot::default())
                .collect()
        });
        slots.get(offset)
    }

    /// Bytes of slot memory allocated.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.buckets
            .iter()
            .enumerate()
            .filter(|(_, b)| b.get().is_some())
            .map(|(i, _)| Self::bucket_len(i) * std::mem::size_of::<Slot>())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_covers_ids_without_gaps() {
        assert_eq!(SlotArray::locate(0), (0, 0));
        assert_eq!(SlotArray::locate(1023), (0, 1023));
        assert_eq!(SlotArray::locate(1024), (1, 0));
        assert_eq!(SlotArray::locate(1024 + 2047), (1, 2047));
        assert_eq!(SlotArray::locate(1024 + 2048), (2, 0));
    }

    #[test]
    fn slots_are_created_on_demand() {
        let slots = SlotArray::new();
        assert!(slots.get(5000).is_none());
        assert!(slots.get_or_create(5000).is_some());
        assert!(slots.get(5000).is_some());
        assert!(slots.get(0).is_none(), "bucket 0 was never created");
    }
}
