//! SQL data types as db001 knows them, with PostgreSQL's names, OIDs, type modifiers and the
//! type categories PostgreSQL's operator and function resolution reasons with.

use std::fmt;

/// A PostgreSQL type OID as sent on the wire.
pub type Oid = u32;

/// A SQL data type. Type modifiers (`varchar(n)`, `numeric(p, s)`, `char(n)`) are part of the
/// type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    Bool,
    /// `smallint`, `int2`.
    SmallInt,
    /// `integer`, `int`, `int4`.
    Int,
    /// `bigint`, `int8`.
    BigInt,
    /// `real`, `float4`.
    Real,
    /// `double precision`, `float8`.
    Double,
    /// `numeric`, `decimal`: exact decimal; `None` means no declared precision.
    Numeric(Option<NumericTypmod>),
    /// `text`.
    Text,
    /// `varchar(n)` / `character varying(n)`; `None` means no length limit.
    Varchar(Option<u32>),
    /// `char(n)` / `character(n)` (PostgreSQL's `bpchar`): blank-padded to `n` characters;
    /// `None` is `bpchar` without a length (no padding, no limit).
    Bpchar(Option<u32>),
    /// `bytea`: a byte string.
    Bytea,
    /// `date`.
    Date,
    /// `time [without time zone]`, microsecond resolution.
    Time,
    /// `timestamp [without time zone]`, microsecond resolution.
    Timestamp,
    /// `timestamp with time zone`: an absolute instant, shown in the session's time zone.
    TimestampTz,
    /// `interval`: months, days and microseconds, kept apart as PostgreSQL keeps them.
    Interval,
    /// `uuid`.
    Uuid,
    /// `json`: the text as given, validated.
    Json,
    /// `jsonb`: parsed and normalised JSON.
    Jsonb,
    /// A one-dimensional array of the element type (`integer[]`, `text[]`, ...).
    Array(ElementType),
    /// `oid`: an object identifier, a 4-byte unsigned integer (see [`crate::oid`]).
    Oid,
    /// `int2vector`: the `smallint` array type of `pg_index.indkey`, subscripts from 0, text
    /// `1 2 3` (see [`crate::oid`]).
    Int2Vector,
    /// `oidvector`: as `int2vector`, of `oid`s (`pg_proc.proargtypes`).
    OidVector,
    /// `record`: a composite value whose fields [`Composite`] describes (see
    /// [`crate::record`]).
    Record(Composite),
    /// The type of a string literal or parameter before context decides it (PostgreSQL's
    /// `unknown`). Never the type of a stored column.
    Unknown,
}

/// The element type of an array type. Element types carry no type modifier: an array of
/// `varchar(5)` is stored as an array of `varchar`, which is what PostgreSQL reports for
/// expressions too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElementType {
    Bool,
    SmallInt,
    Int,
    BigInt,
    Real,
    Double,
    Numeric,
    Text,
    Varchar,
    Bpchar,
    Bytea,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Interval,
    Uuid,
    Json,
    Jsonb,
    Oid,
}

/// The composite (row) types db001 produces. db001 has no `CREATE TYPE`; composites come
/// only from built-in functions that return `record`, so each shape is a variant here and a
/// [`DataType::Record`] stays a small `Copy` value that still knows its fields at bind time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Composite {
    /// `information_schema._pg_expandarray(anyarray)`: `(x element, n integer)`.
    ExpandArray(ElementType),
}

impl Composite {
    /// The fields: names and types, in order.
    pub fn fields(self) -> Vec<(&'static str, DataType)> {
        match self {
            Composite::ExpandArray(element) => {
                vec![("x", element.data_type()), ("n", DataType::Int)]
            }
        }
    }
}

impl ElementType {
    /// The element type of arrays of `data_type`, if PostgreSQL-like arrays of it exist in db001.
    pub fn of(data_type: DataType) -> Option<ElementType> {
        Some(match data_type {
            DataType::Bool => ElementType::Bool,
            DataType::SmallInt => ElementType::SmallInt,
            DataType::Int => ElementType::Int,
            DataType::BigInt => ElementType::BigInt,
            DataType::Real => ElementType::Real,
            DataType::Double => ElementType::Double,
            DataType::Numeric(_) => ElementType::Numeric,
            DataType::Text => ElementType::Text,
            DataType::Varchar(_) => ElementType::Varchar,
            DataType::Bpchar(_) => ElementType::Bpchar,
            DataType::Bytea => ElementType::Bytea,
            DataType::Date => ElementType::Date,
            DataType::Time => ElementType::Time,
            DataType::Timestamp => ElementType::Timestamp,
            DataType::TimestampTz => ElementType::TimestampTz,
            DataType::Interval => ElementType::Interval,
            DataType::Uuid => ElementType::Uuid,
            DataType::Json => ElementType::Json,
            DataType::Jsonb => ElementType::Jsonb,
            DataType::Oid => ElementType::Oid,
            DataType::Array(_)
            | DataType::Int2Vector
            | DataType::OidVector
            | DataType::Record(_)
            | DataType::Unknown => return None,
        })
    }

    /// The element's scalar type.
    pub fn data_type(self) -> DataType {
        match self {
            ElementType::Bool => DataType::Bool,
            ElementType::SmallInt => DataType::SmallInt,
            ElementType::Int => DataType::Int,
            ElementType::BigInt => DataType::BigInt,
            ElementType::Real => DataType::Real,
            ElementType::Double => DataType::Double,
            ElementType::Numeric => DataType::Numeric(None),
            ElementType::Text => DataType::Text,
            ElementType::Varchar => DataType::Varchar(None),
            ElementType::Bpchar => DataType::Bpchar(None),
            ElementType::Bytea => DataType::Bytea,
            ElementType::Date => DataType::Date,
            ElementType::Time => DataType::Time,
            ElementType::Timestamp => DataType::Timestamp,
            ElementType::TimestampTz => DataType::TimestampTz,
            ElementType::Interval => DataType::Interval,
            ElementType::Uuid => DataType::Uuid,
            ElementType::Json => DataType::Json,
            ElementType::Jsonb => DataType::Jsonb,
            ElementType::Oid => DataType::Oid,
        }
    }

    /// Every element type, for tables and tests. The position is the element's number in
    /// the stored row format (`row_codec`): new element types go at the end.
    pub const ALL: [ElementType; 20] = [
        ElementType::Bool,
        ElementType::SmallInt,
        ElementType::Int,
        ElementType::BigInt,
        ElementType::Real,
        ElementType::Double,
        ElementType::Numeric,
        ElementType::Text,
        ElementType::Varchar,
        ElementType::Bpchar,
        ElementType::Bytea,
        ElementType::Date,
        ElementType::Time,
        ElementType::Timestamp,
        ElementType::TimestampTz,
        ElementType::Interval,
        ElementType::Uuid,
        ElementType::Json,
        ElementType::Jsonb,
        ElementType::Oid,
    ];
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

/// PostgreSQL's type categories (`pg_type.typcategory`), which drive implicit-cast preferences
/// in operator and function resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeCategory {
    /// `A`: arrays.
    Array,
    /// `B`: boolean.
    Boolean,
    /// `D`: date and time.
    DateTime,
    /// `N`: numbers.
    Numeric,
    /// `S`: strings.
    String,
    /// `T`: time spans (interval).
    Timespan,
    /// `U`: user-defined and miscellaneous (uuid, bytea, json, jsonb).
    User,
    /// `P`: pseudo-types (`record`).
    Pseudo,
    /// `X`: the unknown type.
    Unknown,
}

impl DataType {
    /// The PostgreSQL type OID.
    pub fn oid(&self) -> Oid {
        match self {
            DataType::Bool => 16,
            DataType::Bytea => 17,
            DataType::SmallInt => 21,
            DataType::Int => 23,
            DataType::BigInt => 20,
            DataType::Text => 25,
            DataType::Json => 114,
            DataType::Real => 700,
            DataType::Double => 701,
            DataType::Unknown => 705,
            DataType::Bpchar(_) => 1042,
            DataType::Varchar(_) => 1043,
            DataType::Date => 1082,
            DataType::Time => 1083,
            DataType::Timestamp => 1114,
            DataType::TimestampTz => 1184,
            DataType::Interval => 1186,
            DataType::Numeric(_) => 1700,
            DataType::Uuid => 2950,
            DataType::Jsonb => 3802,
            DataType::Array(element) => array_oid(*element),
            DataType::Oid => 26,
            DataType::Int2Vector => 22,
            DataType::OidVector => 30,
            DataType::Record(_) => 2249,
        }
    }

    /// The type for a PostgreSQL OID, if db001 supports it. Type modifiers are unknown here.
    pub fn from_oid(oid: Oid) -> Option<DataType> {
        Some(match oid {
            16 => DataType::Bool,
            17 => DataType::Bytea,
            21 => DataType::SmallInt,
            23 => DataType::Int,
            20 => DataType::BigInt,
            25 => DataType::Text,
            114 => DataType::Json,
            700 => DataType::Real,
            701 => DataType::Double,
            705 => DataType::Unknown,
            1042 => DataType::Bpchar(None),
            1043 => DataType::Varchar(None),
            1082 => DataType::Date,
            1083 => DataType::Time,
            1114 => DataType::Timestamp,
            1184 => DataType::TimestampTz,
            1186 => DataType::Interval,
            1700 => DataType::Numeric(None),
            2950 => DataType::Uuid,
            3802 => DataType::Jsonb,
            26 => DataType::Oid,
            22 => DataType::Int2Vector,
            30 => DataType::OidVector,
            other => {
                let element = ElementType::ALL
                    .into_iter()
                    .find(|element| array_oid(*element) == other)?;
                DataType::Array(element)
            }
        })
    }

    /// The `typlen` PostgreSQL reports in RowDescription: fixed size in bytes, or -1.
    pub fn type_len(&self) -> i16 {
        match self {
            DataType::Bool => 1,
            DataType::SmallInt => 2,
            DataType::Int | DataType::Real | DataType::Date | DataType::Oid => 4,
            DataType::BigInt
            | DataType::Double
            | DataType::Timestamp
            | DataType::TimestampTz
            | DataType::Time => 8,
            DataType::Interval | DataType::Uuid => 16,
            DataType::Unknown => -2,
            DataType::Numeric(_)
            | DataType::Text
            | DataType::Varchar(_)
            | DataType::Bpchar(_)
            | DataType::Bytea
            | DataType::Json
            | DataType::Jsonb
            | DataType::Array(_)
            | DataType::Int2Vector
            | DataType::OidVector
            | DataType::Record(_) => -1,
        }
    }

    /// The `atttypmod` PostgreSQL reports: -1 when there is no modifier.
    pub fn type_modifier(&self) -> i32 {
        match self {
            DataType::Varchar(Some(n)) | DataType::Bpchar(Some(n)) => *n as i32 + 4,
            DataType::Numeric(Some(t)) => (((t.precision as i32) << 16) | t.scale as i32) + 4,
            _ => -1,
        }
    }

    /// The same type without a modifier: what an expression over a value of this type yields.
    pub fn without_modifier(&self) -> DataType {
        match self {
            DataType::Varchar(_) => DataType::Varchar(None),
            DataType::Bpchar(_) => DataType::Bpchar(None),
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
                | DataType::Real
                | DataType::Double
                | DataType::Numeric(_)
        )
    }

    /// Whether the type is a string type (text, varchar or char).
    pub fn is_string(&self) -> bool {
        matches!(
            self,
            DataType::Text | DataType::Varchar(_) | DataType::Bpchar(_)
        )
    }

    /// PostgreSQL's type category.
    pub fn category(&self) -> TypeCategory {
        match self {
            DataType::Bool => TypeCategory::Boolean,
            DataType::SmallInt
            | DataType::Int
            | DataType::BigInt
            | DataType::Real
            | DataType::Double
            | DataType::Numeric(_)
            | DataType::Oid => TypeCategory::Numeric,
            DataType::Text | DataType::Varchar(_) | DataType::Bpchar(_) => TypeCategory::String,
            DataType::Date | DataType::Time | DataType::Timestamp | DataType::TimestampTz => {
                TypeCategory::DateTime
            }
            DataType::Interval => TypeCategory::Timespan,
            DataType::Bytea | DataType::Uuid | DataType::Json | DataType::Jsonb => {
                TypeCategory::User
            }
            DataType::Array(_) | DataType::Int2Vector | DataType::OidVector => TypeCategory::Array,
            DataType::Record(_) => TypeCategory::Pseudo,
            DataType::Unknown => TypeCategory::Unknown,
        }
    }

    /// Whether PostgreSQL marks the type preferred within its category (`typispreferred`;
    /// `oid` is, in the numeric category).
    pub fn is_preferred(&self) -> bool {
        matches!(
            self,
            DataType::Bool
                | DataType::Oid
                | DataType::Double
                | DataType::Text
                | DataType::TimestampTz
                | DataType::Interval
        )
    }

    /// The element type when this is an array type (`int2vector` and `oidvector` are).
    pub fn element(&self) -> Option<DataType> {
        self.array_element().map(ElementType::data_type)
    }

    /// The element type of an array type, `int2vector` (`smallint`) or `oidvector` (`oid`).
    pub fn array_element(&self) -> Option<ElementType> {
        match self {
            DataType::Array(element) => Some(*element),
            DataType::Int2Vector => Some(ElementType::SmallInt),
            DataType::OidVector => Some(ElementType::Oid),
            _ => None,
        }
    }

    /// The array type whose elements are of this type, if db001 has it (`int2vector`'s is
    /// PostgreSQL's `_int2vector`, which db001 does not have).
    pub fn array_of(&self) -> Option<DataType> {
        ElementType::of(*self).map(DataType::Array)
    }

    /// PostgreSQL's internal short name (`int4`, `float8`, ...), as pg_type.typname spells it.
    pub fn type_name(&self) -> &'static str {
        match self {
            DataType::Bool => "bool",
            DataType::SmallInt => "int2",
            DataType::Int => "int4",
            DataType::BigInt => "int8",
            DataType::Real => "float4",
            DataType::Double => "float8",
            DataType::Numeric(_) => "numeric",
            DataType::Text => "text",
            DataType::Varchar(_) => "varchar",
            DataType::Bpchar(_) => "bpchar",
            DataType::Bytea => "bytea",
            DataType::Date => "date",
            DataType::Time => "time",
            DataType::Timestamp => "timestamp",
            DataType::TimestampTz => "timestamptz",
            DataType::Interval => "interval",
            DataType::Uuid => "uuid",
            DataType::Json => "json",
            DataType::Jsonb => "jsonb",
            DataType::Array(element) => match element {
                ElementType::Bool => "_bool",
                ElementType::SmallInt => "_int2",
                ElementType::Int => "_int4",
                ElementType::BigInt => "_int8",
                ElementType::Real => "_float4",
                ElementType::Double => "_float8",
                ElementType::Numeric => "_numeric",
                ElementType::Text => "_text",
                ElementType::Varchar => "_varchar",
                ElementType::Bpchar => "_bpchar",
                ElementType::Bytea => "_bytea",
                ElementType::Date => "_date",
                ElementType::Time => "_time",
                ElementType::Timestamp => "_timestamp",
                ElementType::TimestampTz => "_timestamptz",
                ElementType::Interval => "_interval",
                ElementType::Uuid => "_uuid",
                ElementType::Json => "_json",
                ElementType::Jsonb => "_jsonb",
                ElementType::Oid => "_oid",
            },
            DataType::Oid => "oid",
            DataType::Int2Vector => "int2vector",
            DataType::OidVector => "oidvector",
            DataType::Record(_) => "record",
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
            DataType::Real => "real",
            DataType::Double => "double precision",
            DataType::Numeric(_) => "numeric",
            DataType::Text => "text",
            DataType::Varchar(_) => "character varying",
            DataType::Bpchar(_) => "character",
            DataType::Bytea => "bytea",
            DataType::Date => "date",
            DataType::Time => "time without time zone",
            DataType::Timestamp => "timestamp without time zone",
            DataType::TimestampTz => "timestamp with time zone",
            DataType::Interval => "interval",
            DataType::Uuid => "uuid",
            DataType::Json => "json",
            DataType::Jsonb => "jsonb",
            DataType::Array(element) => match element {
                ElementType::Bool => "boolean[]",
                ElementType::SmallInt => "smallint[]",
                ElementType::Int => "integer[]",
                ElementType::BigInt => "bigint[]",
                ElementType::Real => "real[]",
                ElementType::Double => "double precision[]",
                ElementType::Numeric => "numeric[]",
                ElementType::Text => "text[]",
                ElementType::Varchar => "character varying[]",
                ElementType::Bpchar => "character[]",
                ElementType::Bytea => "bytea[]",
                ElementType::Date => "date[]",
                ElementType::Time => "time without time zone[]",
                ElementType::Timestamp => "timestamp without time zone[]",
                ElementType::TimestampTz => "timestamp with time zone[]",
                ElementType::Interval => "interval[]",
                ElementType::Uuid => "uuid[]",
                ElementType::Json => "json[]",
                ElementType::Jsonb => "jsonb[]",
                ElementType::Oid => "oid[]",
            },
            DataType::Oid => "oid",
            DataType::Int2Vector => "int2vector",
            DataType::OidVector => "oidvector",
            DataType::Record(_) => "record",
            DataType::Unknown => "unknown",
        }
    }
}

/// The OID of the array type over `element` (`pg_type.typarray`).
fn array_oid(element: ElementType) -> Oid {
    match element {
        ElementType::Bool => 1000,
        ElementType::Bytea => 1001,
        ElementType::SmallInt => 1005,
        ElementType::Int => 1007,
        ElementType::Text => 1009,
        ElementType::Bpchar => 1014,
        ElementType::Varchar => 1015,
        ElementType::BigInt => 1016,
        ElementType::Real => 1021,
        ElementType::Double => 1022,
        ElementType::Timestamp => 1115,
        ElementType::Date => 1182,
        ElementType::Time => 1183,
        ElementType::TimestampTz => 1185,
        ElementType::Interval => 1187,
        ElementType::Numeric => 1231,
        ElementType::Json => 199,
        ElementType::Uuid => 2951,
        ElementType::Jsonb => 3807,
        ElementType::Oid => 1028,
    }
}

/// Formats the type as `format_type()` does: `character varying(20)`, `numeric(12,2)`,
/// `character(3)`, `bpchar` (no length), `integer[]`, ...
impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataType::Varchar(Some(n)) => write!(f, "character varying({n})"),
            DataType::Bpchar(Some(n)) => write!(f, "character({n})"),
            DataType::Bpchar(None) => f.write_str("bpchar"),
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
        let mut types = vec![
            DataType::Bool,
            DataType::SmallInt,
            DataType::Int,
            DataType::BigInt,
            DataType::Real,
            DataType::Double,
            DataType::Numeric(None),
            DataType::Text,
            DataType::Varchar(None),
            DataType::Bpchar(None),
            DataType::Bytea,
            DataType::Date,
            DataType::Time,
            DataType::Timestamp,
            DataType::TimestampTz,
            DataType::Interval,
            DataType::Uuid,
            DataType::Json,
            DataType::Jsonb,
            DataType::Oid,
            DataType::Int2Vector,
            DataType::OidVector,
        ];
        types.extend(ElementType::ALL.map(DataType::Array));
        for t in types {
            assert_eq!(DataType::from_oid(t.oid()), Some(t), "{t}");
            if let DataType::Array(element) = t {
                assert_eq!(element.data_type().array_of(), Some(t));
            }
        }
        assert_eq!(DataType::Array(ElementType::Int).oid(), 1007);
        assert_eq!(
            DataType::from_oid(1009),
            Some(DataType::Array(ElementType::Text))
        );
        assert_eq!(DataType::Oid.oid(), 26);
        assert_eq!(DataType::Array(ElementType::Oid).oid(), 1028);
        assert_eq!(DataType::Int2Vector.element(), Some(DataType::SmallInt));
        assert_eq!(DataType::OidVector.element(), Some(DataType::Oid));
    }

    #[test]
    fn typmods_match_postgres() {
        // PostgreSQL: varchar(20) has atttypmod 24; numeric(12,2) has 786438; char(3) has 7.
        assert_eq!(DataType::Varchar(Some(20)).type_modifier(), 24);
        assert_eq!(DataType::Bpchar(Some(3)).type_modifier(), 7);
        let numeric = DataType::Numeric(Some(NumericTypmod {
            precision: 12,
            scale: 2,
        }));
        assert_eq!(numeric.type_modifier(), 786438);
        assert_eq!(numeric.to_string(), "numeric(12,2)");
        assert_eq!(DataType::Bpchar(Some(3)).to_string(), "character(3)");
        assert_eq!(DataType::Bpchar(None).to_string(), "bpchar");
        assert_eq!(
            DataType::Array(ElementType::TimestampTz).to_string(),
            "timestamp with time zone[]"
        );
    }
}
