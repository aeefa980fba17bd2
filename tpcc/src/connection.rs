//! Opening a connection: tokio-postgres without TLS, its connection task spawned on the
//! current runtime.

use tokio_postgres::{Client, NoTls};

use crate::error::DriverError;

/// Connects to `url` (a `postgresql://` URL or a key=value connection string).
pub async fn connect(url: &str) -> Result<Client, DriverError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(|error| DriverError::database("connect", &error))?;
    tokio::spawn(async move {
        // The client sees the same failure on its next request; nothing to do here.
        let _ = connection.await;
    });
    Ok(client)
}
