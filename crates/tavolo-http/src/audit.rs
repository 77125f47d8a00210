//! The audit log: one structured log line per security event, under the tracing target
//! `audit` (select them with `RUST_LOG=info,audit=info`, or keep only them with
//! `RUST_LOG=audit=info`; with `--log-format json` each is one JSON object).
//!
//! Every line has `event` (one of the names below) and the fields of that event; `ip` is
//! the TCP peer's address. Emails are logged as typed (lowercased), passwords and tokens
//! never.
//!
//! | event | level | fields |
//! |---|---|---|
//! | `login` | info | `facilitator`, `ip` |
//! | `login_failed` | warn | `email`, `ip`, `reason` (`no_account`, `wrong_password`) |
//! | `login_throttled` | warn | `email`, `ip`, `retry_after_secs` |
//! | `code_lookups_throttled` | warn | `ip` (too many invitation short codes tried in a minute) |
//! | `logout` | info | |
//! | `setup` | info | `facilitator`, `email`, `ip` |
//! | `setup_failed` | warn | `ip`, `reason` |
//! | `invite_issued` | info | `facilitator`, `session`, `invite`, `role`, `hours` |
//! | `invite_revoked` | info | `facilitator`, `invite` |
//! | `member_removed` | info | `facilitator`, `session`, `participant` |
//! | `joined` | info | `participant`, `session`, `role` |
//! | `deleted` | info | `facilitator`, `what`, `id`, `boards` |
//! | `refused` | warn | `reason` (`cross_origin`, `form_content_type`), `method`, `path`, `origin` |
//! | `sync_denied` | warn | `board`, `reason` |
//! | `rejected` | warn | `reason` (a message the hub refused: too big, rate limited…) |

use std::net::IpAddr;

pub const TARGET: &str = "audit";

pub fn login(facilitator: &str, ip: IpAddr) {
    tracing::info!(target: TARGET, event = "login", facilitator, %ip);
}

pub fn login_failed(email: &str, ip: IpAddr, reason: &str) {
    tracing::warn!(target: TARGET, event = "login_failed", email, %ip, reason);
}

pub fn login_throttled(email: &str, ip: IpAddr, retry_after_secs: u64) {
    tracing::warn!(target: TARGET, event = "login_throttled", email, %ip, retry_after_secs);
}

/// An address tried more invitation short codes than it may in a minute.
pub fn code_lookups_throttled(ip: IpAddr) {
    tracing::warn!(target: TARGET, event = "code_lookups_throttled", %ip);
}

pub fn logout() {
    tracing::info!(target: TARGET, event = "logout");
}

pub fn setup(facilitator: &str, email: &str, ip: IpAddr) {
    tracing::info!(target: TARGET, event = "setup", facilitator, email, %ip);
}

pub fn setup_failed(ip: IpAddr, reason: &str) {
    tracing::warn!(target: TARGET, event = "setup_failed", %ip, reason);
}

pub fn invite_issued(facilitator: &str, session: &str, invite: &str, role: &str, hours: i64) {
    tracing::info!(target: TARGET, event = "invite_issued", facilitator, session, invite, role, hours);
}

pub fn invite_revoked(facilitator: &str, invite: &str) {
    tracing::info!(target: TARGET, event = "invite_revoked", facilitator, invite);
}

pub fn member_removed(facilitator: &str, session: &str, participant: &str) {
    tracing::info!(target: TARGET, event = "member_removed", facilitator, session, participant);
}

pub fn joined(participant: &str, session: &str) {
    tracing::info!(target: TARGET, event = "joined", participant, session);
}

pub fn deleted(facilitator: &str, what: &str, id: &str, boards: usize) {
    tracing::info!(target: TARGET, event = "deleted", facilitator, what, id, boards);
}

pub fn refused(reason: &str, method: &str, path: &str, origin: &str) {
    tracing::warn!(target: TARGET, event = "refused", reason, method, path, origin);
}

/// A connection to a board outside every workspace (`--anonymous-boards`).
pub fn anonymous_board(board: &str) {
    tracing::info!(target: TARGET, event = "anonymous_board", board);
}

pub fn sync_denied(board: &str, reason: &str) {
    tracing::warn!(target: TARGET, event = "sync_denied", board, reason);
}
