//! The embedded runtime: a local cluster state in a redb database, the API server's write rules,
//! and controllers that reconcile it the way Kubernetes does (StatefulSet controller, kubelet,
//! volume provisioner, endpoints, load balancer, garbage collector).
//!
//! Decisions are pure functions over snapshots ([`statefulset::sync`]); [`controllers`] applies
//! them to a [`cluster::Cluster`]; [`session`] commits whole rounds to [`store::Store`] durably as it goes.

pub mod cluster;
pub mod controllers;
pub mod describe;
pub mod resources;
pub mod session;
pub mod statefulset;
pub mod store;
pub mod table;
pub mod time;
