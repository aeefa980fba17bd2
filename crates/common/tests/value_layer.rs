//! Tests of db001-common's value layer against PostgreSQL 15's behaviour.
//!
//! The case tables under `tests/cases/` were produced by a real PostgreSQL 15 with
//! `tests/cases/regenerate.sh`; the other modules pin formats, codecs and properties.

mod value_layer {
    pub mod binary;
    pub mod cases;
    pub mod codecs;
    pub mod compare;
    pub mod new_types;
    pub mod numeric;
    pub mod support;
}
