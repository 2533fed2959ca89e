//! Errors as `Status` bodies (`meta/v1` `Status`), with the HTTP code each reason carries
//! (`staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go`); kubectl prints them as
//! `Error from server (REASON): MESSAGE`. `docs/research/kubectl-and-api.md` §2.10.

use serde_json::{json, Value};

use crate::k8s::resources::Resource;
use crate::runtime::api_server::ApiError;

/// The HTTP code of a Status reason.
pub fn code_of(reason: &str) -> u16 {
    match reason {
        "BadRequest" => 400,
        "Unauthorized" => 401,
        "Forbidden" => 403,
        "NotFound" => 404,
        "MethodNotAllowed" => 405,
        "NotAcceptable" => 406,
        "AlreadyExists" | "Conflict" => 409,
        "Gone" | "Expired" => 410,
        "RequestEntityTooLarge" => 413,
        "UnsupportedMediaType" => 415,
        "Invalid" => 422,
        "TooManyRequests" => 429,
        "Timeout" => 504,
        _ => 500,
    }
}

/// The Status body of an error about an object of `r` named `name` (`details` name the
/// resource, plural, as the API server does), with its HTTP code.
pub fn status_of(e: &ApiError, r: Option<(&Resource, &str)>) -> (u16, Value) {
    let code = code_of(e.reason);
    let mut body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": e.message,
        "reason": e.reason,
        "code": code,
    });
    if let Some((r, name)) = r {
        body["details"] = json!({"name": name, "group": r.group, "kind": r.plural});
    }
    (code, body)
}

/// `404` for a path that names no resource.
pub fn unknown_path() -> (u16, Value) {
    let e = ApiError {
        reason: "NotFound",
        message: "the server could not find the requested resource".into(),
    };
    status_of(&e, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::resources;

    #[test]
    fn a_missing_set_is_a_404_naming_the_resource() {
        let e = ApiError::not_found(&resources::STATEFUL_SET, "web");
        let (code, body) = status_of(&e, Some((&resources::STATEFUL_SET, "web")));
        assert_eq!(code, 404);
        assert_eq!(
            body,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                   "message": "statefulsets.apps \"web\" not found", "reason": "NotFound",
                   "details": {"name": "web", "group": "apps", "kind": "statefulsets"}, "code": 404})
        );
        assert_eq!(unknown_path().0, 404);
        assert_eq!(code_of("Invalid"), 422);
    }
}
