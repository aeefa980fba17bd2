//! An in-memory B+Tree: the ordered map behind every primary key, unique and secondary index.
//!
//! Index keys are order-preserving encoded byte strings (each ending in an 8-byte row id, so they
//! are unique) and values are small (`u64` row ids or `()`), but the tree is generic over both.
//! [`BPlusTree`] offers the `BTreeMap` operations an index needs — `insert` (replacing),
//! `get`, `remove`, `range` and `iter` as double-ended iterators, `first`, `last` — plus
//! [`prefix_range`] / [`BPlusTree::range_prefix`] for prefix scans over byte keys, a structural
//! checker ([`BPlusTree::check_invariants`]) and an O(1) [`BPlusTree::memory_bytes`] for metrics.
//! [`InlineKey`] is an optional key type for encoded byte keys that keeps short keys inside the
//! node, which roughly halves lookup time against `Vec<u8>` keys (see its module docs).
//!
//! # Shape
//!
//! ```text
//!                       [ internal: 40 | 80 ]              separators only
//!                      /         |          \
//!     [ leaf 3 8 .. 35 ] ⇄ [ leaf 40 .. 77 ] ⇄ [ leaf 80 .. 99 ]   entries, linked both ways
//! ```
//!
//! Every entry lives in a leaf; internal nodes hold copies of keys as separators. Leaves are linked
//! in key order in both directions, so a scan descends once per end and then walks the chain:
//! O(log n + k) with no recursion, forwards, backwards, or both ends towards each other. Nodes
//! hold up to [`DEFAULT_NODE_CAPACITY`] (64) entries or children, and every node except the root
//! at least half that; the relation is asserted at compile time. A full leaf first shifts entries
//! to a sibling with room and splits only when none has any, which keeps leaves nearly full under
//! ascending inserts (serial keys) instead of half full. Removal borrows from a sibling or merges
//! with it, so the tree never degenerates, whatever the order of operations.
//!
//! # Why an arena of nodes, not boxed nodes
//!
//! Nodes live in two `Vec`s (leaves, internal nodes) and refer to each other by `u32` index, with
//! a free list for reuse. Chosen over `Box`ed nodes because:
//! - the doubly linked leaf chain and moving entries between siblings need several nodes mutable
//!   at once; with indexes that is safe code (`split_at_mut`), with boxes it needs raw pointers and
//!   `unsafe` (this crate has none: `#![forbid(unsafe_code)]`);
//! - a `u32` child id is half a pointer, so internal nodes are denser;
//! - the tree is `Send + Sync` automatically when `K` and `V` are, `Clone` is a plain copy of
//!   vectors, and `clear` frees everything at once without a recursive drop.
//!
//! The costs: one extra indexed load per level compared with a pointer, and an arena never
//! shrinks its slot vector (a freed slot keeps only its small header, not its node's buffers).
//! Each node's key and value vectors are allocated once at full capacity and never grow.
//!
//! # Concurrency
//!
//! Writes take `&mut self`; reads `&self`. The storage layer wraps each tree in a
//! `parking_lot::RwLock`, so many scans run in parallel and a writer excludes them — simple and
//! correct, and a write holds the lock only for one O(log n) operation. A range scan borrows the
//! tree, so a long scan holds the read lock for its whole length; callers that interleave scans
//! with writes should copy out batches or re-seek from the last key seen.
//!
//! A latch-coupled version would put a latch in every node and descend holding at most a parent
//! and child latch, releasing the parent once the child cannot split or merge; nodes would need
//! stable addresses shared between threads (an arena of `RwLock`ed nodes or epoch-managed boxes),
//! and a scan would latch leaf to leaf along the chain (left-to-right only, to avoid deadlock, or
//! with try-latching for reverse scans). An optimistic (OLC, as in LeanStore and Leis et al.,
//! "The ART of Practical Synchronization") version would give each node a version counter:
//! readers take no latch, read, then validate that the version did not change and restart
//! otherwise; writers latch only the nodes they modify. That needs readers to tolerate torn reads
//! of a node being modified (so node contents must be plain data or atomics, which is where
//! `unsafe` and epoch-based reclamation of freed nodes come in) and restart loops bounded by
//! retry counts. Neither is worth it while every write holds the lock for one short operation
//! (about a microsecond for a million-entry tree); revisit if profiles show writers queueing on
//! one hot index.
//!
//! # Differences from `BTreeMap`
//!
//! - `range` with bounds that describe an empty interval returns an empty scan instead of
//!   panicking: bounds come from user queries.
//! - `insert` and `remove` need `K: Clone` (separators are copies of keys).
//! - `Range` reports no exact length (`size_hint` is only a bound).

#![forbid(unsafe_code)]

mod invariants;
mod key;
mod node;
mod prefix;
mod range;
mod remove;
mod tree;

pub use key::InlineKey;
pub use prefix::{prefix_range, slice_bounds};
pub use range::Range;
pub use tree::{BPlusTree, DEFAULT_NODE_CAPACITY};
