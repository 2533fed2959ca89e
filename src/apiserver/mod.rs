//! The API server's behaviour on write, as pure functions over JSON objects: the defaults it
//! fills in and the updates it refuses. Shared by `stsc check --against` and the embedded runtime.

pub mod defaults;
pub mod update;
