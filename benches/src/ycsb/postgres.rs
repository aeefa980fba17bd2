//! [`Store`] over the PostgreSQL protocol: one connection, every statement prepared once.
//!
//! Schema (as YCSB's JDBC binding, with the brief's 100-byte fields):
//! `usertable (ycsb_key varchar(255) PRIMARY KEY, field0 .. field9 varchar(100))`.
//! Statements: point read of all fields, one UPDATE per field, single-row and multi-row INSERT,
//! and the range scan `WHERE ycsb_key >= $1 ORDER BY ycsb_key LIMIT $2`. Parameter types are
//! given explicitly (varchar, bigint) so the server's type inference is not what is measured.

use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Statement};

use tpcc::connection::connect;
use tpcc::error::{DriverError, describe};

use crate::ycsb::store::{Record, Store, StoreError};
use crate::ycsb::workload::FIELD_COUNT;

/// The table name.
pub const TABLE: &str = "usertable";

const FIELD_LIST: &str =
    "field0, field1, field2, field3, field4, field5, field6, field7, field8, field9";

/// `CREATE TABLE usertable (...)`.
pub fn create_table_sql() -> String {
    let mut sql = format!("CREATE TABLE {TABLE} (ycsb_key varchar(255) NOT NULL PRIMARY KEY");
    for field in 0..FIELD_COUNT {
        sql.push_str(&format!(", field{field} varchar(100)"));
    }
    sql.push(')');
    sql
}

fn read_sql() -> String {
    format!("SELECT {FIELD_LIST} FROM {TABLE} WHERE ycsb_key = $1")
}

fn update_sql(field: usize) -> String {
    format!("UPDATE {TABLE} SET field{field} = $2 WHERE ycsb_key = $1")
}

fn insert_sql(rows: usize) -> String {
    let mut sql = format!("INSERT INTO {TABLE} (ycsb_key, {FIELD_LIST}) VALUES ");
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..=FIELD_COUNT {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", row * (FIELD_COUNT + 1) + column + 1));
        }
        sql.push(')');
    }
    sql
}

fn scan_sql() -> String {
    format!(
        "SELECT ycsb_key, {FIELD_LIST} FROM {TABLE} WHERE ycsb_key >= $1 ORDER BY ycsb_key LIMIT $2"
    )
}

/// A prepared statement with its name and text for error reports.
#[derive(Debug)]
struct Prepared {
    name: &'static str,
    sql: String,
    statement: Statement,
}

impl Prepared {
    async fn new(
        client: &Client,
        name: &'static str,
        sql: String,
        types: &[Type],
    ) -> Result<Prepared, DriverError> {
        let statement = client
            .prepare_typed(&sql, types)
            .await
            .map_err(|error| DriverError::database(format!("prepare {name}: {sql}"), &error))?;
        Ok(Prepared {
            name,
            sql,
            statement,
        })
    }

    fn failure(&self, error: &tokio_postgres::Error) -> StoreError {
        StoreError {
            statement: self.name,
            sql: Some(self.sql.clone()),
            sqlstate: error.code().map(|code| code.code().to_owned()),
            message: describe(error),
            fatal: error.is_closed(),
        }
    }
}

/// The YCSB table behind one PostgreSQL-protocol connection.
#[derive(Debug)]
pub struct PostgresStore {
    client: Client,
    read: Prepared,
    updates: Vec<Prepared>,
    insert: Prepared,
    batch: Option<(usize, Prepared)>,
    scan: Prepared,
}

fn varchar_types(count: usize) -> Vec<Type> {
    vec![Type::VARCHAR; count]
}

impl PostgresStore {
    /// Connects and prepares every statement; `batch_rows` sizes the multi-row INSERT used by
    /// [`Store::insert_batch`] (1 disables it).
    pub async fn connect(url: &str, batch_rows: usize) -> Result<PostgresStore, DriverError> {
        let client = connect(url).await?;
        let read = Prepared::new(&client, "ycsb.read", read_sql(), &[Type::VARCHAR]).await?;
        let mut updates = Vec::with_capacity(FIELD_COUNT);
        for field in 0..FIELD_COUNT {
            updates.push(
                Prepared::new(&client, "ycsb.update", update_sql(field), &varchar_types(2)).await?,
            );
        }
        let insert = Prepared::new(
            &client,
            "ycsb.insert",
            insert_sql(1),
            &varchar_types(FIELD_COUNT + 1),
        )
        .await?;
        let batch = if batch_rows > 1 {
            let types = varchar_types((FIELD_COUNT + 1) * batch_rows);
            let prepared =
                Prepared::new(&client, "ycsb.insert_batch", insert_sql(batch_rows), &types).await?;
            Some((batch_rows, prepared))
        } else {
            None
        };
        let scan = Prepared::new(
            &client,
            "ycsb.scan",
            scan_sql(),
            &[Type::VARCHAR, Type::INT8],
        )
        .await?;
        Ok(PostgresStore {
            client,
            read,
            updates,
            insert,
            batch,
            scan,
        })
    }

    /// The underlying connection, for setup statements.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

fn record_parameters(records: &[Record]) -> Vec<&(dyn ToSql + Sync)> {
    let mut parameters: Vec<&(dyn ToSql + Sync)> =
        Vec::with_capacity(records.len() * (FIELD_COUNT + 1));
    for record in records {
        parameters.push(&record.key);
        for field in &record.fields {
            parameters.push(field);
        }
    }
    parameters
}

impl Store for PostgresStore {
    async fn read(&mut self, key: &str) -> Result<bool, StoreError> {
        let rows = self
            .client
            .query(&self.read.statement, &[&key])
            .await
            .map_err(|error| self.read.failure(&error))?;
        for row in &rows {
            for field in 0..FIELD_COUNT {
                let _value: Option<&str> = row
                    .try_get(field)
                    .map_err(|error| self.read.failure(&error))?;
            }
        }
        Ok(!rows.is_empty())
    }

    async fn update(&mut self, key: &str, field: usize, value: &str) -> Result<bool, StoreError> {
        let prepared = &self.updates[field % FIELD_COUNT];
        let updated = self
            .client
            .execute(&prepared.statement, &[&key, &value])
            .await
            .map_err(|error| prepared.failure(&error))?;
        Ok(updated > 0)
    }

    async fn insert(&mut self, record: &Record) -> Result<(), StoreError> {
        let parameters = record_parameters(std::slice::from_ref(record));
        self.client
            .execute(&self.insert.statement, &parameters)
            .await
            .map_err(|error| self.insert.failure(&error))?;
        Ok(())
    }

    async fn insert_batch(&mut self, records: &[Record]) -> Result<(), StoreError> {
        match &self.batch {
            Some((rows, prepared)) if *rows == records.len() => {
                let parameters = record_parameters(records);
                self.client
                    .execute(&prepared.statement, &parameters)
                    .await
                    .map_err(|error| prepared.failure(&error))?;
            }
            _ => {
                for record in records {
                    self.insert(record).await?;
                }
            }
        }
        Ok(())
    }

    async fn scan(&mut self, start_key: &str, count: u64) -> Result<u64, StoreError> {
        let limit = count as i64;
        let rows = self
            .client
            .query(&self.scan.statement, &[&start_key, &limit])
            .await
            .map_err(|error| self.scan.failure(&error))?;
        for row in &rows {
            let _key: &str = row.try_get(0).map_err(|error| self.scan.failure(&error))?;
        }
        Ok(rows.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_well_formed() {
        assert_eq!(
            insert_sql(2).matches('$').count(),
            2 * (FIELD_COUNT + 1),
            "every column of every row has a parameter"
        );
        assert!(insert_sql(2).ends_with("$12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"));
        assert!(create_table_sql().contains("ycsb_key varchar(255) NOT NULL PRIMARY KEY"));
        assert!(create_table_sql().contains("field9 varchar(100)"));
        assert_eq!(
            update_sql(3),
            "UPDATE usertable SET field3 = $2 WHERE ycsb_key = $1"
        );
        assert!(scan_sql().ends_with("WHERE ycsb_key >= $1 ORDER BY ycsb_key LIMIT $2"));
    }
}
