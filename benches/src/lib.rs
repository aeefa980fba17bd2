//! db001's benchmark instruments besides TPC-C: the YCSB driver ([`ycsb`]) and the report of the
//! side-by-side comparison with PostgreSQL ([`compare`], used by `benches/compare.sh`).
//!
//! Like `tpcc`, nothing here depends on db001's engine crates: the drivers speak the PostgreSQL
//! protocol, so the same binaries measure db001 and PostgreSQL. The YCSB workload code sits
//! behind the small [`ycsb::store::Store`] trait so an in-process store can drive db001's
//! `engine` directly once its embedded API exists. Criterion micro-benchmarks for the parser,
//! the B+Tree and the WAL will join this package as those crates land.

pub mod compare;
pub mod ycsb;
