//! YCSB driver and criterion micro-benchmarks.
