//! Physical operators and expression evaluation.
