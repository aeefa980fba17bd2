//! The signatures of the built-in functions with fixed argument types, as PostgreSQL 15's
//! `pg_proc` lists them (`\df name` in psql): one entry per overload, with its result type.
//! Overloads db001 knows but cannot compute exactly are listed as unsupported, so a call that
//! resolves to them fails with 0A000 instead of resolving to a different overload than
//! PostgreSQL would.
//!
//! Polymorphic and variadic functions (`concat`, `to_json`, `array_length`, `coalesce`, ...)
//! are bound in `functions` and `arrays`, not here.

use db001_common::DataType;

use crate::builtin::{Builtin, DateTimeFunction, JsonFunction, MathFunction, StringFunction};
use crate::plan::Function;

/// One overload.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signature {
    pub(crate) parameters: &'static [DataType],
    pub(crate) result: DataType,
    /// `None`: PostgreSQL has this overload; db001 does not compute it (0A000).
    pub(crate) function: Option<Function>,
}

const BOOL: DataType = DataType::Bool;
const SMALLINT: DataType = DataType::SmallInt;
const INT: DataType = DataType::Int;
const BIGINT: DataType = DataType::BigInt;
const REAL: DataType = DataType::Real;
const DOUBLE: DataType = DataType::Double;
const NUMERIC: DataType = DataType::Numeric(None);
const TEXT: DataType = DataType::Text;
const BPCHAR: DataType = DataType::Bpchar(None);
const BYTEA: DataType = DataType::Bytea;
const DATE: DataType = DataType::Date;
const TIME: DataType = DataType::Time;
const TIMESTAMP: DataType = DataType::Timestamp;
const TIMESTAMPTZ: DataType = DataType::TimestampTz;
const INTERVAL: DataType = DataType::Interval;
const UUID: DataType = DataType::Uuid;
const JSON: DataType = DataType::Json;
const JSONB: DataType = DataType::Jsonb;

const fn of(parameters: &'static [DataType], result: DataType, function: Function) -> Signature {
    Signature {
        parameters,
        result,
        function: Some(function),
    }
}

const fn unsupported(parameters: &'static [DataType], result: DataType) -> Signature {
    Signature {
        parameters,
        result,
        function: None,
    }
}

const fn string(function: StringFunction) -> Function {
    Function::Builtin(Builtin::String(function))
}

const fn math(function: MathFunction) -> Function {
    Function::Builtin(Builtin::Math(function))
}

const fn datetime(function: DateTimeFunction) -> Function {
    Function::Builtin(Builtin::DateTime(function))
}

const fn json(function: JsonFunction) -> Function {
    Function::Builtin(Builtin::Json(function))
}

use DateTimeFunction as D;
use JsonFunction as J;
use MathFunction as M;
use StringFunction as S;

const LENGTH: &[Signature] = &[
    of(&[TEXT], INT, Function::Length),
    of(&[BPCHAR], INT, string(S::BpcharLength)),
    of(&[BYTEA], INT, string(S::ByteaLength)),
];
const CHAR_LENGTH: &[Signature] = &[
    of(&[TEXT], INT, Function::Length),
    of(&[BPCHAR], INT, string(S::BpcharLength)),
];
const OCTET_LENGTH: &[Signature] = &[
    of(&[TEXT], INT, string(S::OctetLength)),
    of(&[BPCHAR], INT, string(S::OctetLength)),
    of(&[BYTEA], INT, string(S::OctetLength)),
];
const BIT_LENGTH: &[Signature] = &[
    of(&[TEXT], INT, string(S::BitLength)),
    of(&[BYTEA], INT, string(S::BitLength)),
];
const SUBSTRING: &[Signature] = &[
    of(&[TEXT, INT], TEXT, string(S::Substring)),
    of(&[TEXT, INT, INT], TEXT, string(S::Substring)),
    of(&[BYTEA, INT], BYTEA, string(S::ByteaSubstring)),
    of(&[BYTEA, INT, INT], BYTEA, string(S::ByteaSubstring)),
    // Regular-expression substrings.
    unsupported(&[TEXT, TEXT], TEXT),
    unsupported(&[TEXT, TEXT, TEXT], TEXT),
];
const SUBSTR: &[Signature] = &[
    of(&[TEXT, INT], TEXT, string(S::Substring)),
    of(&[TEXT, INT, INT], TEXT, string(S::Substring)),
    of(&[BYTEA, INT], BYTEA, string(S::ByteaSubstring)),
    of(&[BYTEA, INT, INT], BYTEA, string(S::ByteaSubstring)),
];
const TRIMS: [&[Signature]; 3] = [
    &[
        of(&[TEXT], TEXT, string(S::Trim)),
        of(&[TEXT, TEXT], TEXT, string(S::Trim)),
        unsupported(&[BYTEA, BYTEA], BYTEA),
    ],
    &[
        of(&[TEXT], TEXT, string(S::LeftTrim)),
        of(&[TEXT, TEXT], TEXT, string(S::LeftTrim)),
        unsupported(&[BYTEA, BYTEA], BYTEA),
    ],
    &[
        of(&[TEXT], TEXT, string(S::RightTrim)),
        of(&[TEXT, TEXT], TEXT, string(S::RightTrim)),
        unsupported(&[BYTEA, BYTEA], BYTEA),
    ],
];
const PADS: [&[Signature]; 2] = [
    &[
        of(&[TEXT, INT], TEXT, string(S::LeftPad)),
        of(&[TEXT, INT, TEXT], TEXT, string(S::LeftPad)),
    ],
    &[
        of(&[TEXT, INT], TEXT, string(S::RightPad)),
        of(&[TEXT, INT, TEXT], TEXT, string(S::RightPad)),
    ],
];
const ROUND: &[Signature] = &[
    of(&[DOUBLE], DOUBLE, Function::Round),
    of(&[NUMERIC], NUMERIC, Function::Round),
    of(&[NUMERIC, INT], NUMERIC, Function::Round),
];
const TRUNC: &[Signature] = &[
    of(&[DOUBLE], DOUBLE, Function::Trunc),
    of(&[NUMERIC], NUMERIC, Function::Trunc),
    of(&[NUMERIC, INT], NUMERIC, Function::Trunc),
];
const FLOOR: &[Signature] = &[
    of(&[DOUBLE], DOUBLE, Function::Floor),
    of(&[NUMERIC], NUMERIC, Function::Floor),
];
const CEIL: &[Signature] = &[
    of(&[DOUBLE], DOUBLE, Function::Ceil),
    of(&[NUMERIC], NUMERIC, Function::Ceil),
];
const ABS: &[Signature] = &[
    of(&[SMALLINT], SMALLINT, Function::Abs),
    of(&[INT], INT, Function::Abs),
    of(&[BIGINT], BIGINT, Function::Abs),
    of(&[REAL], REAL, Function::Abs),
    of(&[DOUBLE], DOUBLE, Function::Abs),
    of(&[NUMERIC], NUMERIC, Function::Abs),
];
const MOD: &[Signature] = &[
    of(&[SMALLINT, SMALLINT], SMALLINT, math(M::Mod)),
    of(&[INT, INT], INT, math(M::Mod)),
    of(&[BIGINT, BIGINT], BIGINT, math(M::Mod)),
    of(&[NUMERIC, NUMERIC], NUMERIC, math(M::Mod)),
];
const POWER: &[Signature] = &[
    of(&[DOUBLE, DOUBLE], DOUBLE, math(M::Power)),
    of(&[NUMERIC, NUMERIC], NUMERIC, math(M::NumericPower)),
];
const SQRT: &[Signature] = &[
    of(&[DOUBLE], DOUBLE, math(M::Sqrt)),
    of(&[NUMERIC], NUMERIC, math(M::NumericSqrt)),
];
const EXP: &[Signature] = &[
    of(&[DOUBLE], DOUBLE, math(M::Exp)),
    unsupported(&[NUMERIC], NUMERIC),
];
const LN: &[Signature] = &[
    of(&[DOUBLE], DOUBLE, math(M::Ln)),
    unsupported(&[NUMERIC], NUMERIC),
];
const LOG: &[Signature] = &[
    of(&[DOUBLE], DOUBLE, math(M::Log10)),
    unsupported(&[NUMERIC], NUMERIC),
    unsupported(&[NUMERIC, NUMERIC], NUMERIC),
];
const LOG10: &[Signature] = &[
    of(&[DOUBLE], DOUBLE, math(M::Log10)),
    unsupported(&[NUMERIC], NUMERIC),
];
const SIGN: &[Signature] = &[
    of(&[DOUBLE], DOUBLE, math(M::Sign)),
    of(&[NUMERIC], NUMERIC, math(M::Sign)),
];
const GCD: &[Signature] = &[
    of(&[INT, INT], INT, math(M::Gcd)),
    of(&[BIGINT, BIGINT], BIGINT, math(M::Gcd)),
    of(&[NUMERIC, NUMERIC], NUMERIC, math(M::Gcd)),
];
const LCM: &[Signature] = &[
    of(&[INT, INT], INT, math(M::Lcm)),
    of(&[BIGINT, BIGINT], BIGINT, math(M::Lcm)),
    of(&[NUMERIC, NUMERIC], NUMERIC, math(M::Lcm)),
];
const WIDTH_BUCKET: &[Signature] = &[
    of(&[DOUBLE, DOUBLE, DOUBLE, INT], INT, math(M::WidthBucket)),
    of(&[NUMERIC, NUMERIC, NUMERIC, INT], INT, math(M::WidthBucket)),
];
const DATE_PART: &[Signature] = &[
    of(&[TEXT, DATE], DOUBLE, datetime(D::DatePart)),
    of(&[TEXT, TIME], DOUBLE, datetime(D::DatePart)),
    of(&[TEXT, TIMESTAMP], DOUBLE, datetime(D::DatePart)),
    of(&[TEXT, TIMESTAMPTZ], DOUBLE, datetime(D::DatePart)),
    of(&[TEXT, INTERVAL], DOUBLE, datetime(D::DatePart)),
];
const EXTRACT: &[Signature] = &[
    of(&[TEXT, DATE], NUMERIC, datetime(D::Extract)),
    of(&[TEXT, TIME], NUMERIC, datetime(D::Extract)),
    of(&[TEXT, TIMESTAMP], NUMERIC, datetime(D::Extract)),
    of(&[TEXT, TIMESTAMPTZ], NUMERIC, datetime(D::Extract)),
    of(&[TEXT, INTERVAL], NUMERIC, datetime(D::Extract)),
];
const DATE_TRUNC: &[Signature] = &[
    of(&[TEXT, TIMESTAMP], TIMESTAMP, datetime(D::DateTrunc)),
    of(&[TEXT, TIMESTAMPTZ], TIMESTAMPTZ, datetime(D::DateTrunc)),
    of(&[TEXT, INTERVAL], INTERVAL, datetime(D::DateTrunc)),
    unsupported(&[TEXT, TIMESTAMPTZ, TEXT], TIMESTAMPTZ),
];
const AGE: &[Signature] = &[
    of(&[TIMESTAMP], INTERVAL, datetime(D::AgeFromToday)),
    of(&[TIMESTAMPTZ], INTERVAL, datetime(D::AgeFromToday)),
    of(&[TIMESTAMP, TIMESTAMP], INTERVAL, datetime(D::Age)),
    of(&[TIMESTAMPTZ, TIMESTAMPTZ], INTERVAL, datetime(D::Age)),
];
const TO_CHAR: &[Signature] = &[
    of(&[TIMESTAMP, TEXT], TEXT, datetime(D::ToChar)),
    of(&[TIMESTAMPTZ, TEXT], TEXT, datetime(D::ToChar)),
    of(&[INTERVAL, TEXT], TEXT, datetime(D::ToChar)),
    of(&[INT, TEXT], TEXT, math(M::ToChar)),
    of(&[BIGINT, TEXT], TEXT, math(M::ToChar)),
    of(&[REAL, TEXT], TEXT, math(M::ToChar)),
    of(&[DOUBLE, TEXT], TEXT, math(M::ToChar)),
    of(&[NUMERIC, TEXT], TEXT, math(M::ToChar)),
];
const TO_TIMESTAMP: &[Signature] = &[
    of(&[TEXT, TEXT], TIMESTAMPTZ, datetime(D::ToTimestamp)),
    of(&[DOUBLE], TIMESTAMPTZ, datetime(D::ToTimestampEpoch)),
];
const MAKE_INTERVAL: &[Signature] = &[
    of(&[INT], INTERVAL, datetime(D::MakeInterval)),
    of(&[INT, INT], INTERVAL, datetime(D::MakeInterval)),
    of(&[INT, INT, INT], INTERVAL, datetime(D::MakeInterval)),
    of(&[INT, INT, INT, INT], INTERVAL, datetime(D::MakeInterval)),
    of(
        &[INT, INT, INT, INT, INT],
        INTERVAL,
        datetime(D::MakeInterval),
    ),
    of(
        &[INT, INT, INT, INT, INT, INT],
        INTERVAL,
        datetime(D::MakeInterval),
    ),
    of(
        &[INT, INT, INT, INT, INT, INT, DOUBLE],
        INTERVAL,
        datetime(D::MakeInterval),
    ),
];
const ISFINITE: &[Signature] = &[
    of(&[DATE], BOOL, datetime(D::IsFinite)),
    of(&[TIMESTAMP], BOOL, datetime(D::IsFinite)),
    of(&[TIMESTAMPTZ], BOOL, datetime(D::IsFinite)),
    of(&[INTERVAL], BOOL, datetime(D::IsFinite)),
];
const TIMEZONE: &[Signature] = &[
    of(
        &[TEXT, TIMESTAMP],
        TIMESTAMPTZ,
        datetime(D::TimezoneOfTimestamp),
    ),
    of(
        &[TEXT, TIMESTAMPTZ],
        TIMESTAMP,
        datetime(D::TimezoneOfTimestampTz),
    ),
    of(
        &[INTERVAL, TIMESTAMP],
        TIMESTAMPTZ,
        datetime(D::TimezoneOfTimestamp),
    ),
    of(
        &[INTERVAL, TIMESTAMPTZ],
        TIMESTAMP,
        datetime(D::TimezoneOfTimestampTz),
    ),
];
const NOW: &[Signature] = &[of(&[], TIMESTAMPTZ, datetime(D::Now))];
const MD5: &[Signature] = &[
    of(&[TEXT], TEXT, string(S::Md5)),
    of(&[BYTEA], TEXT, string(S::Md5)),
];
const TO_HEX: &[Signature] = &[
    of(&[INT], TEXT, string(S::ToHex)),
    of(&[BIGINT], TEXT, string(S::ToHex)),
];
const JUSTIFY: [&[Signature]; 3] = [
    &[of(&[INTERVAL], INTERVAL, datetime(D::JustifyDays))],
    &[of(&[INTERVAL], INTERVAL, datetime(D::JustifyHours))],
    &[of(&[INTERVAL], INTERVAL, datetime(D::JustifyInterval))],
];

/// Shorthand for a function with one overload.
macro_rules! one {
    ([$($parameter:expr),*], $result:expr, $function:expr) => {{
        const SIGNATURES: &[Signature] = &[of(&[$($parameter),*], $result, $function)];
        SIGNATURES
    }};
}

/// The fixed-type overloads of a function name (empty when it has none).
pub(crate) fn of_name(name: &str) -> &'static [Signature] {
    match name {
        "length" => LENGTH,
        "char_length" | "character_length" => CHAR_LENGTH,
        "octet_length" => OCTET_LENGTH,
        "bit_length" => BIT_LENGTH,
        "lower" => one!([TEXT], TEXT, Function::Lower),
        "upper" => one!([TEXT], TEXT, Function::Upper),
        "initcap" => one!([TEXT], TEXT, string(S::Initcap)),
        "substring" => SUBSTRING,
        "substr" => SUBSTR,
        "position" | "strpos" => one!([TEXT, TEXT], INT, string(S::Position)),
        "btrim" => TRIMS[0],
        "ltrim" => TRIMS[1],
        "rtrim" => TRIMS[2],
        "replace" => one!([TEXT, TEXT, TEXT], TEXT, string(S::Replace)),
        "left" => one!([TEXT, INT], TEXT, string(S::Left)),
        "right" => one!([TEXT, INT], TEXT, string(S::Right)),
        "lpad" => PADS[0],
        "rpad" => PADS[1],
        "split_part" => one!([TEXT, TEXT, INT], TEXT, string(S::SplitPart)),
        "repeat" => one!([TEXT, INT], TEXT, string(S::Repeat)),
        "reverse" => one!([TEXT], TEXT, string(S::Reverse)),
        "starts_with" => one!([TEXT, TEXT], BOOL, string(S::StartsWith)),
        "md5" => MD5,
        "sha256" => one!([BYTEA], BYTEA, string(S::Sha256)),
        "ascii" => one!([TEXT], INT, string(S::Ascii)),
        "chr" => one!([INT], TEXT, string(S::Chr)),
        "translate" => one!([TEXT, TEXT, TEXT], TEXT, string(S::Translate)),
        "to_hex" => TO_HEX,
        "encode" => one!([BYTEA, TEXT], TEXT, string(S::Encode)),
        "decode" => one!([TEXT, TEXT], BYTEA, string(S::Decode)),
        "quote_ident" => one!([TEXT], TEXT, string(S::QuoteIdent)),
        "quote_literal" => one!([TEXT], TEXT, string(S::QuoteLiteral)),
        "abs" => ABS,
        "round" => ROUND,
        "trunc" => TRUNC,
        "floor" => FLOOR,
        "ceil" | "ceiling" => CEIL,
        "mod" => MOD,
        "power" | "pow" => POWER,
        "sqrt" => SQRT,
        "cbrt" => one!([DOUBLE], DOUBLE, math(M::Cbrt)),
        "exp" => EXP,
        "ln" => LN,
        "log" => LOG,
        "log10" => LOG10,
        "sign" => SIGN,
        "pi" => one!([], DOUBLE, math(M::Pi)),
        "degrees" => one!([DOUBLE], DOUBLE, math(M::Degrees)),
        "radians" => one!([DOUBLE], DOUBLE, math(M::Radians)),
        "div" => one!([NUMERIC, NUMERIC], NUMERIC, math(M::Div)),
        "gcd" => GCD,
        "lcm" => LCM,
        "scale" => one!([NUMERIC], INT, math(M::Scale)),
        "width_bucket" => WIDTH_BUCKET,
        "random" => one!([], DOUBLE, Function::Random),
        "now" | "current_timestamp" | "transaction_timestamp" | "statement_timestamp" => NOW,
        "clock_timestamp" => one!([], TIMESTAMPTZ, datetime(D::ClockTimestamp)),
        "current_date" => one!([], DATE, datetime(D::CurrentDate)),
        "localtimestamp" => one!([], TIMESTAMP, datetime(D::LocalTimestamp)),
        "localtime" => one!([], TIME, datetime(D::LocalTime)),
        "date_part" => DATE_PART,
        "extract" => EXTRACT,
        "date_trunc" => DATE_TRUNC,
        "age" => AGE,
        "to_char" => TO_CHAR,
        "to_timestamp" => TO_TIMESTAMP,
        "to_date" => one!([TEXT, TEXT], DATE, datetime(D::ToDate)),
        "justify_days" => JUSTIFY[0],
        "justify_hours" => JUSTIFY[1],
        "justify_interval" => JUSTIFY[2],
        "make_date" => one!([INT, INT, INT], DATE, datetime(D::MakeDate)),
        "make_time" => one!([INT, INT, DOUBLE], TIME, datetime(D::MakeTime)),
        "make_timestamp" => one!(
            [INT, INT, INT, INT, INT, DOUBLE],
            TIMESTAMP,
            datetime(D::MakeTimestamp)
        ),
        "make_interval" => MAKE_INTERVAL,
        "isfinite" => ISFINITE,
        "timezone" => TIMEZONE,
        "gen_random_uuid" => one!([], UUID, Function::Builtin(Builtin::GenRandomUuid)),
        "json_typeof" => one!([JSON], TEXT, json(J::JsonTypeof)),
        "jsonb_typeof" => one!([JSONB], TEXT, json(J::JsonbTypeof)),
        "json_array_length" => one!([JSON], INT, json(J::JsonArrayLength)),
        "jsonb_array_length" => one!([JSONB], INT, json(J::JsonbArrayLength)),
        "jsonb_contains" => one!([JSONB, JSONB], BOOL, json(J::JsonbContains)),
        "jsonb_exists" => one!([JSONB, TEXT], BOOL, json(J::JsonbExists)),
        "jsonb_strip_nulls" => one!([JSONB], JSONB, json(J::JsonbStripNulls)),
        "jsonb_pretty" => one!([JSONB], TEXT, json(J::JsonbPretty)),
        _ => &[],
    }
}
