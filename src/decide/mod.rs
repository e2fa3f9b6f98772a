//! Decisions from the calls: compare two periods or sets, reprice on another model, suggest
//! cheaper models, estimate a batch before running it.

pub mod attribution;
pub mod bootstrap;
pub mod compare;
pub mod optimize;
pub mod prompts;
pub mod reprice;
pub mod tokens;
pub mod whatif;
pub mod window;
