//! The nine TPC-C tables (§1.3), their primary keys and secondary indexes, as data.
//!
//! Types are limited to what db001 supports first: `integer`, `numeric(p,s)`, `varchar(n)` and
//! `timestamp`. The spec's `char(n)` becomes `varchar(n)`; its `numeric(n)` counters and
//! quantities become `integer` (the spec allows any type that holds the range); money and rates
//! stay `numeric` so consistency condition 1 is exact. HISTORY has no primary key, as in the
//! spec (a surrogate key would need a sequence, which db001 does not have yet).
//!
//! Besides the customer-name index the brief asks for, ORDERS gets the usual
//! (o_w_id, o_d_id, o_c_id, o_id) index: without it Order-Status scans a whole district's orders
//! to find a customer's latest one. Both are created after the load, as bulk loaders do.
//!
//! The extra table `tpcc_load_info` records the NURand constants chosen at load time, because
//! the run must pick its C for C_LAST relative to the load's (§2.1.6.1).

/// A table: its name, columns in load order with their SQL types, and its primary key.
#[derive(Debug, Clone, Copy)]
pub struct TableDefinition {
    /// Table name.
    pub name: &'static str,
    /// (column, SQL type) in the order the loader writes them.
    pub columns: &'static [(&'static str, &'static str)],
    /// Primary-key columns; empty for HISTORY.
    pub primary_key: &'static [&'static str],
}

impl TableDefinition {
    /// `CREATE TABLE name (...)`.
    pub fn create_sql(&self) -> String {
        let mut sql = format!("CREATE TABLE {} (", self.name);
        for (index, (column, sql_type)) in self.columns.iter().enumerate() {
            if index > 0 {
                sql.push_str(", ");
            }
            sql.push_str(column);
            sql.push(' ');
            sql.push_str(sql_type);
            if self.primary_key.contains(column) {
                sql.push_str(" NOT NULL");
            }
        }
        if !self.primary_key.is_empty() {
            sql.push_str(", PRIMARY KEY (");
            sql.push_str(&self.primary_key.join(", "));
            sql.push(')');
        }
        sql.push(')');
        sql
    }

    /// The column list in parentheses, for COPY and INSERT.
    pub fn column_list(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(column, _)| *column).collect();
        format!("({})", names.join(", "))
    }
}

/// WAREHOUSE.
pub const WAREHOUSE: TableDefinition = TableDefinition {
    name: "warehouse",
    columns: &[
        ("w_id", "integer"),
        ("w_name", "varchar(10)"),
        ("w_street_1", "varchar(20)"),
        ("w_street_2", "varchar(20)"),
        ("w_city", "varchar(20)"),
        ("w_state", "varchar(2)"),
        ("w_zip", "varchar(9)"),
        ("w_tax", "numeric(4,4)"),
        ("w_ytd", "numeric(12,2)"),
    ],
    primary_key: &["w_id"],
};

/// DISTRICT.
pub const DISTRICT: TableDefinition = TableDefinition {
    name: "district",
    columns: &[
        ("d_id", "integer"),
        ("d_w_id", "integer"),
        ("d_name", "varchar(10)"),
        ("d_street_1", "varchar(20)"),
        ("d_street_2", "varchar(20)"),
        ("d_city", "varchar(20)"),
        ("d_state", "varchar(2)"),
        ("d_zip", "varchar(9)"),
        ("d_tax", "numeric(4,4)"),
        ("d_ytd", "numeric(12,2)"),
        ("d_next_o_id", "integer"),
    ],
    primary_key: &["d_w_id", "d_id"],
};

/// CUSTOMER.
pub const CUSTOMER: TableDefinition = TableDefinition {
    name: "customer",
    columns: &[
        ("c_id", "integer"),
        ("c_d_id", "integer"),
        ("c_w_id", "integer"),
        ("c_first", "varchar(16)"),
        ("c_middle", "varchar(2)"),
        ("c_last", "varchar(16)"),
        ("c_street_1", "varchar(20)"),
        ("c_street_2", "varchar(20)"),
        ("c_city", "varchar(20)"),
        ("c_state", "varchar(2)"),
        ("c_zip", "varchar(9)"),
        ("c_phone", "varchar(16)"),
        ("c_since", "timestamp"),
        ("c_credit", "varchar(2)"),
        ("c_credit_lim", "numeric(12,2)"),
        ("c_discount", "numeric(4,4)"),
        ("c_balance", "numeric(12,2)"),
        ("c_ytd_payment", "numeric(12,2)"),
        ("c_payment_cnt", "integer"),
        ("c_delivery_cnt", "integer"),
        ("c_data", "varchar(500)"),
    ],
    primary_key: &["c_w_id", "c_d_id", "c_id"],
};

/// HISTORY (no primary key in the spec).
pub const HISTORY: TableDefinition = TableDefinition {
    name: "history",
    columns: &[
        ("h_c_id", "integer"),
        ("h_c_d_id", "integer"),
        ("h_c_w_id", "integer"),
        ("h_d_id", "integer"),
        ("h_w_id", "integer"),
        ("h_date", "timestamp"),
        ("h_amount", "numeric(6,2)"),
        ("h_data", "varchar(24)"),
    ],
    primary_key: &[],
};

/// NEW-ORDER.
pub const NEW_ORDER: TableDefinition = TableDefinition {
    name: "new_order",
    columns: &[
        ("no_o_id", "integer"),
        ("no_d_id", "integer"),
        ("no_w_id", "integer"),
    ],
    primary_key: &["no_w_id", "no_d_id", "no_o_id"],
};

/// ORDER (named `orders`: ORDER is a reserved word).
pub const ORDERS: TableDefinition = TableDefinition {
    name: "orders",
    columns: &[
        ("o_id", "integer"),
        ("o_d_id", "integer"),
        ("o_w_id", "integer"),
        ("o_c_id", "integer"),
        ("o_entry_d", "timestamp"),
        ("o_carrier_id", "integer"),
        ("o_ol_cnt", "integer"),
        ("o_all_local", "integer"),
    ],
    primary_key: &["o_w_id", "o_d_id", "o_id"],
};

/// ORDER-LINE.
pub const ORDER_LINE: TableDefinition = TableDefinition {
    name: "order_line",
    columns: &[
        ("ol_o_id", "integer"),
        ("ol_d_id", "integer"),
        ("ol_w_id", "integer"),
        ("ol_number", "integer"),
        ("ol_i_id", "integer"),
        ("ol_supply_w_id", "integer"),
        ("ol_delivery_d", "timestamp"),
        ("ol_quantity", "integer"),
        ("ol_amount", "numeric(6,2)"),
        ("ol_dist_info", "varchar(24)"),
    ],
    primary_key: &["ol_w_id", "ol_d_id", "ol_o_id", "ol_number"],
};

/// ITEM.
pub const ITEM: TableDefinition = TableDefinition {
    name: "item",
    columns: &[
        ("i_id", "integer"),
        ("i_im_id", "integer"),
        ("i_name", "varchar(24)"),
        ("i_price", "numeric(5,2)"),
        ("i_data", "varchar(50)"),
    ],
    primary_key: &["i_id"],
};

/// STOCK.
pub const STOCK: TableDefinition = TableDefinition {
    name: "stock",
    columns: &[
        ("s_i_id", "integer"),
        ("s_w_id", "integer"),
        ("s_quantity", "integer"),
        ("s_dist_01", "varchar(24)"),
        ("s_dist_02", "varchar(24)"),
        ("s_dist_03", "varchar(24)"),
        ("s_dist_04", "varchar(24)"),
        ("s_dist_05", "varchar(24)"),
        ("s_dist_06", "varchar(24)"),
        ("s_dist_07", "varchar(24)"),
        ("s_dist_08", "varchar(24)"),
        ("s_dist_09", "varchar(24)"),
        ("s_dist_10", "varchar(24)"),
        ("s_ytd", "integer"),
        ("s_order_cnt", "integer"),
        ("s_remote_cnt", "integer"),
        ("s_data", "varchar(50)"),
    ],
    primary_key: &["s_w_id", "s_i_id"],
};

/// All nine tables, parents before children (the order they are created and dropped in
/// reverse).
pub const TABLES: [TableDefinition; 9] = [
    WAREHOUSE, DISTRICT, CUSTOMER, HISTORY, NEW_ORDER, ORDERS, ORDER_LINE, ITEM, STOCK,
];

/// Secondary indexes, created after the load: (name, statement).
pub const SECONDARY_INDEXES: [(&str, &str); 2] = [
    (
        "customer_name_index",
        "CREATE INDEX customer_name_index ON customer (c_w_id, c_d_id, c_last, c_first)",
    ),
    (
        "orders_customer_index",
        "CREATE INDEX orders_customer_index ON orders (o_w_id, o_d_id, o_c_id, o_id)",
    ),
];

/// The table that remembers the load's NURand constants and scale.
pub const LOAD_INFO: TableDefinition = TableDefinition {
    name: "tpcc_load_info",
    columns: &[
        ("warehouses", "integer"),
        ("c_last_load", "integer"),
        ("c_id_constant", "integer"),
        ("ol_i_id_constant", "integer"),
    ],
    primary_key: &[],
};

/// Rows per warehouse of ITEM (not per warehouse, but fixed), STOCK, CUSTOMER, ...
pub const ITEMS: i32 = 100_000;
/// Districts per warehouse.
pub const DISTRICTS_PER_WAREHOUSE: i32 = 10;
/// Customers per district.
pub const CUSTOMERS_PER_DISTRICT: i32 = 3_000;
/// Initial orders per district.
pub const ORDERS_PER_DISTRICT: i32 = 3_000;
/// The first initial order still undelivered (in NEW-ORDER).
pub const FIRST_UNDELIVERED_ORDER: i32 = 2_101;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_statements_name_keys_and_types() {
        let sql = NEW_ORDER.create_sql();
        assert_eq!(
            sql,
            "CREATE TABLE new_order (no_o_id integer NOT NULL, no_d_id integer NOT NULL, \
             no_w_id integer NOT NULL, PRIMARY KEY (no_w_id, no_d_id, no_o_id))"
        );
        assert!(!HISTORY.create_sql().contains("PRIMARY KEY"));
        for table in TABLES {
            let sql = table.create_sql();
            assert!(!sql.contains(" char("), "{sql} uses char(n)");
            for key in table.primary_key {
                assert!(table.columns.iter().any(|(column, _)| column == key));
            }
        }
    }

    #[test]
    fn column_list_is_parenthesised() {
        assert_eq!(NEW_ORDER.column_list(), "(no_o_id, no_d_id, no_w_id)");
    }
}
