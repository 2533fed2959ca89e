//! Patches over Kubernetes objects, as the API server applies them: strategic merge
//! ([`strategic`]), whose list semantics come from the OpenAPI markers of the target version's
//! schema bundle. Shared by the spec's `patches` and, later, the API behind `stsc serve`.
//!
//! Written here because no crate implements strategic merge outside Go's apimachinery; the
//! semantics (merge keys, `$patch`, `$setElementOrder`, `$deleteFromPrimitiveList`,
//! `$retainKeys`) follow `k8s.io/apimachinery/pkg/util/strategicpatch`.

pub mod apply;
pub mod diff;
pub mod strategic;

pub use strategic::{merge, PatchSchema};
