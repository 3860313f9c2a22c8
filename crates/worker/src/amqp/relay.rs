//! The outbox relay: publishes pending outbox rows to the jobs exchange with publisher
//! confirms and marks a row `published` only once the broker confirmed it. Rows are locked
//! with `FOR UPDATE SKIP LOCKED` for the length of one batch, so any number of relays run
//! side by side without publishing a row twice. While the broker is unreachable rows stay
//! `pending` and the relay reconnects with backoff.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use diesel::Connection as _;
use domain::jobs::JobFamily;
use lapin::Confirmation;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{Channel, Connection};
use store::outbox::OutboxJob;
use store::pool::DbPool;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{BROKER_TIMEOUT, Topology, bounded, job_properties, reconnect_delay};

/// What the relay needs to know.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    pub amqp_url: String,
    pub topology: Topology,
    /// Delay-queue steps, declared along with the queues (same as the workers').
    pub backoff: Vec<Duration>,
    pub batch: i64,
    /// Fallback poll when no NOTIFY arrives.
    pub poll: Duration,
    pub name: String,
}

#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error("broker: {0}")]
    Broker(String),
    #[error("database: {0}")]
    Db(String),
}

/// Runs the relay until `shutdown` fires.
pub async fn run(
    settings: RelaySettings,
    pool: DbPool,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) {
    let mut failures = 0u32;
    while !shutdown.is_cancelled() {
        let conn = match connect(&settings).await {
            Ok(conn) => conn,
            Err(e) => {
                failures += 1;
                tracing::warn!(error = %e, failures, "outbox relay cannot reach RabbitMQ; rows stay pending");
                sleep_or_stop(reconnect_delay(failures), &shutdown).await;
                continue;
            }
        };
        if failures > 0 {
            tracing::info!("outbox relay connected to RabbitMQ again");
        }
        failures = 0;
        let result = publish_loop(&settings, &pool, &conn.1, &wake, &shutdown).await;
        let _ = bounded("close", conn.0.close(200, "relay stopping".into())).await;
        if let Err(e) = result {
            failures += 1;
            tracing::warn!(error = %e, "outbox relay interrupted; reconnecting");
            sleep_or_stop(reconnect_delay(failures), &shutdown).await;
        }
    }
}

async fn sleep_or_stop(delay: Duration, shutdown: &CancellationToken) {
    tokio::select! {
        () = shutdown.cancelled() => {}
        () = tokio::time::sleep(delay) => {}
    }
}

async fn connect(settings: &RelaySettings) -> Result<(Connection, Channel), String> {
    let conn = super::connect(&settings.amqp_url, &settings.name).await?;
    let channel = conn.create_channel().await.map_err(|e| e.to_string())?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    Ok((conn, channel))
}

async fn publish_loop(
    settings: &RelaySettings,
    pool: &DbPool,
    channel: &Channel,
    wake: &Notify,
    shutdown: &CancellationToken,
) -> Result<(), RelayError> {
    // families whose queues this connection has declared: a job must find its queue even
    // before any worker of its family has started, and declaring on first use keeps unused
    // families off the broker
    let mut declared = HashSet::new();
    loop {
        if shutdown.is_cancelled() {
            return Ok(());
        }
        let published = relay_batch(settings, pool, channel, &mut declared).await?;
        if published as i64 >= settings.batch {
            continue;
        }
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = wake.notified() => {}
            () = tokio::time::sleep(settings.poll) => {}
        }
    }
}

/// Locks one batch, publishes it, waits for the confirms and marks the confirmed rows, all in
/// one transaction on one pooled connection (the blocking thread drives the async publishes).
async fn relay_batch(
    settings: &RelaySettings,
    pool: &DbPool,
    channel: &Channel,
    declared: &mut HashSet<JobFamily>,
) -> Result<usize, RelayError> {
    let conn = pool
        .get()
        .await
        .map_err(|e| RelayError::Db(e.to_string()))?;
    let handle = tokio::runtime::Handle::current();
    let channel = channel.clone();
    let exchange = settings.topology.exchange();
    let batch = settings.batch;
    let (topology, backoff) = (settings.topology.clone(), settings.backoff.clone());
    let mut known = std::mem::take(declared);
    let outcome = conn
        .interact(move |conn| {
            let mut broker_error = None;
            let marked = conn.transaction::<usize, diesel::result::Error, _>(|conn| {
                let rows = store::outbox::lock_pending(conn, batch)?;
                if rows.is_empty() {
                    return Ok(0);
                }
                let (rows, unknown): (Vec<_>, Vec<_>) = rows
                    .into_iter()
                    .partition(|r| r.family.parse::<JobFamily>().is_ok());
                // a row no queue can take would otherwise block every batch behind it
                for row in &unknown {
                    bury_unroutable(conn, row)?;
                }
                let (confirmed, error) = handle.block_on(async {
                    let families: HashSet<JobFamily> =
                        rows.iter().filter_map(|r| r.family.parse().ok()).collect();
                    let missing: Vec<JobFamily> = families.difference(&known).copied().collect();
                    if !missing.is_empty() {
                        if let Err(e) = topology.declare(&channel, &missing, &backoff).await {
                            return (Vec::new(), Some(e.to_string()));
                        }
                        known.extend(missing);
                    }
                    publish_all(&channel, &exchange, &rows).await
                });
                broker_error = error;
                store::outbox::mark_published(conn, &confirmed)?;
                Ok(confirmed.len())
            });
            (marked, broker_error, known)
        })
        .await
        .map_err(|e| RelayError::Db(e.to_string()))?;
    let (marked, broker_error, known) = outcome;
    *declared = known;
    let marked = marked.map_err(|e| RelayError::Db(e.to_string()))?;
    if let Some(e) = broker_error {
        return Err(RelayError::Broker(e));
    }
    Ok(marked)
}

fn bury_unroutable(conn: &mut diesel::PgConnection, row: &OutboxJob) -> diesel::QueryResult<()> {
    let error = format!("unknown job family {:?}", row.family);
    tracing::error!(job_id = %row.job_id, kind = row.kind, "{error}; recorded as dead");
    store::outbox::mark_dead(conn, row.id, row.attempts, &error)?;
    store::jobs::record_dead(
        conn,
        &store::jobs::NewDeadJob {
            job_id: row.job_id,
            family: &row.family,
            kind: &row.kind,
            payload: &row.payload,
            last_error: Some(&error),
            attempts: row.attempts,
        },
    )?;
    Ok(())
}

/// Publishes every row, then collects the confirms; returns the ids the broker confirmed
/// and the first broker error (the remaining rows stay pending).
async fn publish_all(
    channel: &Channel,
    exchange: &str,
    rows: &[OutboxJob],
) -> (Vec<i64>, Option<String>) {
    // serde_json::Value always serialises; the bodies are made first so the publishes can
    // borrow them
    let bodies: Vec<Vec<u8>> = rows
        .iter()
        .map(|row| serde_json::to_vec(&row.payload).unwrap_or_default())
        .collect();
    // every publish of the batch is handed to the connection before any is awaited: each
    // awaited alone costs a hop to lapin's I/O loop, which capped the relay at ~5k jobs/s;
    // join_all polls them in order, so frames and confirm tags keep the rows' order
    let publishes = rows.iter().zip(&bodies).map(|(row, body)| {
        channel.basic_publish(
            exchange.into(),
            row.family.as_str().into(),
            // mandatory: an unroutable job comes back instead of vanishing
            BasicPublishOptions {
                mandatory: true,
                ..BasicPublishOptions::default()
            },
            body,
            job_properties(row.job_id, &row.kind, 1, None),
        )
    });
    let mut pending = Vec::with_capacity(rows.len());
    let mut error = None;
    let published =
        match tokio::time::timeout(BROKER_TIMEOUT, futures::future::join_all(publishes)).await {
            Ok(published) => published,
            Err(_) => return (Vec::new(), Some("publishing timed out".to_owned())),
        };
    for (row, published) in rows.iter().zip(published) {
        match published {
            Ok(confirm) => pending.push((row.id, confirm)),
            Err(e) => {
                error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    let mut confirmed = Vec::with_capacity(pending.len());
    let deadline = tokio::time::Instant::now() + BROKER_TIMEOUT;
    for (id, confirm) in pending {
        let Ok(confirm) = tokio::time::timeout_at(deadline, confirm).await else {
            error.get_or_insert_with(|| "the broker did not confirm in time".to_owned());
            break;
        };
        match confirm {
            Ok(Confirmation::Ack(None)) => confirmed.push(id),
            Ok(Confirmation::Ack(Some(returned))) => {
                error.get_or_insert_with(|| format!("job unroutable: {}", returned.reply_text));
            }
            Ok(other) => {
                error.get_or_insert_with(|| format!("broker did not confirm: {other:?}"));
            }
            Err(e) => {
                error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    (confirmed, error)
}
