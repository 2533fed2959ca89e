//! What goes wrong talking to a cluster, worded as kubectl words it.

use kube::core::Status;

/// A failed cluster call.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The kubeconfig or context cannot be used (exit 2).
    #[error("error: {0}")]
    Config(String),
    /// The server cannot be reached, or its certificate is not trusted (exit 2).
    #[error("Unable to connect to the server: {0}")]
    Connect(String),
    /// The server refused the request (exit 1).
    #[error("{}", api_message(.status, .verb, .resource))]
    Api {
        /// The server's Status.
        status: Box<Status>,
        /// The verb stsc used (`patch`, `get`, ...), for a missing permission.
        verb: &'static str,
        /// `statefulsets.apps`: the resource of the request.
        resource: String,
    },
}

impl ClusterError {
    /// Whether the server answered 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ClusterError::Api { status, .. } if status.code == 404)
    }

    /// The server's Status, when it answered.
    pub fn status(&self) -> Option<&Status> {
        match self {
            ClusterError::Api { status, .. } => Some(status),
            _ => None,
        }
    }

    /// Exit code: 1 for a refusal, 2 for configuration and connection problems.
    pub fn exit_code(&self) -> u8 {
        match self {
            ClusterError::Api { .. } => 1,
            _ => 2,
        }
    }

    /// The error of a request for `verb` on `resource`.
    pub(crate) fn from_kube(e: kube::Error, verb: &'static str, resource: String) -> Self {
        match e {
            kube::Error::Api(status) => ClusterError::Api {
                status,
                verb,
                resource,
            },
            other => ClusterError::Connect(explain_tls(deepest_cause(&other))),
        }
    }
}

/// `Error from server (Forbidden): …`, and for a missing permission what to grant.
fn api_message(status: &Status, verb: &str, resource: &str) -> String {
    let reason = if status.reason.is_empty() {
        "InternalError"
    } else {
        status.reason.as_str()
    };
    if status.code == 401 {
        // kubectl's words: the credentials of the context are not accepted.
        return "error: You must be logged in to the server (Unauthorized)".into();
    }
    let mut m = format!("Error from server ({reason}): {}", status.message);
    if status.code == 403 {
        let (plural, group) = resource.split_once('.').unwrap_or((resource, ""));
        let group = if group.is_empty() {
            "\"\" (core)"
        } else {
            group
        };
        m.push_str(&format!(
            "\nstsc: grant the verb {verb:?} on resource {plural:?} in API group {group} to this user (README: \"Permissions on a cluster\")"
        ));
    }
    m
}

/// The innermost error of a chain: `connection refused`, `invalid peer certificate: …`.
fn deepest_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &dyn std::error::Error = e;
    while let Some(s) = last.source() {
        last = s;
    }
    let text = last.to_string();
    if text.is_empty() {
        e.to_string()
    } else {
        text
    }
}

/// rustls names some certificate problems by their variant alone (`UnknownIssuer`): add what
/// it means in the words kubectl users know from Go's x509 errors. A certificate authority
/// of the same name that did not sign the server's certificate is `BadSignature`, which Go
/// also calls an unknown authority.
fn explain_tls(cause: String) -> String {
    let meaning = match cause.strip_prefix("invalid peer certificate: ") {
        Some("UnknownIssuer" | "BadSignature") => "certificate signed by unknown authority: the kubeconfig's certificate-authority-data does not vouch for this server",
        Some("NotValidForName") => "the certificate is not valid for the server's name in the kubeconfig",
        Some("Expired") => "the certificate has expired",
        _ => return cause,
    };
    format!("{cause} ({meaning})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, reason: &str, message: &str) -> Box<Status> {
        let mut s = Status::failure(message, reason);
        s.code = code;
        Box::new(s)
    }

    #[test]
    fn a_missing_permission_names_the_verb_and_resource() {
        let e = ClusterError::Api {
            status: status(
                403,
                "Forbidden",
                "statefulsets.apps \"web\" is forbidden: User \"dev\" cannot patch resource \"statefulsets\" in API group \"apps\" in the namespace \"default\"",
            ),
            verb: "patch",
            resource: "statefulsets.apps".into(),
        };
        assert_eq!(
            e.to_string(),
            "Error from server (Forbidden): statefulsets.apps \"web\" is forbidden: User \"dev\" cannot patch resource \"statefulsets\" in API group \"apps\" in the namespace \"default\"\nstsc: grant the verb \"patch\" on resource \"statefulsets\" in API group apps to this user (README: \"Permissions on a cluster\")"
        );
        assert_eq!(e.exit_code(), 1);
    }

    #[test]
    fn bare_certificate_problems_are_explained() {
        assert_eq!(
            explain_tls("invalid peer certificate: UnknownIssuer".into()),
            "invalid peer certificate: UnknownIssuer (certificate signed by unknown authority: the kubeconfig's certificate-authority-data does not vouch for this server)"
        );
        assert_eq!(
            explain_tls("invalid peer certificate: BadSignature".into()),
            "invalid peer certificate: BadSignature (certificate signed by unknown authority: the kubeconfig's certificate-authority-data does not vouch for this server)"
        );
        let worded = "invalid peer certificate: certificate expired: verification time 2 (UNIX), but certificate is not valid after 1 (1 seconds ago)";
        assert_eq!(explain_tls(worded.into()), worded);
        assert_eq!(
            explain_tls("Connection refused (os error 111)".into()),
            "Connection refused (os error 111)"
        );
    }

    #[test]
    fn not_found_reads_as_kubectl_prints_it() {
        let e = ClusterError::Api {
            status: status(404, "NotFound", "pods \"web-9\" not found"),
            verb: "get",
            resource: "pods".into(),
        };
        assert!(e.is_not_found());
        assert_eq!(
            e.to_string(),
            "Error from server (NotFound): pods \"web-9\" not found"
        );
    }
}
