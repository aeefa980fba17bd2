//! An in-memory B+Tree with ordered range scans.
