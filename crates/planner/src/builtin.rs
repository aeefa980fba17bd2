//! The built-in function library as the plan names it.
//!
//! The binder resolves a call (`lpad(x, 5)`, `x -> 'k'`, `ARRAY[1, 2]`, `now()`) to one
//! [`Builtin`] with PostgreSQL's overload rules (see `binder::functions`); the executor's
//! `library` module implements each. Functions are grouped by the type family they work on,
//! which is also how the executor's modules are split.
//!
//! Most functions are *strict*, as in PostgreSQL: a NULL argument gives NULL without the
//! function running. [`Builtin::is_strict`] lists the exceptions.

use db001_common::ElementType;

use crate::plan::BinaryOp;

/// A resolved built-in function or operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    String(StringFunction),
    Math(MathFunction),
    DateTime(DateTimeFunction),
    Json(JsonFunction),
    Array(ArrayFunction),
    /// `gen_random_uuid()`.
    GenRandomUuid,
    /// Functions the engine answers from the session and catalog (`crate::system`).
    System(crate::system::SystemFunction),
    /// `text ~ pattern` and its variants: POSIX regular expressions.
    RegexMatch {
        case_insensitive: bool,
        negated: bool,
    },
    /// `nextval`, `currval`, `setval`, `lastval`: the sequence is the first argument, as its
    /// id (a `bigint` literal the binder resolved the name to).
    Sequence(SequenceFunction),
    /// `(record).field`: the field at `index` of a composite value (see `binder::records`).
    Field {
        index: usize,
    },
}

/// Sequence functions (see `binder::sequences`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceFunction {
    /// `nextval(sequence)`.
    NextValue,
    /// `currval(sequence)`.
    CurrentValue,
    /// `setval(sequence, value)` and `setval(sequence, value, is_called)`.
    SetValue,
    /// `lastval()`.
    LastValue,
}

/// Functions of strings and byte strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringFunction {
    /// `length(text)`, `char_length`: characters.
    Length,
    /// `length(character)`: characters without trailing spaces.
    BpcharLength,
    /// `length(bytea)`.
    ByteaLength,
    /// `octet_length(text | character | bytea)`: bytes, padding included.
    OctetLength,
    /// `bit_length(text | bytea)`.
    BitLength,
    Lower,
    Upper,
    Initcap,
    /// `substring(text, from [, count])` / `substr`.
    Substring,
    /// `substring(bytea, from [, count])`.
    ByteaSubstring,
    /// `position(substring IN string)` / `strpos(string, substring)`: arguments are
    /// (string, substring).
    Position,
    /// `btrim(text [, characters])`.
    Trim,
    LeftTrim,
    RightTrim,
    Replace,
    /// `concat(variadic "any")`.
    Concat,
    /// `concat_ws(separator, variadic "any")`.
    ConcatWithSeparator,
    Left,
    Right,
    LeftPad,
    RightPad,
    SplitPart,
    Repeat,
    Reverse,
    StartsWith,
    /// `md5(text | bytea)`.
    Md5,
    /// `sha256(bytea)`.
    Sha256,
    Ascii,
    Chr,
    Translate,
    /// `to_hex(integer | bigint)`.
    ToHex,
    /// `format(text, variadic "any")` with `%s`, `%I`, `%L`, `%%`.
    Format,
    /// `encode(bytea, text)`.
    Encode,
    /// `decode(text, text)`.
    Decode,
    /// `quote_ident(text)`.
    QuoteIdent,
    /// `quote_literal(text)`.
    QuoteLiteral,
}

/// Mathematical functions (the original `Function::Abs`, `Round`, ... stay where they were).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MathFunction {
    /// `mod(a, b)` for integers and numeric: `a % b`.
    Mod,
    /// `power` / `pow` in double precision.
    Power,
    /// `power(numeric, numeric)`.
    NumericPower,
    /// `sqrt(double precision)`.
    Sqrt,
    /// `sqrt(numeric)`.
    NumericSqrt,
    Cbrt,
    Exp,
    /// `ln(double precision)`.
    Ln,
    /// `log(double precision)` / `log10`: base 10.
    Log10,
    /// `sign(double precision | numeric)`.
    Sign,
    Pi,
    Degrees,
    Radians,
    /// `div(numeric, numeric)`: the truncated quotient.
    Div,
    /// `gcd(a, b)` for integers.
    Gcd,
    /// `lcm(a, b)` for integers.
    Lcm,
    /// `scale(numeric)`.
    Scale,
    /// `to_char(number, format)`.
    ToChar,
    /// `width_bucket(operand, low, high, count)` in double precision or numeric.
    WidthBucket,
}

/// Date and time functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateTimeFunction {
    /// `now()`, `current_timestamp`, `transaction_timestamp()`, `statement_timestamp()`:
    /// the transaction's start.
    Now,
    /// `clock_timestamp()`: the wall clock at the call.
    ClockTimestamp,
    /// `current_date`.
    CurrentDate,
    /// `localtimestamp`.
    LocalTimestamp,
    /// `localtime`.
    LocalTime,
    /// `date_part(text, source)`: double precision.
    DatePart,
    /// `extract(field FROM source)`: numeric.
    Extract,
    /// `date_trunc(text, timestamp | timestamptz | interval)`.
    DateTrunc,
    /// `age(timestamp, timestamp)`.
    Age,
    /// `age(timestamp)`: from midnight today.
    AgeFromToday,
    /// `to_char(timestamp | timestamptz | interval, text)`.
    ToChar,
    /// `to_timestamp(text, text)`.
    ToTimestamp,
    /// `to_timestamp(double precision)`: Unix epoch seconds.
    ToTimestampEpoch,
    /// `to_date(text, text)`.
    ToDate,
    JustifyDays,
    JustifyHours,
    JustifyInterval,
    /// `make_date(year, month, day)`.
    MakeDate,
    /// `make_time(hour, min, sec)`.
    MakeTime,
    /// `make_timestamp(year, month, day, hour, min, sec)`.
    MakeTimestamp,
    /// `make_interval(years, months, weeks, days, hours, mins, secs)` (positional).
    MakeInterval,
    /// `isfinite(date | timestamp | timestamptz | interval)`.
    IsFinite,
    /// `timezone(zone, timestamp)`: `timestamp AT TIME ZONE zone` gives timestamptz.
    TimezoneOfTimestamp,
    /// `timezone(zone, timestamptz)`: `timestamptz AT TIME ZONE zone` gives timestamp.
    TimezoneOfTimestampTz,
}

/// JSON functions and operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonFunction {
    /// `json -> text | integer`.
    JsonGet,
    /// `json ->> text | integer`.
    JsonGetText,
    /// `jsonb -> text | integer`.
    JsonbGet,
    /// `jsonb ->> text | integer`.
    JsonbGetText,
    /// `json_extract_path(json, variadic text)` (`#>`).
    JsonExtractPath,
    JsonExtractPathText,
    /// `jsonb_extract_path(jsonb, variadic text)` (`#>`).
    JsonbExtractPath,
    JsonbExtractPathText,
    /// `jsonb @> jsonb` / `jsonb_contains`.
    JsonbContains,
    /// `jsonb ? text` / `jsonb_exists`.
    JsonbExists,
    JsonTypeof,
    JsonbTypeof,
    JsonArrayLength,
    JsonbArrayLength,
    ToJson,
    ToJsonb,
    JsonBuildObject,
    JsonbBuildObject,
    JsonBuildArray,
    JsonbBuildArray,
    JsonbStripNulls,
    JsonbPretty,
}

/// Array constructors, operators and functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayFunction {
    /// `ARRAY[...]` of this element type.
    Construct(ElementType),
    /// `value op ANY (array)` / `value op ALL (array)`.
    Quantified {
        op: BinaryOp,
        all: bool,
    },
    /// `array[index]`.
    Subscript,
    /// `array_length(array, dimension)`.
    Length,
    Cardinality,
    /// `array_lower(array, dimension)`.
    Lower,
    /// `array_upper(array, dimension)`.
    Upper,
    Ndims,
    /// `array_to_string(array, separator [, null_text])`.
    ToString,
    /// `string_to_array(text, separator [, null_text])`.
    FromString,
    Append,
    Prepend,
    Cat,
    /// `array_position(array, value)`.
    Position,
    /// `array_remove(array, value)`.
    Remove,
    /// `array @> array`: every element of the second is in the first.
    Contains,
}

impl Builtin {
    /// Whether a NULL argument makes the result NULL without calling the function.
    pub fn is_strict(&self) -> bool {
        if let Builtin::System(function) = self {
            return function.is_strict();
        }
        !matches!(
            self,
            Builtin::String(
                StringFunction::Concat
                    | StringFunction::ConcatWithSeparator
                    | StringFunction::Format
            ) | Builtin::Json(
                JsonFunction::JsonBuildObject
                    | JsonFunction::JsonbBuildObject
                    | JsonFunction::JsonBuildArray
                    | JsonFunction::JsonbBuildArray
            ) | Builtin::Array(
                ArrayFunction::Construct(_)
                    | ArrayFunction::Quantified { .. }
                    | ArrayFunction::ToString
                    | ArrayFunction::FromString
                    | ArrayFunction::Append
                    | ArrayFunction::Prepend
                    | ArrayFunction::Cat
                    | ArrayFunction::Position
                    | ArrayFunction::Remove
            ) | Builtin::GenRandomUuid
                | Builtin::DateTime(
                    DateTimeFunction::Now
                        | DateTimeFunction::ClockTimestamp
                        | DateTimeFunction::CurrentDate
                        | DateTimeFunction::LocalTimestamp
                        | DateTimeFunction::LocalTime
                )
        )
    }

    /// Whether the function's result may differ between calls with the same arguments within
    /// one statement (so the planner must not fold it into a constant).
    pub fn is_volatile(&self) -> bool {
        matches!(
            self,
            Builtin::GenRandomUuid
                | Builtin::DateTime(DateTimeFunction::ClockTimestamp)
                | Builtin::Sequence(_)
        )
    }
}
