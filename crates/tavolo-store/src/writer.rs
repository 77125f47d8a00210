//! Group commit of the update log.
//!
//! Every live board sends its freshly applied updates here and waits. The writer task
//! takes the first request, drains whatever else has queued meanwhile (from any board, up
//! to `max_rows` rows), writes them all in one transaction and then answers every caller.
//! While one transaction commits, the next batch gathers: under load, batches grow and
//! the cost of a commit (an fsync on SQLite) is shared by many updates.
//!
//! If a batch fails, each request in it is retried alone, so one board's trouble fails
//! that board only. The answer is the sequence number the database gave the request's
//! first update.

use crate::{BoardAppend, Store, StoreError};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

type Answer = Result<(i64, Vec<Vec<u8>>), StoreError>;

struct Request {
    batch: BoardAppend,
    done: oneshot::Sender<Answer>,
}

/// A handle to the writer task; clone it freely. The task ends when every handle is gone.
#[derive(Clone)]
pub struct LogWriter {
    tx: mpsc::Sender<Request>,
}

impl LogWriter {
    /// Starts the writer task on `store`. `max_rows` caps one transaction.
    pub fn spawn(store: Store, max_rows: usize) -> (LogWriter, JoinHandle<()>) {
        // The queue is bounded: boards wait for their answer anyway, so it holds at most
        // one request per live board in practice.
        let (tx, rx) = mpsc::channel(4096);
        let task = tokio::spawn(run(store, rx, max_rows.max(1)));
        (LogWriter { tx }, task)
    }

    /// Appends a board's updates and returns, once they are committed, the sequence
    /// number of the first, with the updates handed back (to publish them).
    pub async fn append(&self, batch: BoardAppend) -> Answer {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Request { batch, done })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        wait.await.map_err(|_| StoreError::WriterGone)?
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<Request>, max_rows: usize) {
    // The batch moves into the append (no copy of the update bytes); the answers wait.
    let mut batches: Vec<BoardAppend> = Vec::new();
    let mut dones: Vec<oneshot::Sender<Answer>> = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut n = first.batch.updates.len();
        batches.push(first.batch);
        dones.push(first.done);
        while n < max_rows {
            match rx.try_recv() {
                Ok(req) => {
                    n += req.batch.updates.len();
                    batches.push(req.batch);
                    dones.push(req.done);
                }
                Err(_) => break,
            }
        }
        match store.append(&batches).await {
            Ok(firsts) => {
                for ((done, first), batch) in dones.drain(..).zip(firsts).zip(batches.drain(..)) {
                    let _ = done.send(Ok((first, batch.updates)));
                }
            }
            Err(e) if dones.len() == 1 => {
                let _ = dones.pop().expect("one request").send(Err(e));
            }
            Err(e) => {
                tracing::warn!(error = %e, requests = dones.len(), "group commit failed; retrying each request alone");
                for (batch, done) in batches.drain(..).zip(dones.drain(..)) {
                    let r = store
                        .append(std::slice::from_ref(&batch))
                        .await
                        .map(|f| (f[0], batch.updates));
                    let _ = done.send(r);
                }
            }
        }
        batches.clear();
    }
}
