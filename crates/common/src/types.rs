//! SQL data types as db001 knows them, with PostgreSQL's names, OIDs and type modifiers.

use std::fmt;

/// A PostgreSQL type OID as sent on the wire.
pub type Oid = u32;

/// A SQL data type. Type modifiers (`varchar(n)`, `numeric(p, s)`) are part of the type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    Bool,
    /// `smallint`, `int2`.
    SmallInt,
    /// `integer`, `int`, `int4`.
    Int,
    /// `bigint`, `int8`.
    BigInt,
    /// `double precision`, `float8`.
    Double,
    /// `numeric`, `decimal`: exact decimal; `None` means no declared precision.
    Numeric(Option<NumericTypmod>),
    /// `text`.
    Text,
    /// `varchar(n)` / `character varying(n)`; `None` means no length limit.
    Varchar(Option<u32>),
    /// `timestamp [without time zone]`, microsecond resolution.
    Timestamp,
    /// The type of a string literal or parameter before context decides it (PostgreSQL's
    /// `unknown`). Never the type of a stored column.
    Unknown,
}

/// The declared precision and scale of a `numeric(p, s)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NumericTypmod {
    pub precision: u16,
    pub scale: u16,
}

/// The maximum precision of `numeric(p, s)` that db001 accepts.
///
/// PostgreSQL allows 1000; db001's numeric holds 28 significant digits (see [`crate::Numeric`]),
/// so larger declarations would promise what cannot be stored.
pub const NUMERIC_PRECISION_MAX: u16 = 28;

impl DataType {
    /// The PostgreSQL type OID.
    pub fn oid(&self) -> Oid {
        match self {
            DataType::Bool => 16,
            DataType::SmallInt => 21,
            DataType::Int => 23,
            DataType::BigInt => 20,
            DataType::Double => 701,
            DataType::Numeric(_) => 1700,
            DataType::Text => 25,
            DataType::Varchar(_) => 1043,
            DataType::Timestamp => 1114,
            DataType::Unknown => 705,
        }
    }

    /// The type for a PostgreSQL OID, if db001 supports it. Type modifiers are unknown here.
    pub fn from_oid(oid: Oid) -> Option<DataType> {
        Some(match oid {
            16 => DataType::Bool,
            21 => DataType::SmallInt,
            23 => DataType::Int,
            20 => DataType::BigInt,
            701 => DataType::Double,
            1700 => DataType::Numeric(None),
            25 => DataType::Text,
            1043 => DataType::Varchar(None),
            1114 => DataType::Timestamp,
            705 => DataType::Unknown,
            _ => return None,
        })
    }

    /// The `typlen` PostgreSQL reports in RowDescription: fixed size in bytes, or -1.
    pub fn type_len(&self) -> i16 {
        match self {
            DataType::Bool => 1,
            DataType::SmallInt => 2,
            DataType::Int => 4,
            DataType::BigInt | DataType::Double | DataType::Timestamp => 8,
            DataType::Unknown => -2,
            DataType::Numeric(_) | DataType::Text | DataType::Varchar(_) => -1,
        }
    }

    /// The `atttypmod` PostgreSQL reports: -1 when there is no modifier.
    pub fn type_modifier(&self) -> i32 {
        match self {
            DataType::Varchar(Some(n)) => *n as i32 + 4,
            DataType::Numeric(Some(t)) => (((t.precision as i32) << 16) | t.scale as i32) + 4,
            _ => -1,
        }
    }

    /// The same type without a modifier: what an expression over a value of this type yields.
    pub fn without_modifier(&self) -> DataType {
        match self {
            DataType::Varchar(_) => DataType::Varchar(None),
            DataType::Numeric(_) => DataType::Numeric(None),
            other => *other,
        }
    }

    /// Whether the type is one of the integer, floating-point or numeric types.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            DataType::SmallInt
                | DataType::Int
                | DataType::BigInt
                | DataType::Double
                | DataType::Numeric(_)
        )
    }

    /// Whether the type is a string type (text or varchar).
    pub fn is_string(&self) -> bool {
        matches!(self, DataType::Text | DataType::Varchar(_))
    }

    /// PostgreSQL's internal short name (`int4`, `float8`, ...), as pg_type.typname spells it.
    pub fn type_name(&self) -> &'static str {
        match self {
            DataType::Bool => "bool",
            DataType::SmallInt => "int2",
            DataType::Int => "int4",
            DataType::BigInt => "int8",
            DataType::Double => "float8",
            DataType::Numeric(_) => "numeric",
            DataType::Text => "text",
            DataType::Varchar(_) => "varchar",
            DataType::Timestamp => "timestamp",
            DataType::Unknown => "unknown",
        }
    }

    /// The name PostgreSQL uses in error messages (`integer`, `double precision`, ...).
    pub fn sql_name(&self) -> &'static str {
        match self {
            DataType::Bool => "boolean",
            DataType::SmallInt => "smallint",
            DataType::Int => "integer",
            DataType::BigInt => "bigint",
            DataType::Double => "double precision",
            DataType::Numeric(_) => "numeric",
            DataType::Text => "text",
            DataType::Varchar(_) => "character varying",
            DataType::Timestamp => "timestamp without time zone",
            DataType::Unknown => "unknown",
        }
    }
}

/// Formats the type as `format_type()` does: `character varying(20)`, `numeric(12,2)`, ...
impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataType::Varchar(Some(n)) => write!(f, "character varying({n})"),
            DataType::Numeric(Some(t)) => write!(f, "numeric({},{})", t.precision, t.scale),
            other => f.write_str(other.sql_name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_round_trip() {
        for t in [
            DataType::Bool,
            DataType::SmallInt,
            DataType::Int,
            DataType::BigInt,
            DataType::Double,
            DataType::Numeric(None),
            DataType::Text,
            DataType::Varchar(None),
            DataType::Timestamp,
        ] {
            assert_eq!(DataType::from_oid(t.oid()), Some(t));
        }
    }

    #[test]
    fn typmods_match_postgres() {
        // PostgreSQL: varchar(20) has atttypmod 24; numeric(12,2) has 786438.
        assert_eq!(DataType::Varchar(Some(20)).type_modifier(), 24);
        let numeric = DataType::Numeric(Some(NumericTypmod {
            precision: 12,
            scale: 2,
        }));
        assert_eq!(numeric.type_modifier(), 786438);
        assert_eq!(numeric.to_string(), "numeric(12,2)");
    }
}
