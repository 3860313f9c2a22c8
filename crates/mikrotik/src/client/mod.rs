//! The async RouterOS API client: one connection, many concurrent tagged commands.
//!
//! After login, a writer task owns the write half (batching pipelined commands into few
//! syscalls) and a reader task owns the read half, routing each reply to the caller that
//! holds the matching `.tag`. Dropping every clone of a [`Client`] closes the connection.

mod login;
mod options;
pub mod transport;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::timeout;

pub use login::challenge_response;
pub use options::{ConnectOptions, LoginMethod, Password};
pub use transport::{TlsOptions, TlsVerify, fingerprint_sha256};

use crate::codec::{DEFAULT_MAX_SENTENCE_WORDS, Decoder, encode_sentence};
use crate::error::{Error, Result, Stage};
use crate::proto::{Command, Query, Reply, ReplyKind, Row};

/// Rows buffered per command before the reader waits for the caller; bounds the memory a
/// streamed print can use.
const PER_COMMAND_BUFFER: usize = 256;

/// Replies waiting for their caller, shared by the reader task and the client handles.
#[derive(Default)]
struct Pending {
    slots: Mutex<HashMap<u64, mpsc::Sender<Reply>>>,
    closed: AtomicBool,
    fatal: Mutex<Option<String>>,
}

impl Pending {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, mpsc::Sender<Reply>>> {
        // A poisoned map only means a task panicked mid-insert; the map itself stays valid.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn register(&self, tag: u64, tx: mpsc::Sender<Reply>) -> Result<()> {
        let mut slots = self.lock();
        if self.closed.load(Ordering::Acquire) {
            return Err(self.lost());
        }
        slots.insert(tag, tx);
        Ok(())
    }

    fn unregister(&self, tag: u64) {
        self.lock().remove(&tag);
    }

    /// Marks the connection dead; every waiting caller sees its channel close.
    fn close(&self, fatal: Option<String>) {
        if fatal.is_some() {
            *self.fatal.lock().unwrap_or_else(|e| e.into_inner()) = fatal;
        }
        let mut slots = self.lock();
        self.closed.store(true, Ordering::Release);
        slots.clear();
    }

    fn lost(&self) -> Error {
        match self.fatal.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            Some(m) => Error::Fatal(m),
            None => Error::ConnectionLost,
        }
    }
}

struct Shared {
    writer: mpsc::Sender<Vec<u8>>,
    pending: Arc<Pending>,
    next_tag: AtomicU64,
    command_timeout: Duration,
    tasks: [JoinHandle<()>; 2],
}

impl Drop for Shared {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// A logged-in session with one router. Cheap to clone; clones share the connection and
/// may issue commands concurrently.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Shared>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connects, logs in and starts the connection tasks.
    #[tracing::instrument(skip_all, fields(host = %opts.host, port = opts.port, tls = opts.tls.is_some()))]
    pub async fn connect(opts: ConnectOptions) -> Result<Client> {
        let mut io = timeout(
            opts.connect_timeout,
            transport::open(&opts.host, opts.port, opts.tls.as_ref()),
        )
        .await
        .map_err(|_| Error::Timeout(Stage::Connect))??;
        let mut dec = Decoder::new(opts.max_word_len, DEFAULT_MAX_SENTENCE_WORDS);
        timeout(opts.login_timeout, login::login(&mut *io, &mut dec, &opts))
            .await
            .map_err(|_| Error::Timeout(Stage::Login))??;
        tracing::debug!("logged in");
        Ok(Self::spawn(io, dec, opts.command_timeout))
    }

    fn spawn(io: Box<dyn transport::AsyncIo>, dec: Decoder, command_timeout: Duration) -> Client {
        let (rd, wr) = tokio::io::split(io);
        let pending = Arc::new(Pending::default());
        let (wtx, wrx) = mpsc::channel::<Vec<u8>>(1024);
        // A caller that stops reading its stream would stall every other command on the
        // connection; after half the command timeout its command is cancelled instead.
        let stall = command_timeout / 2;
        let reader = tokio::spawn(read_loop(rd, dec, pending.clone(), wtx.clone(), stall));
        let writer = tokio::spawn(write_loop(wr, wrx, pending.clone()));
        Client {
            inner: Arc::new(Shared {
                writer: wtx,
                pending,
                next_tag: AtomicU64::new(1),
                command_timeout,
                tasks: [reader, writer],
            }),
        }
    }

    /// Whether the connection is known to be dead (a new `connect` is needed).
    pub fn is_closed(&self) -> bool {
        self.inner.pending.closed.load(Ordering::Acquire)
    }

    /// Starts building a command, e.g. `client.command("/ip/hotspot/user/print")`.
    pub fn command(&self, path: impl Into<String>) -> Request<'_> {
        Request {
            client: self,
            cmd: Command::new(path),
        }
    }

    /// Sends a command and returns its rows as they arrive.
    pub async fn stream(&self, cmd: &Command) -> Result<RowStream> {
        let tag = self.inner.next_tag.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(PER_COMMAND_BUFFER);
        self.inner.pending.register(tag, tx)?;
        let mut stream = RowStream {
            client: self.clone(),
            tag,
            rx,
            idle: self.inner.command_timeout,
            finished: false,
            done: Row::default(),
            empty: false,
        };
        let bytes = encode_sentence(&cmd.to_words(Some(&tag.to_string())));
        if self.inner.writer.send(bytes).await.is_err() {
            stream.finished = true;
            self.inner.pending.unregister(tag);
            return Err(self.inner.pending.lost());
        }
        Ok(stream)
    }

    /// Sends a command and collects every row, within the command timeout.
    pub async fn execute(&self, cmd: &Command) -> Result<Response> {
        let run = async {
            let mut s = self.stream(cmd).await?;
            let mut rows = Vec::new();
            while let Some(r) = s.next().await {
                rows.push(r?);
            }
            Ok(Response {
                rows,
                done: std::mem::take(&mut s.done),
                empty: s.empty,
            })
        };
        // On timeout the stream is dropped, which sends `/cancel` for its tag.
        timeout(self.inner.command_timeout, run)
            .await
            .map_err(|_| Error::Timeout(Stage::Command))?
    }

    /// Sends all commands back to back (pipelined) and waits for every answer, in order.
    pub async fn execute_many(&self, cmds: &[Command]) -> Vec<Result<Response>> {
        futures::future::join_all(cmds.iter().map(|c| self.execute(c))).await
    }

    fn cancel(&self, tag: u64) {
        let bytes = encode_sentence(&["/cancel".to_owned(), format!("=tag={tag}")]);
        // Best effort: if the writer queue is full or gone, the connection is busy or dead and
        // the late replies are dropped by the reader anyway.
        let _ = self.inner.writer.try_send(bytes);
    }
}

/// A command under construction; finish with [`Request::send`] or [`Request::stream`].
#[must_use]
pub struct Request<'a> {
    client: &'a Client,
    cmd: Command,
}

impl Request<'_> {
    pub fn attr(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.cmd = self.cmd.attr(key, value);
        self
    }
    pub fn proplist<I, S>(mut self, props: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.cmd = self.cmd.proplist(props);
        self
    }
    pub fn query(mut self, q: Query) -> Self {
        self.cmd = self.cmd.query(q);
        self
    }
    pub fn where_eq(mut self, key: &str, value: &str) -> Self {
        self.cmd = self.cmd.where_eq(key, value);
        self
    }
    /// The built command, e.g. for [`Client::execute_many`].
    pub fn build(self) -> Command {
        self.cmd
    }
    pub async fn send(self) -> Result<Response> {
        self.client.execute(&self.cmd).await
    }
    pub async fn stream(self) -> Result<RowStream> {
        self.client.stream(&self.cmd).await
    }
}

/// The complete answer to a command.
#[derive(Debug, Clone, Default)]
pub struct Response {
    /// The `!re` rows.
    pub rows: Vec<Row>,
    /// Attributes of `!done` (e.g. `ret` after `add`).
    pub done: Row,
    /// Whether the router said `!empty` (RouterOS ≥ 7.18); older versions just send no rows.
    pub empty: bool,
}

impl Response {
    /// The `=ret=` value of `!done`: the new id after `add`.
    pub fn ret(&self) -> Option<&str> {
        self.done.get("ret")
    }
}

/// Rows of one command as they arrive. Dropping it before the end cancels the command.
pub struct RowStream {
    client: Client,
    tag: u64,
    rx: mpsc::Receiver<Reply>,
    idle: Duration,
    finished: bool,
    done: Row,
    empty: bool,
}

impl RowStream {
    /// The next row; `None` after `!done`. A trap or lost connection ends the stream with an
    /// error. Waiting longer than the command timeout for one reply is an error too.
    pub async fn next(&mut self) -> Option<Result<Row>> {
        if self.finished {
            return None;
        }
        loop {
            let reply = match timeout(self.idle, self.rx.recv()).await {
                Err(_) => return Some(Err(self.abort(Error::Timeout(Stage::Command)))),
                Ok(None) => {
                    self.finished = true;
                    // Closed channel on a live connection: the reader gave up on us because
                    // we read too slowly (see `read_loop`).
                    return Some(Err(if self.client.is_closed() {
                        self.client.inner.pending.lost()
                    } else {
                        Error::Timeout(Stage::Command)
                    }));
                }
                Ok(Some(r)) => r,
            };
            match reply.kind {
                ReplyKind::Re => return Some(Ok(reply.attrs)),
                ReplyKind::Empty => self.empty = true,
                ReplyKind::Done => {
                    self.finish();
                    self.done = reply.attrs;
                    return None;
                }
                ReplyKind::Trap => {
                    // `!done` follows a trap; the reader drops it once we unregister.
                    self.finish();
                    let category = reply.attrs.get("category").and_then(|c| c.parse().ok());
                    let message = reply.attrs.get("message").unwrap_or_default().to_owned();
                    return Some(Err(Error::Trap { category, message }));
                }
                ReplyKind::Fatal => {
                    self.finish();
                    return Some(Err(Error::Fatal(reply.message.unwrap_or_default())));
                }
            }
        }
    }

    /// Whether the router sent `!empty`.
    pub fn was_empty(&self) -> bool {
        self.empty
    }

    /// Attributes of the final `!done`, once the stream ended.
    pub fn done(&self) -> &Row {
        &self.done
    }

    /// Stops the command on the router (`/cancel`) and ends the stream.
    pub fn cancel(mut self) {
        self.abort(Error::ConnectionLost);
    }

    fn finish(&mut self) {
        self.finished = true;
        self.client.inner.pending.unregister(self.tag);
    }

    fn abort(&mut self, e: Error) -> Error {
        self.finish();
        self.client.cancel(self.tag);
        e
    }
}

impl Drop for RowStream {
    fn drop(&mut self) {
        if !self.finished {
            self.abort(Error::ConnectionLost);
        }
    }
}

async fn read_loop(
    mut rd: tokio::io::ReadHalf<Box<dyn transport::AsyncIo>>,
    mut dec: Decoder,
    pending: Arc<Pending>,
    writer: mpsc::Sender<Vec<u8>>,
    stall: Duration,
) {
    let mut buf = vec![0u8; 64 * 1024];
    let fatal = 'conn: loop {
        loop {
            let sentence = match dec.next_sentence() {
                Ok(Some(s)) => s,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "router sent undecodable data; closing");
                    break 'conn None;
                }
            };
            let reply = match Reply::parse(sentence) {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "router sent an unknown reply; closing");
                    break 'conn None;
                }
            };
            if reply.kind == ReplyKind::Fatal {
                break 'conn Some(reply.message.unwrap_or_default());
            }
            let Some(tag) = reply.tag.as_deref().and_then(|t| t.parse::<u64>().ok()) else {
                tracing::debug!(kind = ?reply.kind, "reply without a known tag ignored");
                continue;
            };
            let slot = pending.lock().get(&tag).cloned();
            if let Some(tx) = slot {
                match tx.send_timeout(reply, stall).await {
                    Ok(()) => {}
                    Err(mpsc::error::SendTimeoutError::Closed(_)) => pending.unregister(tag),
                    Err(mpsc::error::SendTimeoutError::Timeout(_)) => {
                        tracing::debug!(tag, "caller stopped reading; cancelling its command");
                        pending.unregister(tag);
                        let cancel =
                            encode_sentence(&["/cancel".to_owned(), format!("=tag={tag}")]);
                        let _ = writer.try_send(cancel);
                    }
                }
            }
        }
        match rd.read(&mut buf).await {
            Ok(0) => break None,
            Ok(n) => dec.extend(&buf[..n]),
            Err(e) => {
                tracing::debug!(error = %e, "read failed");
                break None;
            }
        }
    };
    pending.close(fatal);
}

async fn write_loop(
    wr: tokio::io::WriteHalf<Box<dyn transport::AsyncIo>>,
    mut rx: mpsc::Receiver<Vec<u8>>,
    pending: Arc<Pending>,
) {
    let mut wr = BufWriter::with_capacity(64 * 1024, wr);
    while let Some(first) = rx.recv().await {
        let mut res = wr.write_all(&first).await;
        // Drain whatever else is queued so pipelined commands share one flush.
        while res.is_ok() {
            match rx.try_recv() {
                Ok(b) => res = wr.write_all(&b).await,
                Err(_) => break,
            }
        }
        if res.is_ok() {
            res = wr.flush().await;
        }
        if let Err(e) = res {
            tracing::debug!(error = %e, "write failed");
            pending.close(None);
            return;
        }
    }
}
