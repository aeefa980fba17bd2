//! # db001-common
//!
//! The vocabulary every other db001 crate speaks: [`Value`] and [`Row`], [`DataType`] with
//! PostgreSQL's OIDs, and the one [`Error`] type that carries a SQLSTATE. Nothing here knows
//! about SQL text, storage or the network, so every crate can depend on it without cycles.
//!
//! The value layer gives PostgreSQL 15's answers byte for byte: input and output functions
//! ([`text`], [`datetime`], [`bytea`], [`uuid`], [`json`], [`array`], [`oid`],
//! [`record`]), the binary wire format
//! ([`binary`]), casts ([`cast`]),
//! comparison and hashing ([`compare`]), arithmetic ([`ops`]) and exact decimals
//! ([`numeric`]). Two byte layouts of db001's own live here too because every layer shares
//! them: stored rows ([`row_codec`]) and order-preserving index keys ([`key_codec`]).
//!
//! Where db001 knowingly differs from PostgreSQL, the module that owns the behaviour says so
//! in its documentation; the main difference is [`Numeric`]'s 28-digit limit.

pub mod array;
pub mod binary;
pub mod bytea;
pub mod cast;
pub mod compare;
pub mod datetime;
pub mod error;
pub mod json;
pub mod key_codec;
pub mod numeric;
pub mod oid;
pub mod ops;
pub mod record;
pub mod row_codec;
pub mod text;
pub mod types;
pub mod uuid;
pub mod value;

pub use cast::cast_context;
pub use datetime::interval::Interval;
pub use error::{Error, Result, Severity, SqlState};
pub use numeric::Numeric;
pub use types::{Composite, DataType, ElementType, NumericTypmod, Oid, TypeCategory};
pub use value::{CastKind, Row, Value};
