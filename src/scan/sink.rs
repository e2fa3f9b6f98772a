//! Where counted calls go: the frame analyze queries, or watch's running totals.

use crate::normalize::columns::Dictionary;
use anyhow::Result;
use polars::prelude::*;

/// Receives each block's deduplicated calls, in input order.
pub trait CallSink {
    fn calls(&mut self, frame: DataFrame, dict: &Dictionary, files: &[String]) -> Result<()>;
}

/// Stacks the blocks into one frame. The frame stays in one chunk per block: rechunking would
/// briefly double its memory, and polars' group-bys work across chunks.
#[derive(Default)]
pub struct FrameSink {
    pub frame: Option<DataFrame>,
}

impl CallSink for FrameSink {
    fn calls(&mut self, frame: DataFrame, _dict: &Dictionary, _files: &[String]) -> Result<()> {
        match &mut self.frame {
            None => self.frame = Some(frame),
            Some(f) => {
                f.vstack_mut_owned(frame)?;
            }
        }
        Ok(())
    }
}
