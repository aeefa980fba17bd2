//! The initial population of TPC-C 5.11 §4.3.3.1, table by table.
//!
//! Each function fills one unit of work (a range of items or stock rows, or everything that
//! belongs to one district) through [`TableWriter`]s on one connection. A connection carries one
//! COPY at a time, so a district's tables are written one after the other; the order-line counts
//! drawn for ORDERS are kept (3,000 bytes) to generate ORDER-LINE afterwards.

use indicatif::ProgressBar;
use tokio_postgres::Client;

use crate::data::{
    NURAND_A_LAST_NAME, NurandConstants, append_a_string, append_data_with_original,
    append_last_name, append_n_string, append_zip, nurand,
};
use crate::error::DriverError;
use crate::load::writer::{LoadMethod, TableWriter};
use crate::numeric::Decimal4;
use crate::rng::Rng;
use crate::schema::{
    CUSTOMER, CUSTOMERS_PER_DISTRICT, DISTRICT, DISTRICTS_PER_WAREHOUSE, FIRST_UNDELIVERED_ORDER,
    HISTORY, ITEM, NEW_ORDER, ORDER_LINE, ORDERS, ORDERS_PER_DISTRICT, STOCK, WAREHOUSE,
};

/// Reusable text buffers for one worker.
#[derive(Debug, Default)]
pub struct Scratch {
    text: String,
}

impl Scratch {
    fn fill(&mut self, generate: impl FnOnce(&mut String)) -> &str {
        self.text.clear();
        generate(&mut self.text);
        &self.text
    }
}

/// What the load shares with every unit of work.
#[derive(Debug, Clone)]
pub struct LoadContext {
    /// COPY or INSERT.
    pub method: LoadMethod,
    /// The NURand constants of this load.
    pub constants: NurandConstants,
    /// The load's "current date/time", in PostgreSQL's timestamp input format.
    pub now: String,
    /// Row counter shared by all workers, if a progress bar is shown.
    pub progress: Option<ProgressBar>,
}

impl LoadContext {
    async fn open<'a>(
        &self,
        client: &'a Client,
        table: &'static crate::schema::TableDefinition,
    ) -> Result<TableWriter<'a>, DriverError> {
        TableWriter::open(client, table, self.method, self.progress.clone()).await
    }
}

fn address(writer: &mut TableWriter<'_>, rng: &mut Rng, scratch: &mut Scratch) {
    // street 1, street 2, city: a-string [10..20]; state: 2 letters; zip.
    for _ in 0..3 {
        writer.text(scratch.fill(|text| append_a_string(rng, 10, 20, text)));
    }
    writer.text(scratch.fill(|text| append_a_string(rng, 2, 2, text)));
    writer.text(scratch.fill(|text| append_zip(rng, text)));
}

/// Items `first..=last`.
pub async fn items(
    client: &Client,
    context: &LoadContext,
    rng: &mut Rng,
    first: i32,
    last: i32,
) -> Result<u64, DriverError> {
    let mut scratch = Scratch::default();
    let mut writer = context.open(client, &ITEM).await?;
    for item_id in first..=last {
        writer.int(i64::from(item_id));
        writer.int(rng.between(1, 10_000));
        writer.text(scratch.fill(|text| append_a_string(rng, 14, 24, text)));
        writer.decimal(Decimal4::from_cents(rng.between(100, 10_000)));
        writer.text(scratch.fill(|text| append_data_with_original(rng, 26, 50, text)));
        writer.end_row().await?;
    }
    writer.finish().await
}

/// The WAREHOUSE row and the ten DISTRICT rows of each warehouse in `warehouses`.
pub async fn warehouses_and_districts(
    client: &Client,
    context: &LoadContext,
    rng: &mut Rng,
    warehouses: i32,
) -> Result<u64, DriverError> {
    let mut scratch = Scratch::default();
    let mut writer = context.open(client, &WAREHOUSE).await?;
    for warehouse_id in 1..=warehouses {
        writer.int(i64::from(warehouse_id));
        writer.text(scratch.fill(|text| append_a_string(rng, 6, 10, text)));
        address(&mut writer, rng, &mut scratch);
        writer.decimal(Decimal4(rng.between(0, 2000)));
        writer.decimal(Decimal4::from_cents(30_000_000));
        writer.end_row().await?;
    }
    let mut rows = writer.finish().await?;
    let mut writer = context.open(client, &DISTRICT).await?;
    for warehouse_id in 1..=warehouses {
        for district_id in 1..=DISTRICTS_PER_WAREHOUSE {
            writer.int(i64::from(district_id));
            writer.int(i64::from(warehouse_id));
            writer.text(scratch.fill(|text| append_a_string(rng, 6, 10, text)));
            address(&mut writer, rng, &mut scratch);
            writer.decimal(Decimal4(rng.between(0, 2000)));
            writer.decimal(Decimal4::from_cents(3_000_000));
            writer.int(i64::from(ORDERS_PER_DISTRICT + 1));
            writer.end_row().await?;
        }
    }
    rows += writer.finish().await?;
    Ok(rows)
}

/// Stock rows of `warehouse_id` for items `first..=last`.
pub async fn stock(
    client: &Client,
    context: &LoadContext,
    rng: &mut Rng,
    warehouse_id: i32,
    first: i32,
    last: i32,
) -> Result<u64, DriverError> {
    let mut scratch = Scratch::default();
    let mut writer = context.open(client, &STOCK).await?;
    for item_id in first..=last {
        writer.int(i64::from(item_id));
        writer.int(i64::from(warehouse_id));
        writer.int(rng.between(10, 100));
        for _ in 0..10 {
            writer.text(scratch.fill(|text| append_a_string(rng, 24, 24, text)));
        }
        writer.int(0);
        writer.int(0);
        writer.int(0);
        writer.text(scratch.fill(|text| append_data_with_original(rng, 26, 50, text)));
        writer.end_row().await?;
    }
    writer.finish().await
}

/// CUSTOMER, HISTORY, ORDERS, ORDER-LINE and NEW-ORDER rows of one district.
pub async fn district(
    client: &Client,
    context: &LoadContext,
    rng: &mut Rng,
    warehouse_id: i32,
    district_id: i32,
) -> Result<u64, DriverError> {
    let mut scratch = Scratch::default();
    let warehouse = i64::from(warehouse_id);
    let district = i64::from(district_id);
    let now = context.now.as_str();

    let mut writer = context.open(client, &CUSTOMER).await?;
    for customer_id in 1..=CUSTOMERS_PER_DISTRICT {
        writer.int(i64::from(customer_id));
        writer.int(district);
        writer.int(warehouse);
        writer.text(scratch.fill(|text| append_a_string(rng, 8, 16, text)));
        writer.text("OE");
        let name_number = if customer_id <= 1000 {
            customer_id - 1
        } else {
            nurand(rng, NURAND_A_LAST_NAME, context.constants.last_name, 0, 999)
        };
        writer.text(scratch.fill(|text| append_last_name(name_number as u32, text)));
        address(&mut writer, rng, &mut scratch);
        writer.text(scratch.fill(|text| append_n_string(rng, 16, 16, text)));
        writer.text(now);
        writer.text(if rng.below(10) == 0 { "BC" } else { "GC" });
        writer.decimal(Decimal4::from_cents(5_000_000));
        writer.decimal(Decimal4(rng.between(0, 5000)));
        writer.decimal(Decimal4::from_cents(-1000));
        writer.decimal(Decimal4::from_cents(1000));
        writer.int(1);
        writer.int(0);
        writer.text(scratch.fill(|text| append_a_string(rng, 300, 500, text)));
        writer.end_row().await?;
    }
    let mut rows = writer.finish().await?;

    let mut writer = context.open(client, &HISTORY).await?;
    for customer_id in 1..=CUSTOMERS_PER_DISTRICT {
        writer.int(i64::from(customer_id));
        writer.int(district);
        writer.int(warehouse);
        writer.int(district);
        writer.int(warehouse);
        writer.text(now);
        writer.decimal(Decimal4::from_cents(1000));
        writer.text(scratch.fill(|text| append_a_string(rng, 12, 24, text)));
        writer.end_row().await?;
    }
    rows += writer.finish().await?;

    let mut customers: Vec<i32> = (1..=CUSTOMERS_PER_DISTRICT).collect();
    rng.shuffle(&mut customers);
    let mut line_counts = vec![0u8; ORDERS_PER_DISTRICT as usize];
    let mut writer = context.open(client, &ORDERS).await?;
    for order_id in 1..=ORDERS_PER_DISTRICT {
        let line_count = rng.between(5, 15);
        line_counts[(order_id - 1) as usize] = line_count as u8;
        writer.int(i64::from(order_id));
        writer.int(district);
        writer.int(warehouse);
        writer.int(i64::from(customers[(order_id - 1) as usize]));
        writer.text(now);
        if order_id < FIRST_UNDELIVERED_ORDER {
            writer.int(rng.between(1, 10));
        } else {
            writer.null();
        }
        writer.int(line_count);
        writer.int(1);
        writer.end_row().await?;
    }
    rows += writer.finish().await?;

    let mut writer = context.open(client, &ORDER_LINE).await?;
    for order_id in 1..=ORDERS_PER_DISTRICT {
        let delivered = order_id < FIRST_UNDELIVERED_ORDER;
        for line_number in 1..=i64::from(line_counts[(order_id - 1) as usize]) {
            writer.int(i64::from(order_id));
            writer.int(district);
            writer.int(warehouse);
            writer.int(line_number);
            writer.int(rng.between(1, 100_000));
            writer.int(warehouse);
            if delivered {
                writer.text(now);
            } else {
                writer.null();
            }
            writer.int(5);
            if delivered {
                writer.decimal(Decimal4::ZERO);
            } else {
                writer.decimal(Decimal4::from_cents(rng.between(1, 999_999)));
            }
            writer.text(scratch.fill(|text| append_a_string(rng, 24, 24, text)));
            writer.end_row().await?;
        }
    }
    rows += writer.finish().await?;

    let mut writer = context.open(client, &NEW_ORDER).await?;
    for order_id in FIRST_UNDELIVERED_ORDER..=ORDERS_PER_DISTRICT {
        writer.int(i64::from(order_id));
        writer.int(district);
        writer.int(warehouse);
        writer.end_row().await?;
    }
    rows += writer.finish().await?;
    Ok(rows)
}

/// Rows a load of `warehouses` writes, with the order-line count at its expectation of ten per
/// order (the exact count is random).
pub fn expected_rows(warehouses: i32) -> u64 {
    let warehouses = warehouses as u64;
    let districts = warehouses * DISTRICTS_PER_WAREHOUSE as u64;
    let per_district = CUSTOMERS_PER_DISTRICT as u64 * 2
        + ORDERS_PER_DISTRICT as u64 * 11
        + (ORDERS_PER_DISTRICT - FIRST_UNDELIVERED_ORDER + 1) as u64;
    crate::schema::ITEMS as u64
        + warehouses * (1 + crate::schema::ITEMS as u64)
        + districts * (1 + per_district)
}

/// `YYYY-MM-DD HH:MM:SS.ffffff` (UTC) for a time since the Unix epoch.
pub fn timestamp_text(since_epoch: std::time::Duration) -> String {
    let seconds = since_epoch.as_secs() as i64;
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:06}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
        since_epoch.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_formatted_in_utc() {
        assert_eq!(timestamp_text(Duration::ZERO), "1970-01-01 00:00:00.000000");
        // 2024-02-29 12:34:56.789 UTC.
        assert_eq!(
            timestamp_text(Duration::from_millis(1_709_210_096_789)),
            "2024-02-29 12:34:56.789000"
        );
        assert_eq!(
            timestamp_text(Duration::from_secs(951_782_400)),
            "2000-02-29 00:00:00.000000"
        );
    }

    #[test]
    fn expected_rows_for_one_warehouse() {
        // 100,000 items + 1 warehouse + 100,000 stock + 10 districts × (1 + 3,000 customers +
        // 3,000 history + 3,000 orders + 30,000 lines + 900 new orders).
        assert_eq!(expected_rows(1), 100_000 + 1 + 100_000 + 10 * (1 + 39_900));
    }
}
