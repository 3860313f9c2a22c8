//! Exchange and queue names and their declaration. One topic exchange; per family a durable
//! quorum queue bound by the family name, one delay queue per backoff step (message TTL,
//! dead-lettered back to the exchange with the family as routing key) and a dead-letter
//! queue. Delay queues are classic queues: every message in one has the same TTL, so they
//! expire strictly in order, which is all they need to do.

use std::time::Duration;

use domain::jobs::JobFamily;
use lapin::options::{
    ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{Channel, ExchangeKind};

/// Names of everything under one namespace prefix.
#[derive(Debug, Clone)]
pub struct Topology {
    pub namespace: String,
}

impl Topology {
    pub fn new(namespace: &str) -> Self {
        Self {
            namespace: namespace.to_owned(),
        }
    }

    pub fn exchange(&self) -> String {
        format!("{}mikrobill.jobs", self.namespace)
    }

    pub fn queue(&self, family: JobFamily) -> String {
        format!("{}mikrobill.jobs.{}", self.namespace, family.as_str())
    }

    /// The delay queue for one backoff step; named by its delay, so changing the schedule
    /// declares new queues instead of clashing with the old ones' arguments.
    pub fn retry_queue(&self, family: JobFamily, delay: Duration) -> String {
        format!("{}.retry.{}ms", self.queue(family), delay.as_millis())
    }

    pub fn dead_queue(&self, family: JobFamily) -> String {
        format!("{}.dead", self.queue(family))
    }

    /// Declares the exchange and, for each family, its queue, delay queues and dead-letter
    /// queue. Idempotent; every relay and worker runs it on connect.
    pub async fn declare(
        &self,
        channel: &Channel,
        families: &[JobFamily],
        backoff: &[Duration],
    ) -> lapin::Result<()> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        channel
            .exchange_declare(
                self.exchange().into(),
                ExchangeKind::Topic,
                durable,
                FieldTable::default(),
            )
            .await?;
        for &family in families {
            let mut quorum = FieldTable::default();
            quorum.insert(
                "x-queue-type".into(),
                AMQPValue::LongString(LongString::from("quorum")),
            );
            channel
                .queue_declare(
                    self.queue(family).into(),
                    QueueDeclareOptions::durable(),
                    quorum.clone(),
                )
                .await?;
            channel
                .queue_bind(
                    self.queue(family).into(),
                    self.exchange().into(),
                    family.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
            channel
                .queue_declare(
                    self.dead_queue(family).into(),
                    QueueDeclareOptions::durable(),
                    quorum,
                )
                .await?;
            for &delay in backoff {
                let mut args = FieldTable::default();
                let ttl = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
                args.insert("x-message-ttl".into(), AMQPValue::LongLongInt(ttl));
                args.insert(
                    "x-dead-letter-exchange".into(),
                    AMQPValue::LongString(LongString::from(self.exchange())),
                );
                args.insert(
                    "x-dead-letter-routing-key".into(),
                    AMQPValue::LongString(LongString::from(family.as_str())),
                );
                channel
                    .queue_declare(
                        self.retry_queue(family, delay).into(),
                        QueueDeclareOptions::durable(),
                        args,
                    )
                    .await?;
            }
        }
        Ok(())
    }
}

impl Topology {
    /// Deletes the queues of `families` (and the exchange): for tests and tools that created
    /// a namespace of their own.
    pub async fn delete(
        &self,
        channel: &Channel,
        families: &[JobFamily],
        backoff: &[Duration],
    ) -> lapin::Result<()> {
        for &family in families {
            let mut queues = vec![self.queue(family), self.dead_queue(family)];
            queues.extend(backoff.iter().map(|d| self.retry_queue(family, *d)));
            for queue in queues {
                channel
                    .queue_delete(queue.into(), QueueDeleteOptions::default())
                    .await?;
            }
        }
        channel
            .exchange_delete(self.exchange().into(), ExchangeDeleteOptions::default())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_namespace_family_and_delay() {
        let t = Topology::new("t1.");
        assert_eq!(t.exchange(), "t1.mikrobill.jobs");
        assert_eq!(
            t.queue(JobFamily::RouterSync),
            "t1.mikrobill.jobs.router.sync"
        );
        assert_eq!(
            t.retry_queue(JobFamily::Backup, Duration::from_secs(5)),
            "t1.mikrobill.jobs.backup.retry.5000ms"
        );
        assert_eq!(
            t.dead_queue(JobFamily::Lifecycle),
            "t1.mikrobill.jobs.lifecycle.dead"
        );
    }
}
