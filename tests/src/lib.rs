//! End-to-end tests: sqllogictest, wire clients, crash and isolation tests.
