//! Findings that need a person's attention, each with its evidence: periods far outside their own
//! baseline (and what drove them), runaway loops of near-identical calls, and steps in what a type
//! of call costs. Pure: numbers in, findings out; `report` runs the queries.

pub mod drift;
pub mod loops;
pub mod periods;
pub mod robust;
