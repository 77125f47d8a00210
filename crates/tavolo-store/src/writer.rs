//! Group commit of the update log.
//!
//! Every live board sends its freshly applied updates here and waits. The writer task
//! takes the first request, drains whatever else has queued meanwhile (from any board, up
//! to `max_rows` rows), writes them all in one transaction and then answers every caller.
//! While one transaction commits, the next batch gathers: under load, batches grow and
//! the cost of a commit (an fsync on SQLite) is shared by many updates.
//!
//! If a batch fails, each request in it is retried alone, so one board's bad row (say a
//! sequence number another writer took) fails that board only.

use crate::{NewUpdate, Store, StoreError};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

struct Request {
    rows: Vec<NewUpdate>,
    done: oneshot::Sender<Result<(), StoreError>>,
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

    /// Appends `rows` and returns once they are committed.
    pub async fn append(&self, rows: Vec<NewUpdate>) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Request { rows, done })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        wait.await.map_err(|_| StoreError::WriterGone)?
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<Request>, max_rows: usize) {
    let mut batch: Vec<Request> = Vec::new();
    let mut rows: Vec<NewUpdate> = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut n = first.rows.len();
        batch.push(first);
        while n < max_rows {
            match rx.try_recv() {
                Ok(req) => {
                    n += req.rows.len();
                    batch.push(req);
                }
                Err(_) => break,
            }
        }
        rows.clear();
        for req in &batch {
            rows.extend(req.rows.iter().cloned());
        }
        match store.append(&rows).await {
            Ok(()) => {
                for req in batch.drain(..) {
                    let _ = req.done.send(Ok(()));
                }
            }
            Err(e) if batch.len() == 1 => {
                let req = batch.pop().expect("one request");
                let _ = req.done.send(Err(e));
            }
            Err(e) => {
                tracing::warn!(error = %e, requests = batch.len(), "group commit failed; retrying each request alone");
                for req in batch.drain(..) {
                    let r = store.append(&req.rows).await;
                    let _ = req.done.send(r);
                }
            }
        }
    }
}
