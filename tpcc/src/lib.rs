//! TPC-C driver for any PostgreSQL-protocol server.
