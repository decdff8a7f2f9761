//! Chain-head checkpoints written outside the database, and the report of `verify-audit`.
//!
//! Whoever can edit the database can cut the log's tail and rewind its head row; a checkpoint
//! kept in a file remembers how far the chain had reached, so `verify` notices.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use pim_core::audit::Checkpoint;
use pim_store::{AuditVerification, Store};

/// An append-only JSON-lines file of checkpoints.
#[derive(Debug, Clone)]
pub struct CheckpointFile {
    path: PathBuf,
}

impl CheckpointFile {
    #[must_use]
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join("audit-checkpoints.jsonl"),
        }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every checkpoint so far; none when the file does not exist yet.
    pub fn read(&self) -> anyhow::Result<Vec<Checkpoint>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", self.path.display()));
            }
        };
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(n, line)| {
                serde_json::from_str(line).with_context(|| {
                    format!("{} line {}: not a checkpoint", self.path.display(), n + 1)
                })
            })
            .collect()
    }

    /// Appends one checkpoint and flushes it to disk.
    pub fn append(&self, checkpoint: &Checkpoint) -> anyhow::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .with_context(|| format!("cannot open {}", self.path.display()))?;
        writeln!(file, "{}", serde_json::to_string(checkpoint)?)?;
        file.sync_data()?;
        Ok(())
    }
}

/// Writes the chain's head when it moved since `last_seq`; returns the head's sequence.
pub async fn checkpoint_if_moved(
    store: &Store,
    file: &CheckpointFile,
    last_seq: Option<i64>,
    now: pim_core::Timestamp,
) -> anyhow::Result<i64> {
    let head = store.audit_head(now).await?;
    if Some(head.seq) != last_seq && head.seq > 0 {
        file.append(&head)?;
    }
    Ok(head.seq)
}

/// Verifies the chain against the checkpoint file; the text to print and whether it held.
pub async fn verify(store: &Store, file: &CheckpointFile) -> anyhow::Result<(String, bool)> {
    let checkpoints = file.read()?;
    let count = checkpoints.len();
    let AuditVerification { checked, broken } = store.verify_audit(checkpoints).await?;
    Ok(match broken {
        None => (
            format!(
                "The audit log is intact: {checked} events verified, consistent with {count} checkpoints in {}.",
                file.path().display()
            ),
            true,
        ),
        Some(broken) => (
            format!("The audit log is BROKEN: {broken}. {checked} events before it verified."),
            false,
        ),
    })
}
