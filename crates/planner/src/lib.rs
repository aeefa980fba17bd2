//! Binder and planner: AST plus catalog to a typed physical plan.
