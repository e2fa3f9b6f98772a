//! Budgets: rules, calendar windows, and their evaluation — pure functions of (usage, rules, now).
//! Nothing here does I/O; the usage comes from a polars query in `engine::budget_usage`.

pub mod check;
pub mod evaluate;
pub mod rule;
pub mod status;
pub mod window;

pub use evaluate::{evaluate, BudgetReport, DayCost, Status, Trend};
pub use rule::{Budget, Period};
