//! Where a live board stands against its log when several nodes write to it: a pure
//! state machine, without I/O or clocks of its own, so every case is a fast unit test.
//!
//! The database numbers each board's log rows in commit order across nodes. A node knows
//! its document holds every row up to [`LogOrder::last_seq`]. Its own commit may be
//! numbered past rows another node committed in between (`first > last_seq + 1`): those
//! rows are on their way over the bus, so the commit is kept aside ("own ahead") and the
//! board waits a moment for the bus before it reads the log. Rows from the bus are applied
//! in order; a duplicate is dropped; a gap means something was missed, and the log (which
//! has every row: they are committed before they are published) fills it. A periodic
//! head check catches anything else.

use std::time::{Duration, Instant};

/// How long a board waits for the bus to bring another node's rows before it reads the
/// log instead.
pub const BUS_GRACE: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOrder {
    last_seq: i64,
    /// Our commits numbered past rows of other nodes not yet seen: (first, last).
    own_ahead: Vec<(i64, i64)>,
    /// When to stop waiting for the bus and read the log.
    catch_up_at: Option<Instant>,
    /// This node may have missed rows: the next batch reads the log.
    needs_catch_up: bool,
}

/// What to do after our own commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterCommit {
    /// It followed what we had: nothing to do.
    InOrder,
    /// Others committed in between; wait for the bus until the deadline.
    WaitForBus,
    /// Others committed in between and there is no bus: read the log now.
    CatchUpNow,
}

/// What to do with rows another node published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remote {
    /// Seen already.
    Duplicate,
    /// Rows before them are missing: the log will be read.
    Gap,
    /// Apply the rows from index `skip` on (the first ones were seen), calling
    /// [`LogOrder::applied`] with each one's number.
    Apply { skip: usize },
}

impl LogOrder {
    /// A board whose document holds the log up to `last_seq`.
    pub fn new(last_seq: i64) -> LogOrder {
        LogOrder {
            last_seq,
            own_ahead: Vec::new(),
            catch_up_at: None,
            needs_catch_up: false,
        }
    }

    /// Every log row up to this one is in the document.
    pub fn last_seq(&self) -> i64 {
        self.last_seq
    }

    /// We committed `n` rows numbered from `first`.
    pub fn committed(&mut self, first: i64, n: i64, bus: bool, now: Instant) -> AfterCommit {
        if first == self.last_seq + 1 {
            self.last_seq = first + n - 1;
            self.advance_over_own();
            AfterCommit::InOrder
        } else if bus {
            self.own_ahead.push((first, first + n - 1));
            self.catch_up_at.get_or_insert(now + BUS_GRACE);
            AfterCommit::WaitForBus
        } else {
            AfterCommit::CatchUpNow
        }
    }

    /// Another node published `count` rows numbered from `first`.
    pub fn remote(&mut self, first: i64, count: usize) -> Remote {
        let last = first + count as i64 - 1;
        if count == 0 || last <= self.last_seq {
            return Remote::Duplicate;
        }
        if first > self.last_seq + 1 {
            self.needs_catch_up = true;
            return Remote::Gap;
        }
        Remote::Apply {
            skip: (self.last_seq + 1 - first) as usize,
        }
    }

    /// Row `seq` (the next one, from the bus or the log) is now in the document.
    /// Rows at or before `last_seq` are ignored.
    pub fn applied(&mut self, seq: i64) {
        if seq > self.last_seq {
            self.last_seq = seq;
            self.advance_over_own();
        }
    }

    /// A snapshot covering the log up to `seq` was applied (the log after the last row
    /// we had was compacted away).
    pub fn applied_snapshot(&mut self, seq: i64) {
        self.last_seq = self.last_seq.max(seq);
    }

    /// The log's head, from the periodic check: true when we are behind.
    pub fn head(&mut self, head: i64) -> bool {
        if head > self.last_seq {
            self.needs_catch_up = true;
        }
        self.needs_catch_up
    }

    /// When the wait for the bus ends, if we are waiting.
    pub fn catch_up_at(&self) -> Option<Instant> {
        self.catch_up_at
    }

    /// Whether the next batch must read the log.
    pub fn needs_catch_up(&self) -> bool {
        self.needs_catch_up
    }

    /// A catch-up from the log starts: the wait and the flag end.
    pub fn catching_up(&mut self) {
        self.needs_catch_up = false;
        self.catch_up_at = None;
    }

    /// Reading the log failed: try again with the next batch.
    pub fn catch_up_failed(&mut self) {
        self.needs_catch_up = true;
    }

    /// Our rows numbered past a hole are in the document already: once the hole is
    /// filled, `last_seq` moves over them.
    fn advance_over_own(&mut self) {
        while let Some(pos) = self
            .own_ahead
            .iter()
            .position(|(first, _)| *first == self.last_seq + 1)
        {
            let (_, last) = self.own_ahead.swap_remove(pos);
            self.last_seq = last;
        }
        self.own_ahead.retain(|(_, last)| *last > self.last_seq);
        if self.own_ahead.is_empty() {
            self.catch_up_at = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_in_order_advance() {
        let mut o = LogOrder::new(4);
        let now = Instant::now();
        assert_eq!(o.committed(5, 3, true, now), AfterCommit::InOrder);
        assert_eq!(o.last_seq(), 7);
        assert_eq!(o.catch_up_at(), None);
    }

    #[test]
    fn own_commit_past_a_hole_waits_for_the_bus_then_moves_over_it() {
        let mut o = LogOrder::new(4);
        let now = Instant::now();
        // another node committed 5 and 6; ours got 7..=8
        assert_eq!(o.committed(7, 2, true, now), AfterCommit::WaitForBus);
        assert_eq!(o.last_seq(), 4);
        assert_eq!(o.catch_up_at(), Some(now + BUS_GRACE));
        // a second commit keeps the first deadline
        assert_eq!(
            o.committed(9, 1, true, now + Duration::from_millis(50)),
            AfterCommit::WaitForBus
        );
        assert_eq!(o.catch_up_at(), Some(now + BUS_GRACE));
        // the bus brings 5..=6: last_seq moves over ours too
        assert_eq!(o.remote(5, 2), Remote::Apply { skip: 0 });
        o.applied(5);
        assert_eq!(o.last_seq(), 5);
        o.applied(6);
        assert_eq!(o.last_seq(), 9);
        assert_eq!(o.catch_up_at(), None, "nothing to wait for");
    }

    #[test]
    fn without_a_bus_only_the_log_can_tell() {
        let mut o = LogOrder::new(4);
        assert_eq!(
            o.committed(7, 1, false, Instant::now()),
            AfterCommit::CatchUpNow
        );
        assert_eq!(o.last_seq(), 4);
    }

    #[test]
    fn remote_rows_duplicates_overlaps_and_gaps() {
        let mut o = LogOrder::new(10);
        assert_eq!(o.remote(8, 3), Remote::Duplicate);
        assert_eq!(o.remote(9, 0), Remote::Duplicate);
        assert_eq!(o.remote(9, 4), Remote::Apply { skip: 2 });
        for seq in 11..=12 {
            o.applied(seq);
        }
        assert_eq!(o.last_seq(), 12);
        assert!(!o.needs_catch_up());
        assert_eq!(o.remote(15, 1), Remote::Gap);
        assert!(o.needs_catch_up());
        o.catching_up();
        assert!(!o.needs_catch_up());
        o.catch_up_failed();
        assert!(o.needs_catch_up());
    }

    #[test]
    fn head_check_and_snapshots() {
        let mut o = LogOrder::new(3);
        assert!(!o.head(3));
        assert!(o.head(5));
        o.catching_up();
        o.applied_snapshot(20);
        assert_eq!(o.last_seq(), 20);
        o.applied_snapshot(10);
        assert_eq!(o.last_seq(), 20, "never backwards");
        o.applied(15);
        assert_eq!(o.last_seq(), 20);
    }

    #[test]
    fn own_rows_already_covered_are_forgotten() {
        let mut o = LogOrder::new(4);
        let now = Instant::now();
        o.committed(6, 1, true, now);
        // the log (a catch-up) brought everything up to 8, ours included
        o.catching_up();
        for seq in 5..=8 {
            o.applied(seq);
        }
        assert_eq!(o.last_seq(), 8);
        assert_eq!(o.catch_up_at(), None);
        assert_eq!(o, {
            let mut fresh = LogOrder::new(8);
            fresh.catching_up();
            fresh
        });
    }
}
