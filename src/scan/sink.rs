//! Where counted calls go: the frame analyze queries, or watch's running totals.

use crate::normalize::columns::Dictionary;
use anyhow::Result;
use polars::prelude::*;

/// Receives each block's deduplicated calls, in input order.
pub trait CallSink {
    fn calls(&mut self, frame: DataFrame, dict: &Dictionary, files: &[String]) -> Result<()>;
}

/// Rows gathered from small blocks before they are copied into one chunk.
const RUN_ROWS: usize = 1 << 18;

/// Stacks the blocks into one frame whose columns each end in one chunk, so the queries read a
/// column as one slice in place instead of each copying the blocks' chunks together.
///
/// Why in runs: a block's columns are allocated side by side by the thread that parsed it, so
/// the allocator can give a block's memory back only once all its columns are freed. Joining the
/// whole frame column by column at the end frees no page until the last column (measured on the
/// 1 GB log: resident memory 830 MB → 1.23 GB while joining). Joining each run of a quarter
/// million rows as it fills frees whole blocks, which the parsing threads then reuse; the final
/// join of a few large chunks hands each column's back as it goes (peak 938 → 736 MB).
#[derive(Default)]
pub struct FrameSink {
    done: Option<DataFrame>,
    run: Option<DataFrame>,
    /// Whether runs are joined as they fill (else the blocks' chunks are kept as they came).
    join_runs: bool,
}

impl FrameSink {
    pub fn joining(join_runs: bool) -> Self {
        FrameSink {
            join_runs,
            ..Default::default()
        }
    }

    fn close_run(&mut self) -> Result<()> {
        let Some(mut run) = self.run.take() else {
            return Ok(());
        };
        run.rechunk_mut();
        self.push_done(run)
    }

    /// Adds a joined run (or a cache batch) below the frame so far, its constant columns as
    /// scalars first: a column that holds one value from the first run to the last never takes
    /// memory per row.
    fn push_done(&mut self, mut frame: DataFrame) -> Result<()> {
        super::compact::compact(&mut frame);
        match self.done.take() {
            None => self.done = Some(frame),
            Some(f) => self.done = Some(super::compact::stack(f, frame)?),
        }
        Ok(())
    }

    /// The frame, one chunk per column when `join`; None when no call arrived.
    pub fn finish(mut self, join: bool) -> Result<Option<DataFrame>> {
        if let Some(run) = self.run.take() {
            self.push_done(run)?;
        }
        let mut frame = self.done.take();
        if let (true, Some(f)) = (join, &mut frame) {
            // A column at a time, each column's old chunks handed back before the next is
            // joined: the transient is one column.
            // SAFETY: rechunking changes neither a column's length nor its name.
            for c in unsafe { f.columns_mut() }.iter_mut() {
                if c.n_chunks() > 1 {
                    *c = c.rechunk();
                    crate::memory::give_back();
                }
            }
        }
        if let Some(f) = &mut frame {
            // A last run's own constants; or a frame of blocks kept as they came.
            if super::compact::compact(f) > 0 {
                crate::memory::give_back();
            }
        }
        Ok(frame)
    }
}

impl CallSink for FrameSink {
    fn calls(&mut self, frame: DataFrame, _dict: &Dictionary, _files: &[String]) -> Result<()> {
        if !self.join_runs {
            match &mut self.run {
                None => self.run = Some(frame),
                Some(f) => {
                    f.vstack_mut_owned(frame)?;
                }
            }
            return Ok(());
        }
        if frame.height() >= RUN_ROWS / 4 && frame.columns().iter().all(|c| c.n_chunks() <= 1) {
            // Already large and in one chunk (a cache entry's batch): kept as it is.
            self.close_run()?;
            return self.push_done(frame);
        }
        match &mut self.run {
            None => self.run = Some(frame),
            Some(f) => {
                f.vstack_mut_owned(frame)?;
            }
        }
        if self.run.as_ref().is_some_and(|r| r.height() >= RUN_ROWS) {
            self.close_run()?;
        }
        Ok(())
    }
}
