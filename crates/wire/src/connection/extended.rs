//! The extended query protocol: Parse, Bind, Describe, Execute, Close, Sync.
//!
//! State per connection: named prepared statements (the unnamed one, `""`, is replaced by each
//! Parse of `""`) and portals (a statement with bound parameters and result formats). A portal
//! runs its statement on its first Execute and keeps the rows; each Execute sends at most
//! `max_rows` of them and answers PortalSuspended while rows remain, so drivers that fetch in
//! batches (JDBC's fetch size, psycopg's named cursors) work. Portals die when the transaction
//! ends, as PostgreSQL's non-holdable portals do.
//!
//! Any error makes the connection discard every message up to the next Sync (the caller's
//! `skipping_until_sync`), PostgreSQL's rule that lets a client pipeline a whole batch and
//! find out at Sync that it failed. Error texts and SQLSTATEs are PostgreSQL 15's.

use std::io;
use std::sync::Arc;

use bytes::Bytes;
use db001_common::{Error, Oid, Result, Row, SqlState, Value};
use db001_engine::{Column, CommandTag};

use super::{Connection, Flow, may_change_settings, write_rows};
use crate::backend;
use crate::engine_api::{PreparedStatement, QuerySession};
use crate::format::{self, Format, ResultFormats};
use crate::frontend::Target;

/// A statement with bound parameters, ready to run or partly fetched.
pub(super) struct Portal<P> {
    statement: Arc<P>,
    params: Vec<Value>,
    formats: ResultFormats,
    state: PortalState,
}

enum PortalState {
    /// Bound, not executed yet.
    Ready,
    /// Executed; rows remain to be fetched.
    Running(Running),
    /// Every row was sent.
    Finished { returns_rows: bool, tag: CommandTag },
}

/// An executed statement whose rows are being fetched.
struct Running {
    columns: Option<Arc<[Column]>>,
    rows: std::vec::IntoIter<Row>,
    tag: CommandTag,
    /// An earlier Execute stopped at its row limit.
    suspended: bool,
}

impl<S: QuerySession> Connection<S> {
    /// Runs one extended-protocol step; its error starts the skip to Sync.
    async fn step(&mut self, result: io::Result<Result<()>>) -> io::Result<Flow> {
        match result? {
            Ok(()) => {
                self.io.flush_if_large().await?;
                Ok(Flow::Continue)
            }
            Err(error) => self.fail(error, true).await,
        }
    }

    pub(super) async fn parse(
        &mut self,
        name: String,
        sql: &str,
        types: &[Oid],
    ) -> io::Result<Flow> {
        let outcome = self.parse_statement(name, sql, types);
        self.step(Ok(outcome)).await
    }

    fn parse_statement(&mut self, name: String, sql: &str, types: &[Oid]) -> Result<()> {
        if !name.is_empty() && self.statements.contains_key(&name) {
            return Err(Error::new(
                SqlState::DUPLICATE_PREPARED_STATEMENT,
                format!("prepared statement \"{name}\" already exists"),
            ));
        }
        let prepared = self.session.prepare(sql, types)?;
        self.statements.insert(name, prepared);
        backend::parse_complete(&mut self.io.output);
        Ok(())
    }

    pub(super) async fn bind(
        &mut self,
        portal: String,
        statement: &str,
        param_formats: &[i16],
        params: &[Option<Bytes>],
        result_formats: &[i16],
    ) -> io::Result<Flow> {
        let outcome = self.bind_portal(portal, statement, param_formats, params, result_formats);
        self.step(Ok(outcome)).await
    }

    fn bind_portal(
        &mut self,
        portal: String,
        statement_name: &str,
        param_formats: &[i16],
        params: &[Option<Bytes>],
        result_formats: &[i16],
    ) -> Result<()> {
        let statement = self.statement(statement_name)?;
        if param_formats.len() > 1 && param_formats.len() != params.len() {
            return Err(Error::new(
                SqlState::PROTOCOL_VIOLATION,
                format!(
                    "bind message has {} parameter formats but {} parameters",
                    param_formats.len(),
                    params.len()
                ),
            ));
        }
        let types = statement.param_types();
        if params.len() != types.len() {
            return Err(Error::new(
                SqlState::PROTOCOL_VIOLATION,
                format!(
                    "bind message supplies {} parameters, but prepared statement \"{statement_name}\" requires {}",
                    params.len(),
                    types.len()
                ),
            ));
        }
        let column_count = statement.columns().map_or(0, |columns| columns.len());
        let formats = ResultFormats::resolve(result_formats, column_count)?;
        let values = format::decode_parameters(types, param_formats, params)?;
        if !portal.is_empty() && self.portals.contains_key(&portal) {
            return Err(Error::new(
                SqlState::new("42P03"),
                format!("cursor \"{portal}\" already exists"),
            ));
        }
        self.portals.insert(
            portal,
            Portal {
                statement,
                params: values,
                formats,
                state: PortalState::Ready,
            },
        );
        backend::bind_complete(&mut self.io.output);
        Ok(())
    }

    fn statement(&self, name: &str) -> Result<Arc<S::Prepared>> {
        self.statements.get(name).cloned().ok_or_else(|| {
            Error::new(
                SqlState::INVALID_SQL_STATEMENT_NAME,
                format!("prepared statement \"{name}\" does not exist"),
            )
        })
    }

    pub(super) async fn describe(&mut self, target: Target, name: &str) -> io::Result<Flow> {
        let outcome = match target {
            Target::Statement => self.describe_statement(name),
            Target::Portal => self.describe_portal(name),
        };
        self.step(Ok(outcome)).await
    }

    /// ParameterDescription, then RowDescription (all text: no formats are bound yet) or
    /// NoData.
    fn describe_statement(&mut self, name: &str) -> Result<()> {
        let statement = self.statement(name)?;
        let oids: Vec<u32> = statement
            .param_types()
            .iter()
            .map(|data_type| data_type.oid())
            .collect();
        backend::parameter_description(&mut self.io.output, &oids)?;
        match statement.columns() {
            Some(columns) => {
                backend::row_description(&mut self.io.output, columns, |_| Format::Text)
            }
            None => {
                backend::no_data(&mut self.io.output);
                Ok(())
            }
        }
    }

    /// RowDescription with the portal's result formats, or NoData.
    fn describe_portal(&mut self, name: &str) -> Result<()> {
        let portal = self.portals.get(name).ok_or_else(|| missing_portal(name))?;
        match portal.statement.columns() {
            Some(columns) => backend::row_description(&mut self.io.output, columns, |index| {
                portal.formats.get(index)
            }),
            None => {
                backend::no_data(&mut self.io.output);
                Ok(())
            }
        }
    }

    pub(super) async fn execute(&mut self, name: &str, max_rows: i32) -> io::Result<Flow> {
        let outcome = self.execute_portal(name, max_rows).await;
        if let Some(columns) = self.pending_copy_in.take() {
            let outcome = match self.copy_in(columns, false).await? {
                super::copy::CopyInEnd::Close => return Ok(Flow::Close),
                super::copy::CopyInEnd::Finished(Ok(done)) => {
                    backend::command_complete(&mut self.io.output, &done.tag);
                    Ok(())
                }
                super::copy::CopyInEnd::Finished(Err(error)) => Err(error),
            };
            return self.step(Ok(outcome)).await;
        }
        self.step(outcome).await
    }

    async fn execute_portal(&mut self, name: &str, max_rows: i32) -> io::Result<Result<()>> {
        let Connection {
            io,
            session,
            portals,
            statements,
            scratch,
            settings_may_have_changed,
            pending_copy_in,
            ..
        } = self;
        let Some(portal) = portals.get_mut(name) else {
            return Ok(Err(missing_portal(name)));
        };
        let mut running = match std::mem::replace(&mut portal.state, PortalState::Ready) {
            PortalState::Ready if portal.statement.is_empty() => {
                backend::empty_query_response(&mut io.output);
                return Ok(Ok(()));
            }
            PortalState::Ready => {
                let result = match session.execute(&portal.statement, &portal.params).await {
                    Ok(result) => result,
                    Err(error) => {
                        *settings_may_have_changed = true;
                        return Ok(Err(error));
                    }
                };
                *settings_may_have_changed |= may_change_settings(&result.tag);
                if let Some(target) = super::deallocate_target(&result.tag)
                    && let Err(error) = super::deallocate(statements, target)
                {
                    return Ok(Err(error));
                }
                // DISCARD ALL includes DEALLOCATE ALL (portals go at the end of the transaction,
                // which DISCARD ALL requires there to be none of).
                if result.tag == CommandTag::DiscardAll {
                    statements.clear();
                }
                if let CommandTag::CopyIn(columns) = result.tag {
                    *pending_copy_in = Some(columns);
                    portal.state = PortalState::Finished {
                        returns_rows: false,
                        tag: result.tag,
                    };
                    return Ok(Ok(()));
                }
                if super::copy::write_copy_out(io, &result).await? {
                    portal.state = PortalState::Finished {
                        returns_rows: false,
                        tag: result.tag,
                    };
                    return Ok(Ok(()));
                }
                Running {
                    columns: result.columns,
                    rows: result.rows.into_iter(),
                    tag: result.tag,
                    suspended: false,
                }
            }
            PortalState::Running(running) => running,
            PortalState::Finished { returns_rows, tag } => {
                // PostgreSQL: a drained SELECT portal answers "SELECT 0"; a command that ran
                // to completion cannot run again.
                portal.state = PortalState::Finished {
                    returns_rows,
                    tag: tag.clone(),
                };
                if !returns_rows {
                    return Ok(Err(Error::new(
                        SqlState::new("55000"),
                        format!("portal \"{name}\" cannot be run"),
                    )));
                }
                let tag = match tag {
                    CommandTag::Select(_) => CommandTag::Select(0),
                    other => other,
                };
                backend::command_complete(&mut io.output, &tag);
                return Ok(Ok(()));
            }
        };
        let Some(columns) = running.columns.clone() else {
            // max_rows does not apply to statements that return no rows.
            backend::command_complete(&mut io.output, &running.tag);
            portal.state = PortalState::Finished {
                returns_rows: false,
                tag: running.tag,
            };
            return Ok(Ok(()));
        };
        let limit = usize::try_from(max_rows)
            .ok()
            .filter(|&limit| limit > 0)
            .unwrap_or(usize::MAX);
        let written = write_rows(
            io,
            scratch,
            running.rows.by_ref().take(limit),
            &columns,
            &portal.formats,
        )
        .await?;
        let sent = match written {
            Ok(sent) => sent,
            Err(error) => {
                portal.state = PortalState::Finished {
                    returns_rows: true,
                    tag: running.tag,
                };
                return Ok(Err(error));
            }
        };
        if running.rows.len() > 0 {
            backend::portal_suspended(&mut io.output);
            running.suspended = true;
            portal.state = PortalState::Running(running);
            return Ok(Ok(()));
        }
        // A SELECT fetched in pieces reports the rows of the last piece, as PostgreSQL does;
        // a result sent whole keeps the engine's tag.
        let tag = match running.tag {
            CommandTag::Select(_) if running.suspended => CommandTag::Select(sent),
            other => other,
        };
        backend::command_complete(&mut io.output, &tag);
        portal.state = PortalState::Finished {
            returns_rows: true,
            tag,
        };
        Ok(Ok(()))
    }

    pub(super) fn close(&mut self, target: Target, name: &str) -> Flow {
        // Closing something that does not exist is not an error.
        match target {
            Target::Statement => self.statements.remove(name).map(drop),
            Target::Portal => self.portals.remove(name).map(drop),
        };
        backend::close_complete(&mut self.io.output);
        Flow::Continue
    }

    /// Sync: end the skip, let the session commit (or roll back) the implicit transaction,
    /// report the status.
    pub(super) async fn sync(&mut self) -> io::Result<Flow> {
        self.skipping_until_sync = false;
        if let Err(error) = self.session.sync().await {
            self.settings_may_have_changed = true;
            if self.fail(error, false).await? == Flow::Close {
                return Ok(Flow::Close);
            }
        }
        self.ready_for_query().await?;
        Ok(Flow::Continue)
    }
}

fn missing_portal(name: &str) -> Error {
    Error::new(
        SqlState::INVALID_CURSOR_NAME,
        format!("portal \"{name}\" does not exist"),
    )
}
