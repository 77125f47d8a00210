//! `tavolo-bench`: a load generator for any server that speaks the y-websocket protocol,
//! and the report writer of the benchmark harness (`bench/run.sh`).
//!
//! Clients connect to `{url}/{prefix}-{n}` like the official provider, build their updates
//! with yrs, and time every update from its send to its arrival at every other client of the
//! board. Every run is bounded in clients, updates and seconds, and only loopback targets
//! are accepted.

pub mod client;
pub mod common;
pub mod content;
pub mod relay;
pub mod report;
pub mod scenarios;
pub mod stats;
