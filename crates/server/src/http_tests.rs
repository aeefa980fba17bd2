//! HTTP endpoint tests: routing against a fake engine status, and the server over a socket.

use std::sync::atomic::AtomicU64;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

#[derive(Debug)]
struct FakeEngine {
    healthy: AtomicBool,
    durable_lsn: AtomicU64,
    checkpoint_failed: AtomicBool,
}

impl EngineStatus for FakeEngine {
    fn durable_lsn(&self) -> u64 {
        self.durable_lsn.load(Ordering::Relaxed)
    }

    fn health_problem(&self) -> Option<String> {
        (!self.healthy.load(Ordering::Relaxed)).then(|| "WAL failed: \"disk\" full".to_owned())
    }

    fn health_warnings(&self) -> Vec<String> {
        if self.checkpoint_failed.load(Ordering::Relaxed) {
            vec!["the last checkpoint failed: \"disk\" full".to_owned()]
        } else {
            Vec::new()
        }
    }

    fn counters(&self) -> EngineCounters {
        EngineCounters {
            commits: 5,
            ..EngineCounters::default()
        }
    }
}

fn state(healthy: bool) -> (Arc<FakeEngine>, Arc<HttpState>) {
    let engine = Arc::new(FakeEngine {
        healthy: AtomicBool::new(healthy),
        durable_lsn: AtomicU64::new(1234),
        checkpoint_failed: AtomicBool::new(false),
    });
    let state = Arc::new(HttpState {
        db: engine.clone(),
        wire: Arc::new(WireMetrics::default()),
        metrics: Metrics::new().expect("valid metric names"),
        started: Instant::now(),
        shutting_down: AtomicBool::new(false),
    });
    (engine, state)
}

#[test]
fn health_is_200_and_degraded_with_reasons_when_checkpoints_fail() {
    let (engine, state) = state(true);
    engine.checkpoint_failed.store(true, Ordering::Relaxed);
    let response = route("GET /health HTTP/1.1", &state);
    assert_eq!(response.status, 200);
    assert!(
        response.body.starts_with(
            "{\"status\":\"degraded\",\"reasons\":[\"the last checkpoint failed: \\\"disk\\\" full\"],"
        ),
        "{}",
        response.body
    );
    // Unavailable wins over degraded.
    engine.healthy.store(false, Ordering::Relaxed);
    assert_eq!(route("GET /health HTTP/1.1", &state).status, 503);
}

#[test]
fn health_is_200_json_when_healthy() {
    let (_, state) = state(true);
    let response = route("GET /health HTTP/1.1\r\nHost: x", &state);
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type, "application/json");
    assert!(
        response.body.starts_with(&format!(
            "{{\"status\":\"ok\",\"version\":\"{}\",\"uptime_seconds\":",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        response.body
    );
    assert!(
        response.body.contains("\"durable_lsn\":1234}"),
        "{}",
        response.body
    );
}

#[test]
fn health_is_503_with_a_reason_when_unhealthy_or_stopping() {
    let (engine, state) = state(true);
    engine.healthy.store(false, Ordering::Relaxed);
    let response = route("GET /health HTTP/1.1", &state);
    assert_eq!(response.status, 503);
    assert!(response.body.contains("\"status\":\"unavailable\""));
    assert!(
        response
            .body
            .contains(r#""reason":"WAL failed: \"disk\" full""#),
        "{}",
        response.body
    );

    engine.healthy.store(true, Ordering::Relaxed);
    state.shutting_down.store(true, Ordering::Relaxed);
    let response = route("GET /health HTTP/1.1", &state);
    assert_eq!(response.status, 503);
    assert!(response.body.contains("\"reason\":\"shutting down\""));
}

#[test]
fn other_routes() {
    let (_, state) = state(true);
    let metrics = route("GET /metrics?x=1 HTTP/1.1", &state);
    assert_eq!(metrics.status, 200);
    assert!(metrics.body.contains("db001_durable_lsn 1234"));
    assert!(metrics.body.contains("db001_commits_total 5"));
    assert_eq!(route("GET /nope HTTP/1.1", &state).status, 404);
    assert_eq!(route("POST /health HTTP/1.1", &state).status, 405);
    assert_eq!(route("", &state).status, 400);
    assert_eq!(route("GARBAGE", &state).status, 400);
}

async fn request(address: std::net::SocketAddr, bytes: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream.write_all(bytes).await.expect("send");
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await
    .expect("answered in time")
    .expect("read");
    response
}

#[tokio::test]
async fn serves_over_a_socket_and_stops_on_shutdown() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (_, state) = state(true);
    let (stop, stopped) = watch::channel(false);
    let server = tokio::spawn(serve(listener, state, stopped));

    let response = request(address, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.contains("Content-Type: application/json\r\n"));
    let body = response.split("\r\n\r\n").nth(1).expect("body");
    assert!(response.contains(&format!("Content-Length: {}\r\n", body.len())));

    let response = request(address, b"GET /missing HTTP/1.1\r\n\r\n").await;
    assert!(response.starts_with("HTTP/1.1 404 Not Found"), "{response}");

    // An oversized head is refused, not buffered.
    let mut huge = b"GET /health HTTP/1.1\r\n".to_vec();
    huge.extend(std::iter::repeat_n(b'a', REQUEST_HEAD_BYTES_MAX + 10));
    let response = request(address, &huge).await;
    assert!(response.starts_with("HTTP/1.1 431"), "{response}");

    stop.send(true).expect("server listening");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("server stops")
        .expect("server task ends cleanly");
}
