//! The write-ahead log: record format, segments, group commit, recovery reading.
