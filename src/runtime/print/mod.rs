//! Objects as kubectl shows them: `get` tables, `describe`, and kubectl's times and ages.

pub mod describe;
pub mod json;
pub mod table;
pub mod time;
