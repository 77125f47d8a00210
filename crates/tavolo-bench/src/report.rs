//! Writes BENCHMARKS.md sections from a harness run.
use std::path::Path;

pub fn write(_results: &Path, _out: &Path) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
