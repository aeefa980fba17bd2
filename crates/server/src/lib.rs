//! The db001 server binary.
