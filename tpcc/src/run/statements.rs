//! Every SQL statement the five transactions send, named, with its parameter types, prepared once
//! per connection.
//!
//! Why named: when a server cannot run a statement, the report says which one
//! (`new_order.stock_for_update`) together with its text, not just "New-Order failed". Why typed:
//! `prepare_typed` tells the server each parameter's type, as JDBC and most drivers do, so a
//! young server's parameter-type inference is not what gets measured.
//!
//! The SQL follows the transaction profiles of §2.4–2.8 step by step; rows the spec locks are
//! read with `SELECT ... FOR UPDATE` (the district's next order id, the stock rows, the paying
//! customer). Stock-Level joins ORDER-LINE and STOCK as the spec's example does.

use tokio_postgres::types::Type;
use tokio_postgres::{Client, Statement};

use crate::error::DriverError;

/// A prepared statement and its name.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// `transaction.step`, as in the reports.
    pub name: &'static str,
    /// The server's handle.
    pub statement: Statement,
}

/// The text and parameter types of one statement.
#[derive(Debug, Clone, Copy)]
pub struct StatementDefinition {
    /// `transaction.step`.
    pub name: &'static str,
    /// SQL with `$n` parameters.
    pub sql: &'static str,
    /// Parameter types, in order.
    pub types: &'static [Type],
}

const INT: Type = Type::INT4;
const NUMERIC: Type = Type::NUMERIC;
const TEXT: Type = Type::VARCHAR;
const TIMESTAMP: Type = Type::TIMESTAMP;

macro_rules! definitions {
    ($($field:ident = $name:literal, $sql:literal, [$($types:expr),*];)*) => {
        /// Every statement except the per-district stock reads, in a fixed order.
        pub const DEFINITIONS: &[StatementDefinition] = &[
            $(StatementDefinition { name: $name, sql: $sql, types: &[$($types),*] },)*
        ];

        /// The prepared statements of one connection.
        #[derive(Debug, Clone)]
        pub struct Statements {
            $(
                #[doc = $sql]
                pub $field: Prepared,
            )*
            /// `new_order.stock_for_update` for districts 1..=10 (index 0..=9): each reads the
            /// S_DIST_xx column of its district only.
            pub stock_for_update: Vec<Prepared>,
        }

        impl Statements {
            /// Prepares every statement on `client`; the first failure names the statement.
            pub async fn prepare(client: &Client) -> Result<Statements, DriverError> {
                let mut stock_for_update = Vec::with_capacity(10);
                for sql in STOCK_FOR_UPDATE {
                    let definition = StatementDefinition {
                        name: STOCK_FOR_UPDATE_NAME,
                        sql,
                        types: &[INT, INT],
                    };
                    stock_for_update.push(prepare_one(client, &definition).await?);
                }
                let mut definitions = DEFINITIONS.iter();
                Ok(Statements {
                    $($field: prepare_one(
                        client,
                        definitions.next().expect("one definition per field"),
                    ).await?,)*
                    stock_for_update,
                })
            }
        }
    };
}

async fn prepare_one(
    client: &Client,
    definition: &StatementDefinition,
) -> Result<Prepared, DriverError> {
    let statement = client
        .prepare_typed(definition.sql, definition.types)
        .await
        .map_err(|error| {
            DriverError::database(
                format!("prepare {}: {}", definition.name, definition.sql),
                &error,
            )
        })?;
    Ok(Prepared {
        name: definition.name,
        statement,
    })
}

/// The name shared by the ten per-district stock reads.
pub const STOCK_FOR_UPDATE_NAME: &str = "new_order.stock_for_update";

/// `new_order.stock_for_update` for districts 1..=10.
pub const STOCK_FOR_UPDATE: [&str; 10] = [
    "SELECT s_quantity, s_data, s_dist_01 FROM stock WHERE s_w_id = $1 AND s_i_id = $2 FOR UPDATE",
    "SELECT s_quantity, s_data, s_dist_02 FROM stock WHERE s_w_id = $1 AND s_i_id = $2 FOR UPDATE",
    "SELECT s_quantity, s_data, s_dist_03 FROM stock WHERE s_w_id = $1 AND s_i_id = $2 FOR UPDATE",
    "SELECT s_quantity, s_data, s_dist_04 FROM stock WHERE s_w_id = $1 AND s_i_id = $2 FOR UPDATE",
    "SELECT s_quantity, s_data, s_dist_05 FROM stock WHERE s_w_id = $1 AND s_i_id = $2 FOR UPDATE",
    "SELECT s_quantity, s_data, s_dist_06 FROM stock WHERE s_w_id = $1 AND s_i_id = $2 FOR UPDATE",
    "SELECT s_quantity, s_data, s_dist_07 FROM stock WHERE s_w_id = $1 AND s_i_id = $2 FOR UPDATE",
    "SELECT s_quantity, s_data, s_dist_08 FROM stock WHERE s_w_id = $1 AND s_i_id = $2 FOR UPDATE",
    "SELECT s_quantity, s_data, s_dist_09 FROM stock WHERE s_w_id = $1 AND s_i_id = $2 FOR UPDATE",
    "SELECT s_quantity, s_data, s_dist_10 FROM stock WHERE s_w_id = $1 AND s_i_id = $2 FOR UPDATE",
];

definitions! {
    warehouse_tax = "new_order.warehouse_tax",
        "SELECT w_tax FROM warehouse WHERE w_id = $1", [INT];
    district_for_update = "new_order.district_for_update",
        "SELECT d_tax, d_next_o_id FROM district WHERE d_w_id = $1 AND d_id = $2 FOR UPDATE",
        [INT, INT];
    district_next_order = "new_order.district_next_order",
        "UPDATE district SET d_next_o_id = d_next_o_id + 1 WHERE d_w_id = $1 AND d_id = $2",
        [INT, INT];
    customer_discount = "new_order.customer",
        "SELECT c_discount, c_last, c_credit FROM customer \
         WHERE c_w_id = $1 AND c_d_id = $2 AND c_id = $3",
        [INT, INT, INT];
    order_insert = "new_order.order_insert",
        "INSERT INTO orders (o_id, o_d_id, o_w_id, o_c_id, o_entry_d, o_carrier_id, o_ol_cnt, \
         o_all_local) VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)",
        [INT, INT, INT, INT, TIMESTAMP, INT, INT];
    new_order_insert = "new_order.new_order_insert",
        "INSERT INTO new_order (no_o_id, no_d_id, no_w_id) VALUES ($1, $2, $3)",
        [INT, INT, INT];
    item = "new_order.item",
        "SELECT i_price, i_name, i_data FROM item WHERE i_id = $1", [INT];
    stock_update = "new_order.stock_update",
        "UPDATE stock SET s_quantity = $3, s_ytd = s_ytd + $4, s_order_cnt = s_order_cnt + 1, \
         s_remote_cnt = s_remote_cnt + $5 WHERE s_w_id = $1 AND s_i_id = $2",
        [INT, INT, INT, INT, INT];
    order_line_insert = "new_order.order_line_insert",
        "INSERT INTO order_line (ol_o_id, ol_d_id, ol_w_id, ol_number, ol_i_id, ol_supply_w_id, \
         ol_delivery_d, ol_quantity, ol_amount, ol_dist_info) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9)",
        [INT, INT, INT, INT, INT, INT, INT, NUMERIC, TEXT];

    warehouse_payment = "payment.warehouse_update",
        "UPDATE warehouse SET w_ytd = w_ytd + $2 WHERE w_id = $1", [INT, NUMERIC];
    warehouse_address = "payment.warehouse",
        "SELECT w_name, w_street_1, w_street_2, w_city, w_state, w_zip FROM warehouse \
         WHERE w_id = $1",
        [INT];
    district_payment = "payment.district_update",
        "UPDATE district SET d_ytd = d_ytd + $3 WHERE d_w_id = $1 AND d_id = $2",
        [INT, INT, NUMERIC];
    district_address = "payment.district",
        "SELECT d_name, d_street_1, d_street_2, d_city, d_state, d_zip FROM district \
         WHERE d_w_id = $1 AND d_id = $2",
        [INT, INT];
    payment_customer_ids_by_name = "payment.customer_ids_by_name",
        "SELECT c_id FROM customer WHERE c_w_id = $1 AND c_d_id = $2 AND c_last = $3 \
         ORDER BY c_first",
        [INT, INT, TEXT];
    payment_customer = "payment.customer_for_update",
        "SELECT c_first, c_middle, c_last, c_street_1, c_street_2, c_city, c_state, c_zip, \
         c_phone, c_since, c_credit, c_credit_lim, c_discount, c_balance, c_data FROM customer \
         WHERE c_w_id = $1 AND c_d_id = $2 AND c_id = $3 FOR UPDATE",
        [INT, INT, INT];
    customer_payment = "payment.customer_update",
        "UPDATE customer SET c_balance = c_balance - $4, c_ytd_payment = c_ytd_payment + $4, \
         c_payment_cnt = c_payment_cnt + 1 WHERE c_w_id = $1 AND c_d_id = $2 AND c_id = $3",
        [INT, INT, INT, NUMERIC];
    customer_payment_with_data = "payment.customer_update_with_data",
        "UPDATE customer SET c_balance = c_balance - $4, c_ytd_payment = c_ytd_payment + $4, \
         c_payment_cnt = c_payment_cnt + 1, c_data = $5 \
         WHERE c_w_id = $1 AND c_d_id = $2 AND c_id = $3",
        [INT, INT, INT, NUMERIC, TEXT];
    history_insert = "payment.history_insert",
        "INSERT INTO history (h_c_id, h_c_d_id, h_c_w_id, h_d_id, h_w_id, h_date, h_amount, \
         h_data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [INT, INT, INT, INT, INT, TIMESTAMP, NUMERIC, TEXT];

    order_status_customers_by_name = "order_status.customers_by_name",
        "SELECT c_id, c_balance, c_first, c_middle, c_last FROM customer \
         WHERE c_w_id = $1 AND c_d_id = $2 AND c_last = $3 ORDER BY c_first",
        [INT, INT, TEXT];
    order_status_customer = "order_status.customer",
        "SELECT c_balance, c_first, c_middle, c_last FROM customer \
         WHERE c_w_id = $1 AND c_d_id = $2 AND c_id = $3",
        [INT, INT, INT];
    order_status_last_order = "order_status.last_order",
        "SELECT o_id, o_entry_d, o_carrier_id FROM orders \
         WHERE o_w_id = $1 AND o_d_id = $2 AND o_c_id = $3 ORDER BY o_id DESC LIMIT 1",
        [INT, INT, INT];
    order_status_lines = "order_status.order_lines",
        "SELECT ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_delivery_d FROM order_line \
         WHERE ol_w_id = $1 AND ol_d_id = $2 AND ol_o_id = $3",
        [INT, INT, INT];

    delivery_oldest_new_order = "delivery.oldest_new_order",
        "SELECT no_o_id FROM new_order WHERE no_w_id = $1 AND no_d_id = $2 \
         ORDER BY no_o_id LIMIT 1",
        [INT, INT];
    delivery_delete_new_order = "delivery.delete_new_order",
        "DELETE FROM new_order WHERE no_w_id = $1 AND no_d_id = $2 AND no_o_id = $3",
        [INT, INT, INT];
    delivery_order_customer = "delivery.order_customer",
        "SELECT o_c_id FROM orders WHERE o_w_id = $1 AND o_d_id = $2 AND o_id = $3",
        [INT, INT, INT];
    delivery_order_carrier = "delivery.order_update",
        "UPDATE orders SET o_carrier_id = $4 WHERE o_w_id = $1 AND o_d_id = $2 AND o_id = $3",
        [INT, INT, INT, INT];
    delivery_order_lines = "delivery.order_line_update",
        "UPDATE order_line SET ol_delivery_d = $4 \
         WHERE ol_w_id = $1 AND ol_d_id = $2 AND ol_o_id = $3",
        [INT, INT, INT, TIMESTAMP];
    delivery_order_total = "delivery.order_line_total",
        "SELECT SUM(ol_amount) FROM order_line WHERE ol_w_id = $1 AND ol_d_id = $2 AND ol_o_id = $3",
        [INT, INT, INT];
    delivery_customer = "delivery.customer_update",
        "UPDATE customer SET c_balance = c_balance + $4, c_delivery_cnt = c_delivery_cnt + 1 \
         WHERE c_w_id = $1 AND c_d_id = $2 AND c_id = $3",
        [INT, INT, INT, NUMERIC];

    stock_level_next_order = "stock_level.district",
        "SELECT d_next_o_id FROM district WHERE d_w_id = $1 AND d_id = $2", [INT, INT];
    stock_level_count = "stock_level.low_stock",
        "SELECT COUNT(DISTINCT s_i_id) FROM order_line, stock \
         WHERE ol_w_id = $1 AND ol_d_id = $2 AND ol_o_id < $3 AND ol_o_id >= $4 \
         AND s_w_id = $1 AND s_i_id = ol_i_id AND s_quantity < $5",
        [INT, INT, INT, INT, INT];
}

/// The SQL of the statement called `name`, for error reports.
pub fn sql_of(name: &str) -> Option<&'static str> {
    if name == STOCK_FOR_UPDATE_NAME {
        return Some(STOCK_FOR_UPDATE[0]);
    }
    DEFINITIONS
        .iter()
        .find(|definition| definition.name == name)
        .map(|definition| definition.sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_counts_match_the_sql() {
        for definition in DEFINITIONS {
            let highest = (1..=20)
                .rev()
                .find(|number| definition.sql.contains(&format!("${number}")))
                .unwrap_or(0);
            assert_eq!(highest, definition.types.len(), "{}", definition.name);
        }
    }

    #[test]
    fn names_are_unique_and_known() {
        let mut names: Vec<&str> = DEFINITIONS
            .iter()
            .map(|definition| definition.name)
            .collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count);
        assert_eq!(sql_of("payment.warehouse_update"), Some(DEFINITIONS[9].sql));
        assert!(sql_of(STOCK_FOR_UPDATE_NAME).is_some_and(|sql| sql.contains("FOR UPDATE")));
        assert_eq!(sql_of("no.such"), None);
    }
}
