//! The embedded runtime: a local cluster state in a redb database, the API server's write rules,
//! and controllers that reconcile it the way Kubernetes does (StatefulSet controller, kubelet,
//! volume provisioner, endpoints, load balancer, garbage collector).
//!
//! [`api_server::ApiServer`] holds the objects and applies every write as the API server does;
//! [`controllers`] run rounds of reconciliation over it, the StatefulSet decision being a pure
//! function over a snapshot ([`controllers::statefulset::sync`]); [`session`] commits whole rounds
//! to [`store::Store`] durably as it goes; [`print`](mod@print) shows objects as kubectl does.

pub mod api;
pub mod api_server;
pub mod apply;
pub mod controllers;
pub mod print;
pub mod query;
pub mod session;
pub mod store;
