//! B+Tree indexes over a table's rows.
//!
//! An index maps `encode_key(indexed values) ++ row id (8 bytes, big-endian)` to nothing: the row
//! id suffix makes every entry unique, so one tree shape serves unique and non-unique indexes
//! alike, and all entries for one key value form a contiguous range.
//!
//! Entries are added when a version with a new key is written and are never rewritten in place,
//! so an index may hold entries for older versions of a row whose key has since changed (until
//! garbage collection removes them). Readers therefore re-check that the version they see still
//! has the entry's key when the row has more than one version (see `Table::index_scan`).

use db001_btree::BPlusTree;
use db001_common::{Result, Row, Value};
use parking_lot::RwLock;

/// What an index covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    /// Catalog id of the index.
    pub id: u32,
    /// The index's name, for error messages.
    pub name: String,
    /// Names of the indexed columns, for error messages.
    pub column_names: Vec<String>,
    /// Positions of the indexed columns in the table's rows, in key order.
    pub columns: Vec<usize>,
    /// Whether two live rows may not share a key (NULLs never conflict, as in PostgreSQL).
    pub unique: bool,
}

/// A B+Tree index.
#[derive(Debug)]
pub struct Index {
    pub(crate) spec: IndexSpec,
    pub(crate) tree: RwLock<BPlusTree<Box<[u8]>, ()>>,
}

/// Length of the row id suffix of every entry.
pub(crate) const ROW_ID_BYTES: usize = 8;

impl Index {
    pub(crate) fn new(spec: IndexSpec) -> Index {
        Index {
            spec,
            tree: RwLock::new(BPlusTree::new()),
        }
    }

    pub fn spec(&self) -> &IndexSpec {
        &self.spec
    }

    /// The key of a decoded row (without the row id suffix), and whether any part is NULL.
    pub(crate) fn key_of(&self, row: &Row) -> (Vec<u8>, bool) {
        let mut values = Vec::with_capacity(self.spec.columns.len());
        let mut has_null = false;
        for &column in &self.spec.columns {
            let value = row.get(column).cloned().unwrap_or(Value::Null);
            has_null |= value.is_null();
            values.push(value);
        }
        let mut key = Vec::with_capacity(16 * values.len() + ROW_ID_BYTES);
        db001_common::key_codec::encode_key(&values, &mut key);
        (key, has_null)
    }

    /// Whether two rows hold identical values in every indexed column, so that their keys are
    /// equal without encoding them. Only exact representations count (same variant, same
    /// bits or bytes); anything else answers false and the caller compares encoded keys.
    pub(crate) fn same_values(&self, a: &Row, b: &Row) -> bool {
        self.spec
            .columns
            .iter()
            .all(|&column| match (a.get(column), b.get(column)) {
                (Some(Value::Text(x)), Some(Value::Text(y)))
                | (Some(Value::Bpchar(x)), Some(Value::Bpchar(y))) => x == y,
                (Some(Value::Int16(x)), Some(Value::Int16(y))) => x == y,
                (Some(Value::Int32(x)), Some(Value::Int32(y))) => x == y,
                (Some(Value::Int64(x)), Some(Value::Int64(y)))
                | (Some(Value::Timestamp(x)), Some(Value::Timestamp(y)))
                | (Some(Value::TimestampTz(x)), Some(Value::TimestampTz(y))) => x == y,
                (Some(Value::Date(x)), Some(Value::Date(y))) => x == y,
                (Some(Value::Uuid(x)), Some(Value::Uuid(y))) => x == y,
                (Some(Value::Bool(x)), Some(Value::Bool(y))) => x == y,
                (Some(Value::Null) | None, Some(Value::Null) | None) => true,
                _ => false,
            })
    }

    /// The key of an encoded row.
    pub(crate) fn key_of_data(&self, data: &[u8]) -> Result<(Vec<u8>, bool)> {
        let row = db001_common::row_codec::decode_row(data)?;
        Ok(self.key_of(&row))
    }

    pub(crate) fn entry(key: &[u8], row_id: u64) -> Box<[u8]> {
        let mut entry = Vec::with_capacity(key.len() + ROW_ID_BYTES);
        entry.extend_from_slice(key);
        entry.extend_from_slice(&row_id.to_be_bytes());
        entry.into_boxed_slice()
    }

    pub(crate) fn insert_entry(&self, key: &[u8], row_id: u64) {
        self.tree.write().insert(Self::entry(key, row_id), ());
    }

    pub(crate) fn remove_entry(&self, key: &[u8], row_id: u64) {
        self.tree.write().remove(&Self::entry(key, row_id)[..]);
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.tree.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry as (key, row id), in key order: for `db001 verify`, which checks that the
    /// index agrees with its table.
    pub fn entries(&self) -> Vec<(Vec<u8>, u64)> {
        self.tree
            .read()
            .iter()
            .map(|(entry, _)| {
                let (key, row_id) = split_entry(entry);
                (key.to_vec(), row_id)
            })
            .collect()
    }

    /// The key an encoded row has in this index, and whether any part of it is NULL.
    pub fn key_of_encoded(&self, data: &[u8]) -> Result<(Vec<u8>, bool)> {
        self.key_of_data(data)
    }
}

/// An entry's key part and row id.
pub(crate) fn split_entry(entry: &[u8]) -> (&[u8], u64) {
    let split = entry.len().saturating_sub(ROW_ID_BYTES);
    let mut id = [0u8; ROW_ID_BYTES];
    id.copy_from_slice(&entry[split..]);
    (&entry[..split], u64::from_be_bytes(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn index(columns: Vec<usize>) -> Index {
        Index::new(IndexSpec {
            id: 1,
            name: "i".to_string(),
            column_names: columns.iter().map(|c| format!("c{c}")).collect(),
            columns,
            unique: false,
        })
    }

    #[test]
    fn same_values_only_for_identical_indexed_columns() {
        let index = index(vec![0, 2]);
        let text = |s: &str| Value::Text(Arc::from(s));
        let old = vec![text("k"), text("a"), Value::Int32(7)];
        let other_column = vec![text("k"), text("b"), Value::Int32(7)];
        assert!(index.same_values(&old, &other_column));
        assert_eq!(index.key_of(&old).0, index.key_of(&other_column).0);
        let new_key = vec![text("k2"), text("a"), Value::Int32(7)];
        assert!(!index.same_values(&old, &new_key));
        let new_number = vec![text("k"), text("a"), Value::Int32(8)];
        assert!(!index.same_values(&old, &new_number));
        // A missing trailing column reads as NULL, as in `key_of`.
        assert!(index.same_values(&vec![text("k"), text("a")], &old[..2].to_vec()));
        assert!(index.same_values(
            &vec![text("k"), text("a"), Value::Null],
            &vec![text("k"), text("a")]
        ));
        // Equal numbers of different types are not identical: the caller encodes and compares.
        assert!(!index.same_values(&vec![text("k"), text("a"), Value::Int64(7)], &old));
    }
}
