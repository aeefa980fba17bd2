//! Schemas of tables, columns and indexes, versioned with transactions.
