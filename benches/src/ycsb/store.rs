//! The boundary between the YCSB workload and whatever holds the data.
//!
//! Why a trait: today the only store is PostgreSQL-protocol SQL over a socket
//! ([`crate::ycsb::postgres::PostgresStore`]); once db001's `engine` crate has its embedded API,
//! an in-process store can implement the same five methods and the same runner measures the
//! engine without the wire protocol. The methods mirror YCSB's `DB` interface, restricted to
//! what the core workloads use.

use std::future::Future;

use crate::ycsb::workload::FIELD_COUNT;

/// A record: its key and its ten field values (buffers reused between operations).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// `user...`.
    pub key: String,
    /// field0..field9.
    pub fields: [String; FIELD_COUNT],
}

/// A failed store operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    /// Which statement or step, e.g. `ycsb.read`.
    pub statement: &'static str,
    /// The statement's text, if it is SQL.
    pub sql: Option<String>,
    /// SQLSTATE, if the server sent one.
    pub sqlstate: Option<String>,
    /// The message.
    pub message: String,
    /// The store cannot be used any more (connection lost).
    pub fatal: bool,
}

/// A key-value view of the `usertable`.
pub trait Store {
    /// Reads all fields of `key`; `Ok(false)` if there is no such record.
    fn read(&mut self, key: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Sets field `field` of `key` to `value`; `Ok(false)` if there is no such record.
    fn update(
        &mut self,
        key: &str,
        field: usize,
        value: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Inserts one record.
    fn insert(&mut self, record: &Record) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Inserts several records at once (used by the load phase).
    fn insert_batch(
        &mut self,
        records: &[Record],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Reads up to `count` records with keys `>= start_key`, in key order; returns how many.
    fn scan(
        &mut self,
        start_key: &str,
        count: u64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
