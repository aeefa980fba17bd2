//! The seam through which system functions (`current_setting`, `pg_get_indexdef`,
//! `oid::regclass`, ... — see `db001_planner::system`) reach the engine: they read the
//! session's settings and the catalog the transaction sees, which the executor does not hold.

use db001_common::{Result, Value};
use db001_planner::system::SystemFunction;

/// Answers system function calls; implemented by the engine for each session.
pub trait SystemFunctions: Send + Sync + std::fmt::Debug {
    /// Calls `function` on evaluated arguments (types as the binder declared them; NULLs
    /// already handled for strict functions).
    fn call(&self, function: SystemFunction, args: &[Value]) -> Result<Value>;
}
