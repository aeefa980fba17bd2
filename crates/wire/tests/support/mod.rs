//! Test support: a wire server over the scripted [`fake::FakeEngine`] on a free port, and the
//! raw protocol client shared with the end-to-end harness.

// Each test binary uses a different part of the support code.
#![allow(dead_code)]

pub mod fake;
#[path = "../../../../tests/src/raw.rs"]
pub mod raw;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use db001_wire::{WireMetrics, WireOptions};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A wire server running in this process.
pub struct Server {
    pub address: SocketAddr,
    pub metrics: Arc<WireMetrics>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Server {
    pub async fn start() -> Server {
        Server::start_with(WireOptions::default()).await
    }

    pub async fn start_with(options: WireOptions) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let address = listener.local_addr().expect("bound address");
        let metrics = Arc::clone(&options.metrics);
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(db001_wire::serve_engine(
            listener,
            fake::FakeEngine,
            options,
            stopped,
        ));
        Server {
            address,
            metrics,
            stop,
            task: Some(task),
        }
    }

    /// A tokio-postgres client (its connection task runs in the background).
    pub async fn client(&self) -> tokio_postgres::Client {
        let (client, connection) = self
            .config()
            .connect(tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
    }

    pub fn config(&self) -> tokio_postgres::Config {
        let mut config = tokio_postgres::Config::new();
        config
            .host(self.address.ip().to_string())
            .port(self.address.port())
            .user("tester")
            .dbname("db001")
            .connect_timeout(Duration::from_secs(10));
        config
    }

    /// Requests shutdown and waits (bounded) for `serve` to return.
    pub async fn shutdown(&mut self) -> std::io::Result<()> {
        let _ = self.stop.send(true);
        let task = self.task.take().expect("shut down once");
        tokio::time::timeout(Duration::from_secs(20), task)
            .await
            .expect("serve returns within its grace period")
            .expect("serve task did not panic")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
