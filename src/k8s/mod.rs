//! Kubernetes knowledge shared by the compiler, the checker and the runtime, with no I/O: the
//! versions and their feature gates, the kinds and their resources, typed views of the objects
//! the runtime decides on and prints (borrowed from the stored JSON, which keeps every field),
//! names, quantities, label selectors, the API server's defaults and update rules, and how
//! manifests are read.

pub mod apps;
pub mod core;
pub mod defaults;
pub mod manifests;
pub mod names;
pub mod object;
pub mod pointer;
pub mod quantity;
pub mod resources;
pub mod selector;
pub mod service;
pub mod storage;
pub mod update;
pub mod version;
