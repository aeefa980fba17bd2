//! # db001-sql
//!
//! SQL text to abstract syntax tree. (Scaffold: the parser lands next.)

pub mod ast;
pub mod keywords;
