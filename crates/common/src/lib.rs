//! # db001-common
//!
//! The vocabulary every other db001 crate speaks: [`Value`] and [`Row`], [`DataType`] with
//! PostgreSQL's OIDs, and the one [`Error`] type that carries a SQLSTATE. Nothing here knows
//! about SQL text, storage or the network, so every crate can depend on it without cycles.

pub mod error;
pub mod numeric;
pub mod types;
pub mod value;

pub use error::{Error, Result, Severity, SqlState};
pub use numeric::Numeric;
pub use types::{DataType, NumericTypmod, Oid};
pub use value::{Row, Value};
