//! Group commit of the update log.
//!
//! Every live board hands its freshly applied updates here and waits. Requests queue up;
//! whoever finds nobody committing becomes the *leader*: it takes everything queued (from
//! any board, up to `max_rows` rows), writes it in one transaction and answers every
//! caller. While one transaction commits, the next batch gathers: under load, batches
//! grow and the cost of a commit is shared by many updates.
//!
//! The leader is the board task that asked, so a quiet server commits with no hand-off
//! to another task at all (the hops between tasks were a good part of a commit's latency
//! on a small machine). If more requests queued while it committed, a spawned task takes
//! the lead over, so the first board can go on to deliver its own batch.
//!
//! If a batch fails, each request in it is retried alone, so one board's trouble fails
//! that board only. The answer is the sequence number the database gave the request's
//! first update.

use crate::{BoardAppend, Store, StoreError};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

type Answer = Result<(i64, Vec<Vec<u8>>), StoreError>;

struct Request {
    batch: BoardAppend,
    done: oneshot::Sender<Answer>,
}

#[derive(Default)]
struct Queue {
    requests: Vec<Request>,
    /// Someone is committing and will look at the queue again before stopping.
    leading: bool,
}

struct Inner {
    store: Store,
    max_rows: usize,
    queue: Mutex<Queue>,
}

/// A handle to the group commit; clone it freely.
#[derive(Clone)]
pub struct LogWriter {
    inner: Arc<Inner>,
}

impl LogWriter {
    /// Group commit on `store`. `max_rows` caps one transaction.
    pub fn new(store: Store, max_rows: usize) -> LogWriter {
        LogWriter {
            inner: Arc::new(Inner {
                store,
                max_rows: max_rows.max(1),
                queue: Mutex::new(Queue::default()),
            }),
        }
    }

    /// Appends a board's updates and returns, once they are committed, the sequence
    /// number of the first, with the updates handed back (to publish them).
    pub async fn append(&self, batch: BoardAppend) -> Answer {
        let (done, wait) = oneshot::channel();
        let lead = {
            let mut q = self.inner.lock();
            q.requests.push(Request { batch, done });
            !std::mem::replace(&mut q.leading, true)
        };
        if lead {
            let mut round = Lead {
                inner: Some(self.inner.clone()),
            };
            round.commit_one().await;
            round.hand_over();
        }
        wait.await.map_err(|_| StoreError::WriterGone)?
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // a panic elsewhere while holding the lock leaves a queue that is still whole
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes up to `max_rows` rows of requests (at least one request if any).
    fn take(&self) -> Vec<Request> {
        let mut q = self.lock();
        let mut rows = 0;
        let mut n = 0;
        for r in &q.requests {
            if n > 0 && rows + r.batch.updates.len() > self.max_rows {
                break;
            }
            rows += r.batch.updates.len();
            n += 1;
        }
        q.requests.drain(..n).collect()
    }

    /// Stops leading if nothing is queued; otherwise says that more must be committed.
    fn done_if_empty(&self) -> bool {
        let mut q = self.lock();
        if q.requests.is_empty() {
            q.leading = false;
            true
        } else {
            false
        }
    }

    async fn commit(&self, requests: Vec<Request>) {
        let (batches, dones): (Vec<BoardAppend>, Vec<_>) =
            requests.into_iter().map(|r| (r.batch, r.done)).unzip();
        match self.store.append(&batches).await {
            Ok(firsts) => {
                for ((done, first), batch) in dones.into_iter().zip(firsts).zip(batches) {
                    let _ = done.send(Ok((first, batch.updates)));
                }
            }
            Err(e) if dones.len() == 1 => {
                let _ = dones.into_iter().next().expect("one request").send(Err(e));
            }
            Err(e) => {
                tracing::warn!(error = %e, requests = dones.len(), "group commit failed; retrying each request alone");
                for (batch, done) in batches.into_iter().zip(dones) {
                    let r = self
                        .store
                        .append(std::slice::from_ref(&batch))
                        .await
                        .map(|f| (f[0], batch.updates));
                    let _ = done.send(r);
                }
            }
        }
    }

    /// Leads until the queue is empty (in its own task).
    async fn lead_until_empty(self: Arc<Self>) {
        loop {
            let requests = self.take();
            if !requests.is_empty() {
                self.commit(requests).await;
            }
            if self.done_if_empty() {
                return;
            }
        }
    }
}

/// One board's turn as leader. If its future is dropped halfway (the board's task is
/// cancelled), the lead passes to a task all the same, so the queue never stalls.
struct Lead {
    inner: Option<Arc<Inner>>,
}

impl Lead {
    async fn commit_one(&mut self) {
        let inner = self.inner.as_ref().expect("leading");
        let requests = inner.take();
        inner.commit(requests).await;
    }

    fn hand_over(mut self) {
        let inner = self.inner.take().expect("leading");
        if !inner.done_if_empty() {
            tokio::spawn(inner.lead_until_empty());
        }
    }
}

impl Drop for Lead {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            // cancelled while committing: whoever was in that round gets WriterGone (their
            // answer was dropped), the rest are committed by a task
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(inner.lead_until_empty());
            }
        }
    }
}
