//! Family consumers: one channel per family with a prefetch, manual acks, and an ack only
//! after the job's outcome is durable — the completion mark committed, the retry copy or the
//! dead-letter copy confirmed by the broker. Failures go to the family's delay queue for
//! their backoff step; exhausted or permanent ones to its dead-letter queue and `dead_jobs`.

use std::sync::Arc;
use std::time::Duration;

use domain::jobs::JobFamily;
use futures::StreamExt;
use lapin::Confirmation;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions,
    BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
};
use lapin::types::FieldTable;
use lapin::{Channel, Connection};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{Topology, bounded, job_properties, read_properties, reconnect_delay};
use crate::exec::{Outcome, Runner};
use crate::job::JobError;

/// What the consumers need to know.
#[derive(Debug, Clone)]
pub struct ConsumerSettings {
    pub amqp_url: String,
    pub topology: Topology,
    pub families: Vec<JobFamily>,
    pub prefetch: u16,
    pub max_attempts: u32,
    pub backoff: Vec<Duration>,
    pub name: String,
}

/// Pause before handing a delivery back after the database or broker failed us, so an outage
/// does not turn into a hot redelivery loop.
const REQUEUE_PAUSE: Duration = Duration::from_secs(1);

struct Shared {
    settings: ConsumerSettings,
    runner: Runner,
    publisher: Channel,
}

/// Consumes the configured families until `shutdown` (finish the jobs in hand, then stop) or
/// `kill` (drop the connection at once: unacknowledged jobs go back to the queue, as when
/// the process dies).
pub async fn run(
    settings: ConsumerSettings,
    runner: Runner,
    shutdown: CancellationToken,
    kill: CancellationToken,
) {
    let mut failures = 0u32;
    loop {
        if shutdown.is_cancelled() || kill.is_cancelled() {
            return;
        }
        let (conn, publisher) = match connect(&settings).await {
            Ok(c) => c,
            Err(e) => {
                failures += 1;
                tracing::warn!(error = %e, failures, "worker cannot reach RabbitMQ; retrying");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = kill.cancelled() => return,
                    () = tokio::time::sleep(reconnect_delay(failures)) => continue,
                }
            }
        };
        let shared = Arc::new(Shared {
            settings: settings.clone(),
            runner: runner.clone(),
            publisher,
        });
        let mut families = JoinSet::new();
        let stop = CancellationToken::new();
        let conn = Arc::new(conn);
        for &family in &settings.families {
            families.spawn(consume_family(
                conn.clone(),
                family,
                shared.clone(),
                stop.clone(),
                kill.clone(),
            ));
        }
        if failures > 0 {
            tracing::info!("worker connected to RabbitMQ again");
        }
        let failed = tokio::select! {
            () = shutdown.cancelled() => None,
            () = kill.cancelled() => None,
            Some(ended) = families.join_next() => Some(match ended {
                Ok(Ok(())) => "a consumer ended".to_owned(),
                Ok(Err(e)) => e,
                Err(e) => e.to_string(),
            }),
            // a consumer stream is not guaranteed to end when its connection dies
            () = connection_lost(&conn) => Some("the connection is no longer open".to_owned()),
        };
        stop.cancel();
        if kill.is_cancelled() {
            families.abort_all();
            let _ = bounded("close", conn.close(320, "worker killed".into())).await;
            return;
        }
        // graceful: the family loops stop reading, finish what they hold, and return
        while families.join_next().await.is_some() {}
        let _ = bounded("close", conn.close(200, "worker stopping".into())).await;
        match failed {
            None => return,
            Some(e) => {
                failures += 1;
                tracing::warn!(error = %e, "worker lost RabbitMQ; reconnecting");
                tokio::time::sleep(reconnect_delay(failures)).await;
            }
        }
    }
}

/// Resolves once `conn` is no longer connected (checked every second).
async fn connection_lost(conn: &Connection) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        if !conn.status().connected() {
            return;
        }
    }
}

async fn connect(settings: &ConsumerSettings) -> Result<(Connection, Channel), String> {
    let conn = super::connect(&settings.amqp_url, &settings.name).await?;
    let publisher = conn.create_channel().await.map_err(|e| e.to_string())?;
    publisher
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    settings
        .topology
        .declare(&publisher, &settings.families, &settings.backoff)
        .await
        .map_err(|e| e.to_string())?;
    Ok((conn, publisher))
}

async fn consume_family(
    conn: Arc<Connection>,
    family: JobFamily,
    shared: Arc<Shared>,
    stop: CancellationToken,
    kill: CancellationToken,
) -> Result<(), String> {
    let channel = conn.create_channel().await.map_err(|e| e.to_string())?;
    channel
        .basic_qos(shared.settings.prefetch, BasicQosOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let tag = format!("{}/{}", shared.settings.name, family.as_str());
    let mut consumer = channel
        .basic_consume(
            shared.settings.topology.queue(family).into(),
            tag.as_str().into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut in_flight = JoinSet::new();
    let result = loop {
        tokio::select! {
            () = stop.cancelled() => break Ok(()),
            next = consumer.next() => match next {
                Some(Ok(delivery)) => {
                    in_flight.spawn(handle(delivery, family, shared.clone()));
                }
                Some(Err(e)) => break Err(e.to_string()),
                None => break Err(format!("consumer of {family} closed")),
            },
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
        }
    };
    if kill.is_cancelled() {
        in_flight.abort_all();
        return result;
    }
    let _ = bounded(
        "cancel",
        channel.basic_cancel(tag.as_str().into(), BasicCancelOptions::default()),
    )
    .await;
    while in_flight.join_next().await.is_some() {}
    // prefetched deliveries we never started go back to the queue with the channel
    let _ = bounded("close", channel.close(200, "consumer stopping".into())).await;
    result
}

#[tracing::instrument(skip_all, fields(tag = delivery.delivery_tag))]
async fn handle(delivery: Delivery, family: JobFamily, shared: Arc<Shared>) {
    let (job_id, kind, attempt) = read_properties(&delivery.properties);
    let payload: Result<serde_json::Value, _> = serde_json::from_slice(&delivery.data);
    let outcome = match (job_id, kind.as_deref(), &payload) {
        (Some(id), Some(kind), Ok(payload)) => {
            shared
                .runner
                .execute(id, kind, attempt, payload.clone())
                .await
        }
        _ => Outcome::Failed(JobError::Permanent(
            "malformed job message (needs message_id = job uuid, type = kind, JSON body)".into(),
        )),
    };
    let job = DeliveredJob {
        job_id: job_id.unwrap_or_else(Uuid::new_v4),
        kind: kind.unwrap_or_else(|| "unknown".to_owned()),
        attempt,
        payload: payload.unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&delivery.data).into_owned())
        }),
    };
    let settled = settle(&shared, family, &delivery, &job, outcome).await;
    let acked = match settled {
        Ok(()) => bounded("ack", delivery.ack(BasicAckOptions::default())).await,
        Err(e) => {
            tracing::warn!(job_id = %job.job_id, error = %e, "cannot record the job's outcome; handing it back");
            tokio::time::sleep(REQUEUE_PAUSE).await;
            let requeue = BasicNackOptions {
                requeue: true,
                ..BasicNackOptions::default()
            };
            bounded("nack", delivery.nack(requeue)).await
        }
    };
    if let Err(e) = acked {
        // the channel is gone: the broker redelivers and the completion mark dedups
        tracing::warn!(job_id = %job.job_id, error = %e, "cannot acknowledge job");
    }
}

struct DeliveredJob {
    job_id: Uuid,
    kind: String,
    attempt: u32,
    payload: serde_json::Value,
}

/// Makes the outcome durable; Ok means the delivery may be acknowledged.
async fn settle(
    shared: &Shared,
    family: JobFamily,
    delivery: &Delivery,
    job: &DeliveredJob,
    outcome: Outcome,
) -> Result<(), String> {
    let error = match outcome {
        Outcome::AlreadyDone => return Ok(()),
        Outcome::Succeeded => match shared.runner.processed.mark(job.job_id, &job.kind).await {
            Ok(()) => return Ok(()),
            // the work is done but not marked: run it again later (handlers are idempotent)
            Err(e) => JobError::Retry(format!("cannot mark the job processed: {e}")),
        },
        Outcome::Failed(e) => e,
    };
    let settings = &shared.settings;
    let retry = matches!(error, JobError::Retry(_)) && job.attempt < settings.max_attempts;
    if retry {
        let delay = domain::jobs::backoff_delay(&settings.backoff, job.attempt);
        tracing::info!(job_id = %job.job_id, kind = job.kind, attempt = job.attempt, ?delay, error = %error, "job failed; will retry");
        let queue = settings.topology.retry_queue(family, delay);
        let props = job_properties(
            job.job_id,
            &job.kind,
            job.attempt + 1,
            Some(&error.to_string()),
        );
        return publish_confirmed(&shared.publisher, &queue, &delivery.data, props).await;
    }
    tracing::warn!(job_id = %job.job_id, kind = job.kind, attempt = job.attempt, error = %error, "job is dead");
    let message = error.to_string();
    let (id, kind, payload, attempts, fam, msg) = (
        job.job_id,
        job.kind.clone(),
        job.payload.clone(),
        i32::try_from(job.attempt).unwrap_or(i32::MAX),
        family.as_str(),
        message.clone(),
    );
    store::pool::with_conn(&shared.runner.pool, move |conn| {
        store::jobs::record_dead(
            conn,
            &store::jobs::NewDeadJob {
                job_id: id,
                family: fam,
                kind: &kind,
                payload: &payload,
                last_error: Some(&msg),
                attempts,
            },
        )
    })
    .await
    .map_err(|e| format!("cannot record dead job: {e}"))?;
    let props = job_properties(job.job_id, &job.kind, job.attempt, Some(&message));
    publish_confirmed(
        &shared.publisher,
        &settings.topology.dead_queue(family),
        &delivery.data,
        props,
    )
    .await
}

async fn publish_confirmed(
    channel: &Channel,
    queue: &str,
    body: &[u8],
    props: lapin::BasicProperties,
) -> Result<(), String> {
    let publish = async {
        channel
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..BasicPublishOptions::default()
                },
                body,
                props,
            )
            .await?
            .await
    };
    let confirm = bounded("publish", publish).await?;
    match confirm {
        Confirmation::Ack(None) => Ok(()),
        Confirmation::Ack(Some(returned)) => {
            Err(format!("{queue} is missing: {}", returned.reply_text))
        }
        other => Err(format!("broker refused the message for {queue}: {other:?}")),
    }
}
