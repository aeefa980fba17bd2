//! One terminal: a connection bound to a home warehouse that runs transactions back to back
//! (no keying or think time) until the measurement ends.
//!
//! Each transaction: deal its type from the deck, draw its input, then attempt
//! BEGIN → profile → COMMIT (or ROLLBACK). A serialization failure (40001) or deadlock (40P01)
//! rolls back and retries the same input, up to `max_retries` times; any other failure rolls back
//! and is recorded against its statement. Retries wait a random, exponentially growing pause
//! first (at most 64 ms), which is included in the latency. Latency is measured from the first BEGIN to the final
//! COMMIT or ROLLBACK, so it includes retries. Only transactions that finish inside the
//! measurement window count; errors count whenever they happen.
//!
//! Every wait is bounded: each attempt must finish before the hard deadline (end of the
//! measurement plus a grace period), so a server that hangs cannot hang the driver.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::{Instant, timeout_at};

use crate::rng::Rng;
use crate::run::inputs::{NewOrderInput, OrderStatusInput, PaymentInput, TerminalIdentity};
use crate::run::mix::{Deck, TransactionType};
use crate::run::report::TerminalStats;
use crate::run::transactions::{self, Failure, Outcome, Scratch, Session};

/// Retry back-off ceilings double this many times (to 64 ms).
const RETRY_BACKOFF_DOUBLINGS_MAX: u32 = 6;

/// A drawn input of any type, kept across retries.
#[derive(Debug, Clone)]
enum Input {
    NewOrder(NewOrderInput),
    Payment(PaymentInput),
    OrderStatus(OrderStatusInput),
    Delivery { carrier_id: i32 },
    StockLevel { threshold: i32 },
}

/// Timing shared by all terminals.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Transactions finishing before this are warm-up.
    pub measure_start: Instant,
    /// No transaction starts after this; those finishing after it do not count.
    pub measure_end: Instant,
    /// An attempt still running at this point is abandoned.
    pub hard_deadline: Instant,
}

/// Counters the progress reporter reads while the run is going.
#[derive(Debug, Default)]
pub struct LiveCounters {
    /// New-Orders completed (warm-up included).
    pub new_orders: AtomicU64,
    /// Transactions completed (warm-up included).
    pub transactions: AtomicU64,
    /// Failed transactions (any time).
    pub errors: AtomicU64,
}

/// A terminal's state.
#[derive(Debug)]
pub struct Terminal {
    session: Session,
    identity: TerminalIdentity,
    rng: Rng,
    deck: Deck,
    scratch: Scratch,
    begin_sql: &'static str,
    max_retries: u32,
    stats: TerminalStats,
    live: Arc<LiveCounters>,
}

impl Terminal {
    /// A terminal ready to run.
    pub fn new(
        session: Session,
        identity: TerminalIdentity,
        rng: Rng,
        begin_sql: &'static str,
        max_retries: u32,
        live: Arc<LiveCounters>,
    ) -> Self {
        Self {
            session,
            identity,
            rng,
            deck: Deck::new(),
            scratch: Scratch::default(),
            begin_sql,
            max_retries,
            stats: TerminalStats::default(),
            live,
        }
    }

    /// Runs until the measurement ends or the connection is lost; returns the statistics.
    pub async fn run(mut self, window: Window) -> TerminalStats {
        while Instant::now() < window.measure_end {
            let kind = self.deck.deal(&mut self.rng);
            let input = self.draw(kind);
            let started = Instant::now();
            let mut retries = 0;
            let result = loop {
                let attempt = timeout_at(window.hard_deadline, self.attempt(&input)).await;
                let outcome = match attempt {
                    Ok(outcome) => outcome,
                    Err(_elapsed) => Err(Failure {
                        statement: "transaction",
                        sqlstate: None,
                        message: "still running at the end of the grace period".to_owned(),
                        connection_closed: true,
                    }),
                };
                match outcome {
                    Err(failure) if failure.is_retryable() && retries < self.max_retries => {
                        retries += 1;
                        // Randomised exponential back-off, so the transactions that collided
                        // do not collide again at once: up to 1, 2, 4, ... 64 ms.
                        let ceiling = 1u64 << retries.min(RETRY_BACKOFF_DOUBLINGS_MAX);
                        let pause = Duration::from_micros(self.rng.below(ceiling * 1000) + 1);
                        if Instant::now() + pause < window.hard_deadline {
                            tokio::time::sleep(pause).await;
                        }
                    }
                    other => break other,
                }
            };
            let finished = Instant::now();
            let counted = finished >= window.measure_start && finished <= window.measure_end;
            let stats = &mut self.stats.by_type[kind.index()];
            if counted {
                stats.retries += u64::from(retries);
            }
            match result {
                Ok((outcome, skipped_districts)) => {
                    self.live.transactions.fetch_add(1, Ordering::Relaxed);
                    if kind == TransactionType::NewOrder {
                        self.live.new_orders.fetch_add(1, Ordering::Relaxed);
                    }
                    if counted {
                        match outcome {
                            Outcome::Commit => stats.committed += 1,
                            Outcome::RollBack => stats.rolled_back += 1,
                        }
                        stats.latency.record(micros(finished - started));
                        self.stats.delivery_skipped_districts += skipped_districts;
                    }
                }
                Err(failure) => {
                    stats.failed += 1;
                    self.live.errors.fetch_add(1, Ordering::Relaxed);
                    let closed = failure.connection_closed;
                    self.stats.record_error(kind, &failure);
                    if closed {
                        self.stats.connection_lost = true;
                        break;
                    }
                }
            }
        }
        self.stats
    }

    fn draw(&mut self, kind: TransactionType) -> Input {
        let rng = &mut self.rng;
        let identity = &self.identity;
        match kind {
            TransactionType::NewOrder => Input::NewOrder(NewOrderInput::draw(rng, identity)),
            TransactionType::Payment => Input::Payment(PaymentInput::draw(
                rng,
                identity,
                &mut self.scratch.last_name,
            )),
            TransactionType::OrderStatus => Input::OrderStatus(OrderStatusInput::draw(
                rng,
                identity,
                &mut self.scratch.last_name,
            )),
            TransactionType::Delivery => Input::Delivery {
                carrier_id: rng.between_i32(1, 10),
            },
            TransactionType::StockLevel => Input::StockLevel {
                threshold: rng.between_i32(10, 20),
            },
        }
    }

    /// One attempt: BEGIN, the profile, COMMIT or ROLLBACK. Returns the outcome and, for
    /// Delivery, the districts skipped.
    async fn attempt(&mut self, input: &Input) -> Result<(Outcome, u64), Failure> {
        let client = &self.session.client;
        client
            .batch_execute(self.begin_sql)
            .await
            .map_err(|error| Failure::database("BEGIN", &error))?;
        let warehouse_id = self.identity.warehouse_id;
        let session = &self.session;
        let result = match input {
            Input::NewOrder(input) => transactions::new_order(session, warehouse_id, input)
                .await
                .map(|outcome| (outcome, 0)),
            Input::Payment(input) => {
                transactions::payment(session, warehouse_id, input, &mut self.scratch)
                    .await
                    .map(|outcome| (outcome, 0))
            }
            Input::OrderStatus(input) => {
                transactions::order_status(session, warehouse_id, input, &self.scratch)
                    .await
                    .map(|outcome| (outcome, 0))
            }
            Input::Delivery { carrier_id } => {
                transactions::delivery(session, warehouse_id, *carrier_id).await
            }
            Input::StockLevel { threshold } => transactions::stock_level(
                session,
                warehouse_id,
                self.identity.stock_level_district_id,
                *threshold,
            )
            .await
            .map(|outcome| (outcome, 0)),
        };
        match result {
            Ok((Outcome::Commit, skipped)) => {
                client
                    .batch_execute("COMMIT")
                    .await
                    .map_err(|error| Failure::database("COMMIT", &error))?;
                Ok((Outcome::Commit, skipped))
            }
            Ok((Outcome::RollBack, skipped)) => {
                client
                    .batch_execute("ROLLBACK")
                    .await
                    .map_err(|error| Failure::database("ROLLBACK", &error))?;
                Ok((Outcome::RollBack, skipped))
            }
            Err(mut failure) => {
                if let Err(error) = client.batch_execute("ROLLBACK").await {
                    failure.connection_closed |= error.is_closed();
                }
                Err(failure)
            }
        }
    }
}

fn micros(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
}
