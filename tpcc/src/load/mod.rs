//! `tpcc load`: creates the schema and loads the initial population in parallel.
//!
//! The sequence:
//! 1. drop any previous TPC-C tables and create the nine tables with their primary keys;
//! 2. write WAREHOUSE and DISTRICT on the setup connection, trying COPY first — this doubles
//!    as the probe for COPY support (see [`writer`]);
//! 3. split the rest into units of work of similar size (item ranges, stock ranges per
//!    warehouse, one unit per district for its customers, history, orders, order lines and new
//!    orders) and let `threads` connections take units from a shared counter;
//! 4. create the secondary indexes, record the NURand constants in `tpcc_load_info`, and
//!    ANALYZE (best effort: a server without ANALYZE still gets a usable database).
//!
//! Every unit draws from its own random stream derived from the load's seed, so a seeded load
//! is reproducible regardless of which worker takes which unit.

pub mod generate;
pub mod writer;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use tokio_postgres::Client;

use crate::connection::connect;
use crate::data::NurandConstants;
use crate::error::DriverError;
use crate::rng::Rng;
use crate::schema::{DISTRICTS_PER_WAREHOUSE, ITEMS, LOAD_INFO, SECONDARY_INDEXES, TABLES};
use generate::LoadContext;
use writer::{LoadMethod, copy_is_unsupported};

/// Options of `tpcc load`.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Server to load.
    pub url: String,
    /// Number of warehouses (the scale factor).
    pub warehouses: i32,
    /// Parallel loading connections.
    pub threads: usize,
    /// Seed for a reproducible population; random when absent.
    pub seed: Option<u64>,
    /// Rows per INSERT statement when the server has no COPY.
    pub insert_batch_rows: usize,
    /// Skip COPY even if the server supports it.
    pub force_insert: bool,
    /// Draw a progress bar on a terminal.
    pub progress: bool,
}

/// What a load did, for the console and `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// Always `tpcc-load`.
    pub benchmark: &'static str,
    /// Scale factor.
    pub warehouses: i32,
    /// `copy` or `insert`.
    pub method: &'static str,
    /// Loading connections.
    pub threads: usize,
    /// The seed used.
    pub seed: u64,
    /// Rows written across all tables.
    pub rows: u64,
    /// Wall-clock time from the first DROP to the end of ANALYZE.
    pub seconds: f64,
    /// `rows / seconds`.
    pub rows_per_second: f64,
    /// Why ANALYZE was skipped, if it failed.
    pub analyze_warning: Option<String>,
}

/// One unit of parallel work.
#[derive(Debug, Clone, Copy)]
enum Unit {
    Items {
        first: i32,
        last: i32,
    },
    Stock {
        warehouse_id: i32,
        first: i32,
        last: i32,
    },
    District {
        warehouse_id: i32,
        district_id: i32,
    },
}

/// Item and stock ranges are cut into pieces of this many rows so they spread over workers.
const RANGE_ROWS: i32 = 25_000;

fn plan_units(warehouses: i32) -> Vec<Unit> {
    let mut units = Vec::new();
    for warehouse_id in 1..=warehouses {
        for district_id in 1..=DISTRICTS_PER_WAREHOUSE {
            units.push(Unit::District {
                warehouse_id,
                district_id,
            });
        }
        let mut first = 1;
        while first <= ITEMS {
            let last = (first + RANGE_ROWS - 1).min(ITEMS);
            units.push(Unit::Stock {
                warehouse_id,
                first,
                last,
            });
            first = last + 1;
        }
    }
    let mut first = 1;
    while first <= ITEMS {
        let last = (first + RANGE_ROWS - 1).min(ITEMS);
        units.push(Unit::Items { first, last });
        first = last + 1;
    }
    units
}

async fn execute(client: &Client, context: &str, sql: &str) -> Result<(), DriverError> {
    client
        .batch_execute(sql)
        .await
        .map_err(|error| DriverError::database(context, &error))
}

/// Creates the schema and loads `options.warehouses` warehouses.
pub async fn load(options: &LoadOptions) -> Result<LoadReport, DriverError> {
    if options.warehouses < 1 {
        return Err(DriverError::new(
            "options",
            "--warehouses must be at least 1",
        ));
    }
    let started = Instant::now();
    let seed = options
        .seed
        .unwrap_or_else(|| Rng::from_entropy().next_u64());
    let mut rng = Rng::for_stream(seed, u64::MAX);
    let constants = NurandConstants::random_for_load(&mut rng);
    let client = connect(&options.url).await?;

    for table in TABLES.iter().rev().chain([&LOAD_INFO]) {
        let sql = format!("DROP TABLE IF EXISTS {}", table.name);
        execute(&client, &sql, &sql).await?;
    }
    for table in TABLES.iter().chain([&LOAD_INFO]) {
        execute(
            &client,
            &format!("CREATE TABLE {}", table.name),
            &table.create_sql(),
        )
        .await?;
    }

    let progress = if options.progress {
        let bar = ProgressBar::with_draw_target(
            Some(generate::expected_rows(options.warehouses)),
            ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {human_pos}/~{human_len} rows ({per_sec}) {msg}",
            )
            .map_err(|error| DriverError::new("progress bar", error.to_string()))?
            .progress_chars("=> "),
        );
        Some(bar)
    } else {
        None
    };
    let now = timestamp_now();
    let mut context = LoadContext {
        method: if options.force_insert {
            LoadMethod::Insert {
                rows_per_statement: options.insert_batch_rows.max(1),
            }
        } else {
            LoadMethod::Copy
        },
        constants,
        now,
        progress: progress.clone(),
    };
    let mut setup_rng = Rng::for_stream(seed, u64::MAX - 1);
    let mut rows = match generate::warehouses_and_districts(
        &client,
        &context,
        &mut setup_rng,
        options.warehouses,
    )
    .await
    {
        Err(error) if context.method == LoadMethod::Copy && copy_is_unsupported(&error) => {
            if let Some(bar) = &progress {
                bar.println(format!(
                    "COPY not supported ({error}); using multi-row INSERT"
                ));
            } else {
                eprintln!("COPY not supported ({error}); using multi-row INSERT");
            }
            context.method = LoadMethod::Insert {
                rows_per_statement: options.insert_batch_rows.max(1),
            };
            // Nothing should have been written, but a server that took WAREHOUSE by COPY
            // and refused it for DISTRICT must not end up with two copies of WAREHOUSE.
            execute(&client, "DELETE FROM warehouse", "DELETE FROM warehouse").await?;
            execute(&client, "DELETE FROM district", "DELETE FROM district").await?;
            let mut setup_rng = Rng::for_stream(seed, u64::MAX - 1);
            generate::warehouses_and_districts(
                &client,
                &context,
                &mut setup_rng,
                options.warehouses,
            )
            .await?
        }
        other => other?,
    };

    rows += run_units(options, seed, &context).await?;
    if let Some(bar) = &progress {
        bar.set_length(rows);
        bar.set_message("creating indexes");
    }
    for (name, sql) in SECONDARY_INDEXES {
        execute(&client, &format!("CREATE INDEX {name}"), sql).await?;
    }
    let info = format!(
        "INSERT INTO {} VALUES ({}, {}, {}, {})",
        LOAD_INFO.name,
        options.warehouses,
        constants.last_name,
        constants.customer_id,
        constants.item_id
    );
    execute(&client, "INSERT INTO tpcc_load_info", &info).await?;
    if let Some(bar) = &progress {
        bar.set_message("analyzing");
    }
    let analyze_warning = match client.batch_execute("ANALYZE").await {
        Ok(()) => None,
        Err(error) => Some(DriverError::database("ANALYZE", &error).to_string()),
    };
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(LoadReport {
        benchmark: "tpcc-load",
        warehouses: options.warehouses,
        method: context.method.name(),
        threads: options.threads,
        seed,
        rows,
        seconds,
        rows_per_second: rows as f64 / seconds.max(1e-9),
        analyze_warning,
    })
}

fn timestamp_now() -> String {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    generate::timestamp_text(since_epoch)
}

/// Runs every unit on `options.threads` connections; the first failure stops the others from
/// taking new units and is returned.
async fn run_units(
    options: &LoadOptions,
    seed: u64,
    context: &LoadContext,
) -> Result<u64, DriverError> {
    let units = Arc::new(plan_units(options.warehouses));
    let next_unit = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for _ in 0..options.threads.max(1) {
        let units = Arc::clone(&units);
        let next_unit = Arc::clone(&next_unit);
        let failed = Arc::clone(&failed);
        let context = context.clone();
        let url = options.url.clone();
        workers.push(tokio::spawn(async move {
            let client = connect(&url).await?;
            let mut rows = 0;
            loop {
                if failed.load(Ordering::Relaxed) {
                    return Ok(rows);
                }
                let index = next_unit.fetch_add(1, Ordering::Relaxed);
                let Some(unit) = units.get(index).copied() else {
                    return Ok(rows);
                };
                let mut rng = Rng::for_stream(seed, index as u64);
                let result = match unit {
                    Unit::Items { first, last } => {
                        generate::items(&client, &context, &mut rng, first, last).await
                    }
                    Unit::Stock {
                        warehouse_id,
                        first,
                        last,
                    } => {
                        generate::stock(&client, &context, &mut rng, warehouse_id, first, last)
                            .await
                    }
                    Unit::District {
                        warehouse_id,
                        district_id,
                    } => {
                        generate::district(&client, &context, &mut rng, warehouse_id, district_id)
                            .await
                    }
                };
                match result {
                    Ok(written) => rows += written,
                    Err(error) => {
                        failed.store(true, Ordering::Relaxed);
                        return Err(error);
                    }
                }
            }
        }));
    }
    let mut rows = 0;
    let mut first_error = None;
    for worker in workers {
        match worker.await {
            Ok(Ok(written)) => rows += written,
            Ok(Err(error)) => {
                first_error.get_or_insert(error);
            }
            Err(join_error) => {
                first_error.get_or_insert(DriverError::new("load worker", join_error.to_string()));
            }
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(rows),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_cover_every_row_once() {
        let units = plan_units(2);
        let mut items = 0;
        let mut stock = [0; 3];
        let mut districts = 0;
        for unit in units {
            match unit {
                Unit::Items { first, last } => items += last - first + 1,
                Unit::Stock {
                    warehouse_id,
                    first,
                    last,
                } => stock[warehouse_id as usize] += last - first + 1,
                Unit::District { .. } => districts += 1,
            }
        }
        assert_eq!(items, ITEMS);
        assert_eq!(stock, [0, ITEMS, ITEMS]);
        assert_eq!(districts, 20);
    }
}
