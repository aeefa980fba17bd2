//! Exact decimal numbers for SQL `numeric`.

/// A SQL `numeric` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Numeric(rust_decimal::Decimal);
