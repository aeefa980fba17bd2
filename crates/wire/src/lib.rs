//! The PostgreSQL wire protocol front end.
