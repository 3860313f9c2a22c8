//! Wakes the relay and the embedded runner when a job is enqueued: a dedicated thread holds a
//! plain connection that `LISTEN`s on the outbox channel and checks libpq's notification
//! buffer every few milliseconds (diesel has no async LISTEN and we cannot wait on the socket
//! without `unsafe`), so a committed job is picked up within ~5 ms; the callers' own poll
//! interval remains the fallback if this thread loses its connection.

use std::sync::Arc;
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

const CHECK_EVERY: Duration = Duration::from_millis(5);
const RECONNECT_MAX: Duration = Duration::from_secs(10);

/// Starts the listener thread; `wake` is notified once per batch of notifications. The
/// thread ends when `shutdown` fires.
pub fn spawn(
    database_url: String,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("outbox-listen".into())
        .spawn(move || listen_loop(&database_url, &wake, &shutdown))
}

fn listen_loop(url: &str, wake: &Notify, shutdown: &CancellationToken) {
    let mut delay = Duration::from_millis(100);
    while !shutdown.is_cancelled() {
        match listen_once(url, wake, shutdown) {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, "outbox listener lost its connection; polling covers the gap");
                // anything enqueued while we were away is picked up by the woken caller
                wake.notify_one();
                std::thread::sleep(delay);
                delay = (delay * 2).min(RECONNECT_MAX);
            }
        }
    }
}

fn listen_once(url: &str, wake: &Notify, shutdown: &CancellationToken) -> Result<(), String> {
    let mut conn = PgConnection::establish(url).map_err(|e| e.to_string())?;
    diesel::sql_query(format!("LISTEN {}", store::outbox::NOTIFY_CHANNEL))
        .execute(&mut conn)
        .map_err(|e| e.to_string())?;
    wake.notify_one();
    while !shutdown.is_cancelled() {
        let mut woke = false;
        for notification in conn.notifications_iter() {
            notification.map_err(|e| e.to_string())?;
            woke = true;
        }
        if woke {
            wake.notify_one();
        } else {
            std::thread::sleep(CHECK_EVERY);
        }
    }
    Ok(())
}
