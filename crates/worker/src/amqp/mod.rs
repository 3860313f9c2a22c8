//! The RabbitMQ transport: topology, the outbox relay (publisher) and the family consumers.

pub mod consumer;
pub mod relay;
pub mod topology;

use std::time::Duration;

use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use uuid::Uuid;

pub use topology::Topology;

const HEADER_ATTEMPT: &str = "x-attempt";
const HEADER_ERROR: &str = "x-last-error";
/// The longest a connection attempt may take before we back off and retry.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long any one broker operation (a confirm, an ack, a close) may take. A connection that
/// dies under lapin can leave such futures pending; without a bound the relay would hold its
/// row locks and a consumer its deliveries forever instead of reconnecting.
pub(crate) const BROKER_TIMEOUT: Duration = Duration::from_secs(10);

/// `fut`, or an error naming `what` after [`BROKER_TIMEOUT`].
pub(crate) async fn bounded<T, E: std::fmt::Display>(
    what: &str,
    fut: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(BROKER_TIMEOUT, fut).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!(
            "{what}: no answer from the broker within {} s",
            BROKER_TIMEOUT.as_secs()
        )),
    }
}

/// Opens a connection, failing after [`CONNECT_TIMEOUT`].
pub async fn connect(url: &str, name: &str) -> Result<Connection, String> {
    let props = ConnectionProperties::default().with_connection_name(name.into());
    match tokio::time::timeout(CONNECT_TIMEOUT, Connection::connect(url, props)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())),
    }
}

/// Properties of a job message: persistent, JSON, id and kind, attempt number.
pub(crate) fn job_properties(
    job_id: Uuid,
    kind: &str,
    attempt: u32,
    last_error: Option<&str>,
) -> BasicProperties {
    let mut headers = FieldTable::default();
    headers.insert(HEADER_ATTEMPT.into(), AMQPValue::LongUInt(attempt));
    if let Some(error) = last_error {
        headers.insert(
            HEADER_ERROR.into(),
            AMQPValue::LongString(LongString::from(error)),
        );
    }
    BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_message_id(ShortString::from(job_id.to_string()))
        .with_type(ShortString::from(kind))
        .with_headers(headers)
}

/// The job id, kind and attempt of a delivered message.
pub(crate) fn read_properties(props: &BasicProperties) -> (Option<Uuid>, Option<String>, u32) {
    let job_id = props
        .message_id()
        .as_ref()
        .and_then(|id| Uuid::parse_str(id.as_str()).ok());
    let kind = props.kind().as_ref().map(|k| k.as_str().to_owned());
    let attempt = props
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get(HEADER_ATTEMPT).cloned())
        .and_then(|v| match v {
            AMQPValue::LongUInt(n) => Some(n),
            AMQPValue::LongInt(n) => u32::try_from(n).ok(),
            AMQPValue::LongLongInt(n) => u32::try_from(n).ok(),
            _ => None,
        })
        .unwrap_or(1)
        .max(1);
    (job_id, kind, attempt)
}

/// Exponential reconnect delay with jitter: 100 ms doubling up to 5 s.
pub(crate) fn reconnect_delay(failures: u32) -> Duration {
    let base = 100u64.saturating_mul(1 << failures.min(6)).min(5_000);
    let jitter = rand::random_range(0..=base / 4);
    Duration::from_millis(base + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_round_trip() {
        let id = Uuid::new_v4();
        let props = job_properties(id, "test.kind", 3, Some("boom"));
        assert_eq!(
            read_properties(&props),
            (Some(id), Some("test.kind".into()), 3)
        );
        assert_eq!(
            read_properties(&BasicProperties::default()),
            (None, None, 1)
        );
    }

    #[test]
    fn reconnect_delay_grows_and_is_capped() {
        assert!(reconnect_delay(0) <= Duration::from_millis(125));
        assert!(reconnect_delay(20) <= Duration::from_millis(6_250));
        assert!(reconnect_delay(20) >= Duration::from_secs(5));
    }
}
