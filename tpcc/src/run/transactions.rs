//! The five transaction profiles of §2.4–2.8: the statements each sends, in the spec's order.
//!
//! Each profile runs between the terminal's BEGIN and COMMIT (see `terminal`) on inputs drawn
//! beforehand (see `inputs`); it returns [`Outcome::RollBack`] only for New-Order's intended 1%
//! rollback on an unused item id. Strings are built in the terminal's reusable buffers and
//! parameters are slices on the stack; what tokio-postgres allocates for each result row is the
//! remaining per-statement cost. Every column is decoded with `try_get`, so a server that sends
//! an unexpected type produces a reported failure of that statement, not a panic.

use std::time::SystemTime;

use tokio_postgres::types::{FromSql, ToSql};
use tokio_postgres::{Client, Row};

use crate::data::ORIGINAL;
use crate::error::describe;
use crate::numeric::Decimal4;
use crate::run::inputs::{CustomerChoice, NewOrderInput, OrderStatusInput, PaymentInput};
use crate::run::statements::{Prepared, Statements};
use crate::schema::DISTRICTS_PER_WAREHOUSE;

/// How a transaction attempt ended without error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Ready to commit.
    Commit,
    /// New-Order met its unused item and must roll back (§2.4.2.3).
    RollBack,
}

/// Why an attempt failed: which statement, and what the server or driver said.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Statement name (see [`Statements`]) or `BEGIN`/`COMMIT`/`ROLLBACK`.
    pub statement: &'static str,
    /// SQLSTATE, if the server sent one.
    pub sqlstate: Option<String>,
    /// The message.
    pub message: String,
    /// The connection is gone; the terminal cannot continue.
    pub connection_closed: bool,
}

impl Failure {
    /// A failure reported by tokio-postgres.
    pub fn database(statement: &'static str, error: &tokio_postgres::Error) -> Self {
        Self {
            statement,
            sqlstate: error.code().map(|code| code.code().to_owned()),
            message: describe(error),
            connection_closed: error.is_closed(),
        }
    }

    /// A result that breaks the transaction's assumptions (a missing row, say).
    pub fn unexpected(statement: &'static str, message: impl Into<String>) -> Self {
        Self {
            statement,
            sqlstate: None,
            message: message.into(),
            connection_closed: false,
        }
    }

    /// Serialization failure or deadlock: the transaction may be retried.
    pub fn is_retryable(&self) -> bool {
        matches!(self.sqlstate.as_deref(), Some("40001" | "40P01"))
    }
}

/// A terminal's connection and its prepared statements.
#[derive(Debug)]
pub struct Session {
    /// The connection.
    pub client: Client,
    /// Its prepared statements.
    pub statements: Statements,
}

async fn query_one(
    client: &Client,
    prepared: &Prepared,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Row, Failure> {
    query_opt(client, prepared, params)
        .await?
        .ok_or_else(|| Failure::unexpected(prepared.name, "expected one row, got none"))
}

async fn query_opt(
    client: &Client,
    prepared: &Prepared,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Option<Row>, Failure> {
    let rows = client
        .query(&prepared.statement, params)
        .await
        .map_err(|error| Failure::database(prepared.name, &error))?;
    if rows.len() > 1 {
        return Err(Failure::unexpected(
            prepared.name,
            format!("expected at most one row, got {}", rows.len()),
        ));
    }
    Ok(rows.into_iter().next())
}

async fn query(
    client: &Client,
    prepared: &Prepared,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Row>, Failure> {
    client
        .query(&prepared.statement, params)
        .await
        .map_err(|error| Failure::database(prepared.name, &error))
}

async fn execute(
    client: &Client,
    prepared: &Prepared,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, Failure> {
    client
        .execute(&prepared.statement, params)
        .await
        .map_err(|error| Failure::database(prepared.name, &error))
}

/// Like [`execute`], but exactly one row must be affected.
async fn execute_one(
    client: &Client,
    prepared: &Prepared,
    params: &[&(dyn ToSql + Sync)],
) -> Result<(), Failure> {
    match execute(client, prepared, params).await? {
        1 => Ok(()),
        other => Err(Failure::unexpected(
            prepared.name,
            format!("{other} rows affected, expected 1"),
        )),
    }
}

/// Column `index` of `row`; a type the driver cannot decode is a failure of `statement`.
fn column<'a, T: FromSql<'a>>(
    row: &'a Row,
    index: usize,
    statement: &'static str,
) -> Result<T, Failure> {
    row.try_get(index)
        .map_err(|error| Failure::database(statement, &error))
}

/// Reusable buffers of one terminal.
#[derive(Debug, Default)]
pub struct Scratch {
    /// C_LAST of a by-name Payment or Order-Status.
    pub last_name: String,
    /// New C_DATA of a bad-credit Payment.
    pub customer_data: String,
    /// H_DATA.
    pub history_data: String,
}

/// New-Order (§2.4.2).
pub async fn new_order(
    session: &Session,
    warehouse_id: i32,
    input: &NewOrderInput,
) -> Result<Outcome, Failure> {
    let (client, statements) = (&session.client, &session.statements);
    let district_id = input.district_id;
    let row = query_one(client, &statements.warehouse_tax, &[&warehouse_id]).await?;
    let _warehouse_tax: Decimal4 = column(&row, 0, statements.warehouse_tax.name)?;

    let prepared = &statements.district_for_update;
    let row = query_one(client, prepared, &[&warehouse_id, &district_id]).await?;
    let _district_tax: Decimal4 = column(&row, 0, prepared.name)?;
    let order_id: i32 = column(&row, 1, prepared.name)?;
    execute_one(
        client,
        &statements.district_next_order,
        &[&warehouse_id, &district_id],
    )
    .await?;

    let prepared = &statements.customer_discount;
    let row = query_one(
        client,
        prepared,
        &[&warehouse_id, &district_id, &input.customer_id],
    )
    .await?;
    let _discount: Decimal4 = column(&row, 0, prepared.name)?;
    let _last_name: &str = column(&row, 1, prepared.name)?;
    let _credit: &str = column(&row, 2, prepared.name)?;

    let entry = SystemTime::now();
    let line_count = input.line_count as i32;
    let all_local = i32::from(input.all_local);
    execute(
        client,
        &statements.order_insert,
        &[
            &order_id,
            &district_id,
            &warehouse_id,
            &input.customer_id,
            &entry,
            &line_count,
            &all_local,
        ],
    )
    .await?;
    execute(
        client,
        &statements.new_order_insert,
        &[&order_id, &district_id, &warehouse_id],
    )
    .await?;

    let stock_statement = &statements.stock_for_update[(district_id - 1) as usize];
    for line in &input.lines[..input.line_count] {
        let prepared = &statements.item;
        let Some(item) = query_opt(client, prepared, &[&line.item_id]).await? else {
            return Ok(Outcome::RollBack);
        };
        let price: Decimal4 = column(&item, 0, prepared.name)?;
        let _item_name: &str = column(&item, 1, prepared.name)?;
        let item_data: &str = column(&item, 2, prepared.name)?;

        let stock = query_one(
            client,
            stock_statement,
            &[&line.supply_warehouse_id, &line.item_id],
        )
        .await?;
        let quantity: i32 = column(&stock, 0, stock_statement.name)?;
        let stock_data: &str = column(&stock, 1, stock_statement.name)?;
        let district_info: &str = column(&stock, 2, stock_statement.name)?;
        let new_quantity = if quantity >= line.quantity + 10 {
            quantity - line.quantity
        } else {
            quantity - line.quantity + 91
        };
        let remote = i32::from(line.supply_warehouse_id != warehouse_id);
        execute_one(
            client,
            &statements.stock_update,
            &[
                &line.supply_warehouse_id,
                &line.item_id,
                &new_quantity,
                &line.quantity,
                &remote,
            ],
        )
        .await?;
        let amount = price.times(i64::from(line.quantity));
        let _brand_generic = item_data.contains(ORIGINAL) && stock_data.contains(ORIGINAL);
        execute(
            client,
            &statements.order_line_insert,
            &[
                &order_id,
                &district_id,
                &warehouse_id,
                &line.number,
                &line.item_id,
                &line.supply_warehouse_id,
                &line.quantity,
                &amount,
                &district_info,
            ],
        )
        .await?;
    }
    Ok(Outcome::Commit)
}

/// Payment (§2.5.2).
pub async fn payment(
    session: &Session,
    warehouse_id: i32,
    input: &PaymentInput,
    scratch: &mut Scratch,
) -> Result<Outcome, Failure> {
    let (client, statements) = (&session.client, &session.statements);
    let district_id = input.district_id;
    execute_one(
        client,
        &statements.warehouse_payment,
        &[&warehouse_id, &input.amount],
    )
    .await?;
    let prepared = &statements.warehouse_address;
    let row = query_one(client, prepared, &[&warehouse_id]).await?;
    let warehouse_name: &str = column(&row, 0, prepared.name)?;
    scratch.history_data.clear();
    scratch.history_data.push_str(warehouse_name);
    scratch.history_data.push_str("    ");

    execute_one(
        client,
        &statements.district_payment,
        &[&warehouse_id, &district_id, &input.amount],
    )
    .await?;
    let prepared = &statements.district_address;
    let row = query_one(client, prepared, &[&warehouse_id, &district_id]).await?;
    let district_name: &str = column(&row, 0, prepared.name)?;
    scratch.history_data.push_str(district_name);

    let customer_warehouse_id = input.customer_warehouse_id;
    let customer_district_id = input.customer_district_id;
    let customer_id = match input.customer {
        CustomerChoice::Id(customer_id) => customer_id,
        CustomerChoice::LastName => {
            let prepared = &statements.payment_customer_ids_by_name;
            let rows = query(
                client,
                prepared,
                &[
                    &customer_warehouse_id,
                    &customer_district_id,
                    &scratch.last_name,
                ],
            )
            .await?;
            // The row at position ceil(n / 2) of the matches sorted by C_FIRST.
            let Some(middle) = rows.get(rows.len().saturating_sub(1) / 2) else {
                return Err(Failure::unexpected(
                    prepared.name,
                    "no customer has this last name",
                ));
            };
            column(middle, 0, prepared.name)?
        }
    };
    let prepared = &statements.payment_customer;
    let row = query_one(
        client,
        prepared,
        &[&customer_warehouse_id, &customer_district_id, &customer_id],
    )
    .await?;
    let credit: &str = column(&row, 10, prepared.name)?;
    let _balance: Decimal4 = column(&row, 13, prepared.name)?;
    let identity = [
        &customer_warehouse_id as &(dyn ToSql + Sync),
        &customer_district_id,
        &customer_id,
    ];
    if credit == "BC" {
        let old_data: &str = column(&row, 14, prepared.name)?;
        let data = &mut scratch.customer_data;
        data.clear();
        use std::fmt::Write as _;
        write!(
            data,
            "{customer_id} {customer_district_id} {customer_warehouse_id} {district_id} \
             {warehouse_id} {} | ",
            input.amount
        )
        .expect("writing to a String cannot fail");
        data.push_str(old_data);
        if data.len() > 500 {
            // C_DATA is ASCII, so byte 500 is a character boundary.
            data.truncate(500);
        }
        execute_one(
            client,
            &statements.customer_payment_with_data,
            &[identity[0], identity[1], identity[2], &input.amount, &*data],
        )
        .await?;
    } else {
        execute_one(
            client,
            &statements.customer_payment,
            &[identity[0], identity[1], identity[2], &input.amount],
        )
        .await?;
    }

    let now = SystemTime::now();
    execute(
        client,
        &statements.history_insert,
        &[
            &customer_id,
            &customer_district_id,
            &customer_warehouse_id,
            &district_id,
            &warehouse_id,
            &now,
            &input.amount,
            &scratch.history_data,
        ],
    )
    .await?;
    Ok(Outcome::Commit)
}

/// Order-Status (§2.6.2).
pub async fn order_status(
    session: &Session,
    warehouse_id: i32,
    input: &OrderStatusInput,
    scratch: &Scratch,
) -> Result<Outcome, Failure> {
    let (client, statements) = (&session.client, &session.statements);
    let district_id = input.district_id;
    let customer_id = match input.customer {
        CustomerChoice::Id(customer_id) => {
            let prepared = &statements.order_status_customer;
            let row = query_one(
                client,
                prepared,
                &[&warehouse_id, &district_id, &customer_id],
            )
            .await?;
            let _balance: Decimal4 = column(&row, 0, prepared.name)?;
            let _first: &str = column(&row, 1, prepared.name)?;
            customer_id
        }
        CustomerChoice::LastName => {
            let prepared = &statements.order_status_customers_by_name;
            let rows = query(
                client,
                prepared,
                &[&warehouse_id, &district_id, &scratch.last_name],
            )
            .await?;
            let Some(middle) = rows.get(rows.len().saturating_sub(1) / 2) else {
                return Err(Failure::unexpected(
                    prepared.name,
                    "no customer has this last name",
                ));
            };
            let _balance: Decimal4 = column(middle, 1, prepared.name)?;
            column(middle, 0, prepared.name)?
        }
    };
    let prepared = &statements.order_status_last_order;
    let row = query_one(
        client,
        prepared,
        &[&warehouse_id, &district_id, &customer_id],
    )
    .await?;
    let order_id: i32 = column(&row, 0, prepared.name)?;
    let _entry: SystemTime = column(&row, 1, prepared.name)?;
    let _carrier: Option<i32> = column(&row, 2, prepared.name)?;

    let prepared = &statements.order_status_lines;
    let lines = query(client, prepared, &[&warehouse_id, &district_id, &order_id]).await?;
    for line in &lines {
        let _amount: Decimal4 = column(line, 3, prepared.name)?;
        let _delivered: Option<SystemTime> = column(line, 4, prepared.name)?;
    }
    if lines.is_empty() {
        return Err(Failure::unexpected(
            prepared.name,
            "the customer's last order has no lines",
        ));
    }
    Ok(Outcome::Commit)
}

/// Times Delivery re-reads a district's oldest new order after losing it to a concurrent
/// Delivery (READ COMMITTED lets both see it; only one DELETE wins).
const DELIVERY_CLAIM_ATTEMPTS: usize = 10;

/// Delivery (§2.7.4), all ten districts in one database transaction. Returns the number of
/// districts that had no undelivered order.
pub async fn delivery(
    session: &Session,
    warehouse_id: i32,
    carrier_id: i32,
) -> Result<(Outcome, u64), Failure> {
    let (client, statements) = (&session.client, &session.statements);
    let delivered_at = SystemTime::now();
    let mut skipped = 0;
    for district_id in 1..=DISTRICTS_PER_WAREHOUSE {
        let mut claimed = None;
        for _ in 0..DELIVERY_CLAIM_ATTEMPTS {
            let prepared = &statements.delivery_oldest_new_order;
            let Some(row) = query_opt(client, prepared, &[&warehouse_id, &district_id]).await?
            else {
                break;
            };
            let order_id: i32 = column(&row, 0, prepared.name)?;
            let deleted = execute(
                client,
                &statements.delivery_delete_new_order,
                &[&warehouse_id, &district_id, &order_id],
            )
            .await?;
            if deleted == 1 {
                claimed = Some(order_id);
                break;
            }
        }
        let Some(order_id) = claimed else {
            skipped += 1;
            continue;
        };
        let order = [
            &warehouse_id as &(dyn ToSql + Sync),
            &district_id,
            &order_id,
        ];
        let prepared = &statements.delivery_order_customer;
        let row = query_one(client, prepared, &order).await?;
        let customer_id: i32 = column(&row, 0, prepared.name)?;
        execute_one(
            client,
            &statements.delivery_order_carrier,
            &[order[0], order[1], order[2], &carrier_id],
        )
        .await?;
        execute(
            client,
            &statements.delivery_order_lines,
            &[order[0], order[1], order[2], &delivered_at],
        )
        .await?;
        let prepared = &statements.delivery_order_total;
        let row = query_one(client, prepared, &order).await?;
        let total: Option<Decimal4> = column(&row, 0, prepared.name)?;
        let total = total.unwrap_or(Decimal4::ZERO);
        execute_one(
            client,
            &statements.delivery_customer,
            &[&warehouse_id, &district_id, &customer_id, &total],
        )
        .await?;
    }
    Ok((Outcome::Commit, skipped))
}

/// Stock-Level (§2.8.2).
pub async fn stock_level(
    session: &Session,
    warehouse_id: i32,
    district_id: i32,
    threshold: i32,
) -> Result<Outcome, Failure> {
    let (client, statements) = (&session.client, &session.statements);
    let prepared = &statements.stock_level_next_order;
    let row = query_one(client, prepared, &[&warehouse_id, &district_id]).await?;
    let next_order_id: i32 = column(&row, 0, prepared.name)?;
    let oldest = next_order_id - 20;
    let prepared = &statements.stock_level_count;
    let row = query_one(
        client,
        prepared,
        &[
            &warehouse_id,
            &district_id,
            &next_order_id,
            &oldest,
            &threshold,
        ],
    )
    .await?;
    let _low_stock: i64 = column(&row, 0, prepared.name)?;
    Ok(Outcome::Commit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_sqlstates() {
        let failure = |code: &str| Failure {
            statement: "x",
            sqlstate: Some(code.to_owned()),
            message: String::new(),
            connection_closed: false,
        };
        assert!(failure("40001").is_retryable());
        assert!(failure("40P01").is_retryable());
        assert!(!failure("23505").is_retryable());
        assert!(!Failure::unexpected("x", "gone").is_retryable());
    }
}
