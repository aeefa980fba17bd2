//! Deterministic multi-session scenarios over the wire, for isolation and locking tests.
//!
//! A [`Scenario`] is a list of steps, each a statement for one session. The runner issues them
//! in order and writes a transcript: every statement's result, or that it *waits* (no answer
//! within [`BLOCK`]). A waiting statement is not issued anything further; after each later step
//! the runner gives waiting statements [`RESUME`] to finish and records those that did, in
//! session order, as `(resumed)`. The same scenario run against db001 and PostgreSQL must give
//! the same transcript, and the golden file holds PostgreSQL's.
//!
//! Timing is the only source of non-determinism, so the bounds are generous: a statement that
//! can run answers in milliseconds, [`BLOCK`] is a few hundred. Deadlock scenarios set a short
//! `deadlock_timeout` so the victim is decided well inside [`RESUME`].
//!
//! Results print as `rows (1,10) (2,20)`, `rows none`, `ok <count>`, or
//! `ERROR <sqlstate> <message>`. `begin` in a step stands for `BEGIN ISOLATION LEVEL <level>`.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_postgres::{Client, SimpleQueryMessage};

/// How long an issued statement may take before it counts as waiting.
pub const BLOCK: Duration = Duration::from_millis(400);
/// How long waiting statements get to finish after each step.
pub const RESUME: Duration = Duration::from_millis(400);
/// How long a statement still waiting at the end may take to finish once everything ended.
pub const DRAIN: Duration = Duration::from_secs(10);

/// One scenario.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub name: &'static str,
    /// Run in autocommit before the sessions start.
    pub setup: &'static str,
    /// (session number from 1, SQL).
    pub steps: &'static [(usize, &'static str)],
}

type Answer = Result<Vec<SimpleQueryMessage>, tokio_postgres::Error>;

fn render(answer: &Answer) -> String {
    match answer {
        Ok(messages) => {
            let mut rows = Vec::new();
            let mut is_query = false;
            let mut count = 0;
            for message in messages {
                match message {
                    SimpleQueryMessage::Row(row) => {
                        is_query = true;
                        let values: Vec<&str> = (0..row.len())
                            .map(|i| row.get(i).unwrap_or("NULL"))
                            .collect();
                        rows.push(format!("({})", values.join(",")));
                    }
                    SimpleQueryMessage::RowDescription(_) => is_query = true,
                    SimpleQueryMessage::CommandComplete(n) => count = *n,
                    _ => {}
                }
            }
            if is_query {
                if rows.is_empty() {
                    "rows none".to_string()
                } else {
                    format!("rows {}", rows.join(" "))
                }
            } else {
                format!("ok {count}")
            }
        }
        Err(error) => match error.as_db_error() {
            Some(db) => format!("ERROR {} {}", db.code().code(), db.message()),
            None => format!("ERROR {error}"),
        },
    }
}

/// Runs `scenario` with `begin` meaning `BEGIN ISOLATION LEVEL <level>`; returns the
/// transcript, one line per event.
pub async fn run(
    scenario: &Scenario,
    level: &str,
    connect: &impl AsyncFn() -> Client,
) -> Vec<String> {
    let setup = connect().await;
    setup
        .batch_execute(scenario.setup)
        .await
        .unwrap_or_else(|e| panic!("{}: setup failed: {e}", scenario.name));
    let sessions = scenario.steps.iter().map(|(s, _)| *s).max().unwrap_or(0);
    let mut clients = Vec::with_capacity(sessions);
    for _ in 0..sessions {
        clients.push(Arc::new(connect().await));
    }
    let mut waiting: Vec<Option<(String, JoinHandle<Answer>)>> =
        (0..sessions).map(|_| None).collect();
    let mut transcript = Vec::new();
    for (session, sql) in scenario.steps {
        let index = session - 1;
        let sql = if sql.eq_ignore_ascii_case("begin") {
            format!("BEGIN ISOLATION LEVEL {level}")
        } else {
            (*sql).to_string()
        };
        assert!(
            waiting[index].is_none(),
            "{}: step `{sql}` goes to T{session}, which is still waiting",
            scenario.name
        );
        let client = Arc::clone(&clients[index]);
        let text = sql.clone();
        let mut task = tokio::spawn(async move { client.simple_query(&text).await });
        match tokio::time::timeout(BLOCK, &mut task).await {
            Ok(answer) => {
                let answer = answer.expect("the statement task does not panic");
                transcript.push(format!("T{session}: {sql} → {}", render(&answer)));
            }
            Err(_) => {
                transcript.push(format!("T{session}: {sql} → waits"));
                waiting[index] = Some((sql, task));
            }
        }
        if waiting.iter().any(Option::is_some) {
            tokio::time::sleep(RESUME).await;
            collect_finished(&mut waiting, &mut transcript).await;
        }
    }
    let deadline = tokio::time::Instant::now() + DRAIN;
    while waiting.iter().any(Option::is_some) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        collect_finished(&mut waiting, &mut transcript).await;
    }
    for (index, slot) in waiting.iter_mut().enumerate() {
        if let Some((sql, task)) = slot.take() {
            task.abort();
            transcript.push(format!("T{}: {sql} → never answered", index + 1));
        }
    }
    transcript
}

async fn collect_finished(
    waiting: &mut [Option<(String, JoinHandle<Answer>)>],
    transcript: &mut Vec<String>,
) {
    for (index, slot) in waiting.iter_mut().enumerate() {
        if slot.as_ref().is_some_and(|(_, task)| task.is_finished()) {
            let (sql, task) = slot.take().expect("checked above");
            let answer = task.await.expect("the statement task does not panic");
            transcript.push(format!(
                "T{}: (resumed) {sql} → {}",
                index + 1,
                render(&answer)
            ));
        }
    }
}

/// Prints a transcript with a heading, for golden files and failure messages.
pub fn format(name: &str, level: &str, transcript: &[String]) -> String {
    let mut text = format!("== {name} @ {level}\n");
    for line in transcript {
        text.push_str(line);
        text.push('\n');
    }
    text
}
