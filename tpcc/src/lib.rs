//! TPC-C driver for any PostgreSQL-protocol server (db001 or PostgreSQL itself), and the small
//! measurement kit the `db001-benches` package shares with it.
//!
//! The driver follows TPC-C 5.11 where it matters for comparing two servers on one machine:
//! the schema and initial population of §1.3/§4.3, the five transaction profiles of §2.4–2.8 as
//! plain SQL sent by the client (prepared statements, no stored procedures), the 45/43/4/4/4
//! mix, the 1% New-Order rollbacks, 60% customer selection by last name, and consistency
//! conditions 1–4 of §3.3.2. It deliberately leaves out what a lab comparison does not need:
//! keying and think times (terminals run back to back), the deferred-execution queue of
//! Delivery (it runs inline, all ten districts in one transaction), the response-time
//! constraints, and the 8-hour, many-warehouse scale of an audited result. Its tpmC is therefore
//! a throughput figure for comparisons, not a reportable TPC-C result.
//!
//! It never depends on db001's own crates: it speaks only the PostgreSQL protocol through
//! tokio-postgres, so the same binary measures both servers.
//!
//! Modules:
//! - [`load`] (`tpcc load`), [`run`] (`tpcc run`), [`check`] (`tpcc check`);
//! - [`schema`], [`data`] (NURand and the random strings), [`numeric`] (exact decimals on the
//!   wire);
//! - shared with the YCSB driver: [`rng`], [`histogram`], [`duration`], [`connection`],
//!   [`error`], and [`local_postgres`] (a throwaway server for integration tests).

pub mod check;
pub mod connection;
pub mod data;
pub mod duration;
pub mod error;
pub mod histogram;
pub mod load;
pub mod local_postgres;
pub mod numeric;
pub mod rng;
pub mod run;
pub mod schema;
