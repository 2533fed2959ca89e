//! Errors as the API server reports them, with kubectl's reasons.

use crate::k8s::resources::Resource;

/// An error as the API server reports it; kubectl prints `Error from server (REASON): MESSAGE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Error from server ({reason}): {message}")]
pub struct ApiError {
    /// `NotFound`, `AlreadyExists`, `Invalid`, `BadRequest`.
    pub reason: &'static str,
    /// The Status message.
    pub message: String,
}

impl ApiError {
    /// `statefulsets.apps "web" not found`.
    pub fn not_found(r: &Resource, name: &str) -> Self {
        ApiError {
            reason: "NotFound",
            message: format!("{} {name:?} not found", r.qualified()),
        }
    }

    pub(super) fn already_exists(r: &Resource, name: &str) -> Self {
        ApiError {
            reason: "AlreadyExists",
            message: format!("{} {name:?} already exists", r.qualified()),
        }
    }

    /// An update from a stale resourceVersion.
    pub fn conflict(r: &Resource, name: &str) -> Self {
        ApiError {
            reason: "Conflict",
            message: format!(
                "Operation cannot be fulfilled on {} {name:?}: the object has been modified; please apply your changes to the latest version and try again",
                r.qualified()
            ),
        }
    }

    /// `StatefulSet.apps "web" is invalid: CAUSES`.
    pub fn invalid(r: &Resource, name: &str, causes: &[String]) -> Self {
        let kind = if r.group.is_empty() {
            r.kind.to_string()
        } else {
            format!("{}.{}", r.kind, r.group)
        };
        let detail = if causes.len() == 1 {
            causes[0].clone()
        } else {
            format!("[{}]", causes.join(", "))
        };
        ApiError {
            reason: "Invalid",
            message: format!("{kind} {name:?} is invalid: {detail}"),
        }
    }

    /// A request the server cannot make sense of.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            reason: "BadRequest",
            message: message.into(),
        }
    }
}
