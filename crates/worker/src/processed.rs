//! The completion log (`processed_jobs`) as the consumers use it: lookups and marks from
//! many concurrent jobs are folded into one query per batch. A batch is whatever queued up
//! while the previous query ran, so an idle worker pays one round trip per job and a busy
//! one a round trip per few hundred jobs (and one commit instead of hundreds).

use std::collections::HashSet;

use store::pool::DbPool;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

const MAX_BATCH: usize = 500;

type Reply<T> = oneshot::Sender<Result<T, String>>;

/// Handle to the batching tasks; cheap to clone. The tasks end with the last handle.
#[derive(Clone, Debug)]
pub struct ProcessedLog {
    checks: mpsc::UnboundedSender<(Uuid, Reply<bool>)>,
    marks: mpsc::UnboundedSender<((Uuid, String), Reply<()>)>,
}

impl ProcessedLog {
    /// Spawns the batching tasks on the current runtime.
    pub fn start(pool: DbPool) -> Self {
        let (checks, check_rx) = mpsc::unbounded_channel();
        let (marks, mark_rx) = mpsc::unbounded_channel();
        tokio::spawn(run_checks(pool.clone(), check_rx));
        tokio::spawn(run_marks(pool, mark_rx));
        Self { checks, marks }
    }

    /// True when `job_id` already completed.
    pub async fn is_processed(&self, job_id: Uuid) -> Result<bool, String> {
        let (tx, rx) = oneshot::channel();
        self.checks
            .send((job_id, tx))
            .map_err(|_| "completion log stopped".to_owned())?;
        rx.await.map_err(|_| "completion log stopped".to_owned())?
    }

    /// Records that `job_id` completed; returns once the mark is committed.
    pub async fn mark(&self, job_id: Uuid, kind: &str) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.marks
            .send(((job_id, kind.to_owned()), tx))
            .map_err(|_| "completion log stopped".to_owned())?;
        rx.await.map_err(|_| "completion log stopped".to_owned())?
    }
}

async fn next_batch<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> Option<Vec<T>> {
    let first = rx.recv().await?;
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(item) => batch.push(item),
            Err(_) => break,
        }
    }
    Some(batch)
}

async fn run_checks(pool: DbPool, mut rx: mpsc::UnboundedReceiver<(Uuid, Reply<bool>)>) {
    while let Some(batch) = next_batch(&mut rx).await {
        let ids: Vec<Uuid> = batch.iter().map(|(id, _)| *id).collect();
        let found =
            store::pool::with_conn(&pool, move |conn| store::jobs::processed_among(conn, &ids))
                .await;
        match found {
            Ok(found) => {
                let found: HashSet<Uuid> = found.into_iter().collect();
                for (id, reply) in batch {
                    let _ = reply.send(Ok(found.contains(&id)));
                }
            }
            Err(e) => {
                let e = e.to_string();
                for (_, reply) in batch {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}

async fn run_marks(pool: DbPool, mut rx: mpsc::UnboundedReceiver<((Uuid, String), Reply<()>)>) {
    while let Some(batch) = next_batch(&mut rx).await {
        let (jobs, replies): (Vec<(Uuid, String)>, Vec<Reply<()>>) = batch.into_iter().unzip();
        let result = store::pool::with_conn(&pool, move |conn| {
            store::jobs::mark_processed_many(conn, &jobs)
        })
        .await
        .map(|_| ())
        .map_err(|e| e.to_string());
        for reply in replies {
            let _ = reply.send(result.clone());
        }
    }
}
