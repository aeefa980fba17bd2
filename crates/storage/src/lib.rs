//! Tables of multi-version rows and their B+Tree indexes.
