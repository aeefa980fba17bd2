//! CREATE / ALTER / DROP ROLE (and USER), applied to the transaction's private catalog like
//! table DDL, and logged as whole roles (`LogOp::PutRole`, `LogOp::DropRole`).

use db001_catalog::{BOOTSTRAP_ROLE_OID, Role, encode_role};
use db001_common::{Error, Result, SqlState};
use db001_sql::ast;

use crate::database::Database;
use crate::log_record::LogOp;
use crate::result::{CommandTag, StatementResult};
use crate::transaction::Transaction;

/// Who runs the statement and how new passwords are stored.
#[derive(Debug, Clone)]
pub(crate) struct RoleContext {
    pub(crate) current_user: String,
    /// `password_encryption`: `scram-sha-256` or `md5`.
    pub(crate) password_encryption: String,
}

pub(crate) fn execute(
    db: &Database,
    txn: &mut Transaction,
    statement: &ast::Statement,
    context: &RoleContext,
) -> Result<StatementResult> {
    match statement {
        ast::Statement::CreateRole(create) => create_role(db, txn, create, context),
        ast::Statement::AlterRole(alter) => alter_role(db, txn, alter, context),
        ast::Statement::DropRole { if_exists, names } => {
            drop_roles(db, txn, *if_exists, names, context)
        }
        _ => Err(Error::internal("not a role statement")),
    }
}

fn undefined_role(name: &str) -> Error {
    Error::new(
        SqlState::UNDEFINED_OBJECT,
        format!("role \"{name}\" does not exist"),
    )
}

fn reserved_name(name: &str) -> Result<()> {
    if name.starts_with("pg_") {
        return Err(Error::new(
            SqlState::new("42939"),
            format!("role name \"{name}\" is reserved"),
        )
        .with_detail("Role names starting with \"pg_\" are reserved."));
    }
    Ok(())
}

fn apply_options(role: &mut Role, options: &[ast::RoleOption], context: &RoleContext) {
    for option in options {
        match option {
            ast::RoleOption::Flag { name, value } => {
                let value = *value;
                match name.as_str() {
                    "superuser" => role.superuser = value,
                    "createdb" => role.create_db = value,
                    "createrole" => role.create_role = value,
                    "inherit" => role.inherit = value,
                    "login" => role.login = value,
                    "replication" => role.replication = value,
                    _ => role.bypass_rls = value,
                }
            }
            ast::RoleOption::ConnectionLimit(limit) => role.connection_limit = *limit,
            ast::RoleOption::Password(password) => {
                role.password = password.as_deref().map(|password| {
                    crate::auth::password_verifier(
                        &role.name,
                        password,
                        &context.password_encryption,
                    )
                });
            }
            ast::RoleOption::ValidUntil(until) => role.valid_until = Some(until.clone()),
        }
    }
}

fn log_role(txn: &mut Transaction, role: &Role) {
    let mut bytes = Vec::new();
    encode_role(role, &mut bytes);
    let at = txn.write_set.len();
    txn.ddl_log.push((at, LogOp::PutRole { role: bytes }));
}

fn create_role(
    db: &Database,
    txn: &mut Transaction,
    create: &ast::CreateRole,
    context: &RoleContext,
) -> Result<StatementResult> {
    let name = &create.name.value;
    reserved_name(name)?;
    let catalog = txn.begin_ddl(db)?;
    if catalog.role(name).is_some() {
        return Err(Error::new(
            SqlState::DUPLICATE_OBJECT,
            format!("role \"{name}\" already exists"),
        ));
    }
    let mut role = Role::new(catalog.allocate_oid(), name);
    role.login = create.user;
    apply_options(&mut role, &create.options, context);
    catalog.put_role(role.clone());
    catalog.bump_version(db.catalog().version());
    log_role(txn, &role);
    Ok(StatementResult::command(CommandTag::CreateRole))
}

fn alter_role(
    db: &Database,
    txn: &mut Transaction,
    alter: &ast::AlterRole,
    context: &RoleContext,
) -> Result<StatementResult> {
    let name = &alter.name.value;
    let catalog = txn.begin_ddl(db)?;
    let mut role = catalog
        .role(name)
        .cloned()
        .ok_or_else(|| undefined_role(name))?;
    match &alter.action {
        ast::AlterRoleAction::Options(options) => {
            apply_options(&mut role, options, context);
            catalog.put_role(role.clone());
            catalog.bump_version(db.catalog().version());
            log_role(txn, &role);
        }
        ast::AlterRoleAction::Rename(to) => {
            let to = &to.value;
            if name == &context.current_user {
                return Err(Error::new(
                    SqlState::FEATURE_NOT_SUPPORTED,
                    "session user cannot be renamed",
                ));
            }
            reserved_name(to)?;
            if catalog.role(to).is_some() {
                return Err(Error::new(
                    SqlState::DUPLICATE_OBJECT,
                    format!("role \"{to}\" already exists"),
                ));
            }
            catalog.remove_role(name);
            role.name = to.clone();
            // An md5 verifier is salted with the name, so it no longer matches (PostgreSQL
            // clears it too, with a NOTICE).
            if role.password.as_deref().is_some_and(|p| {
                crate::auth::method_of(p) == Some(crate::auth::PasswordMethod::Md5)
            }) {
                role.password = None;
            }
            catalog.put_role(role.clone());
            catalog.bump_version(db.catalog().version());
            let at = txn.write_set.len();
            txn.ddl_log
                .push((at, LogOp::DropRole { name: name.clone() }));
            log_role(txn, &role);
        }
    }
    Ok(StatementResult::command(CommandTag::AlterRole))
}

fn drop_roles(
    db: &Database,
    txn: &mut Transaction,
    if_exists: bool,
    names: &[ast::Ident],
    context: &RoleContext,
) -> Result<StatementResult> {
    let catalog = txn.begin_ddl(db)?;
    let mut dropped = Vec::new();
    for name in names {
        let name = &name.value;
        let Some(role) = catalog.role(name) else {
            if if_exists {
                continue;
            }
            return Err(undefined_role(name));
        };
        if role.oid == BOOTSTRAP_ROLE_OID {
            return Err(Error::new(
                SqlState::new("2BP01"),
                format!("cannot drop role {name} because it is required by the database system"),
            ));
        }
        if name == &context.current_user {
            return Err(Error::new(
                SqlState::new("55006"),
                "current user cannot be dropped",
            ));
        }
        catalog.remove_role(name);
        dropped.push(name.clone());
    }
    if !dropped.is_empty() {
        catalog.bump_version(db.catalog().version());
    }
    let at = txn.write_set.len();
    for name in dropped {
        txn.ddl_log.push((at, LogOp::DropRole { name }));
    }
    Ok(StatementResult::command(CommandTag::DropRole))
}
