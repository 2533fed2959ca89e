//! A real Kubernetes cluster through kube-rs: what the runtime commands do when given
//! `--kubeconfig` or `--context`. Kubernetes is the engine; stsc sends the objects it compiled
//! (server-side apply, field manager `stsc`) and reads back what the cluster did.
//!
//! [`Cluster`] is a blocking facade over kube's async client (the CLI is synchronous and makes
//! one request at a time); the decisions (what a diff shows, what to prune, whether a rollout is
//! done) are pure functions in the submodules.

pub mod diff;
pub mod error;
pub mod inventory;
pub mod rollout;

use std::path::PathBuf;

use serde_json::Value;

pub use error::ClusterError;

use crate::k8s::resources::{self, Resource};

/// The field manager of every write stsc makes.
pub const FIELD_MANAGER: &str = "stsc";

/// Which cluster: `--kubeconfig` (else `KUBECONFIG`, else `~/.kube/config`) and `--context`
/// (else the file's current context).
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// `--kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
}

/// Where a kind is served: enough to build its URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPath {
    /// `apps`; empty for core.
    pub group: String,
    /// `v1`.
    pub version: String,
    /// `statefulsets`.
    pub plural: String,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
}

impl ApiPath {
    /// The path of a known resource.
    pub fn of(r: &Resource) -> ApiPath {
        let version = r.api_version.rsplit('/').next().unwrap_or("v1");
        ApiPath {
            group: r.group.to_string(),
            version: version.to_string(),
            plural: r.plural.to_string(),
            namespaced: r.namespaced,
        }
    }

    /// `statefulsets.apps`: how error messages and permissions name it.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `/apis/apps/v1/namespaces/NS/statefulsets[/NAME]`; `ns` is ignored for cluster-scoped
    /// kinds and None lists across namespaces.
    pub fn url(&self, ns: Option<&str>, name: Option<&str>) -> String {
        let mut u = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        if let (true, Some(ns)) = (self.namespaced, ns) {
            u.push_str(&format!("/namespaces/{}", encode(ns)));
        }
        u.push('/');
        u.push_str(&self.plural);
        if let Some(n) = name {
            u.push('/');
            u.push_str(&encode(n));
        }
        u
    }
}

/// A path segment, percent-encoded (names are DNS labels, but a bad one must not break the URL).
fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// How a delete treats dependents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    /// Garbage-collected after the owner is gone.
    Background,
    /// Left in place.
    Orphan,
}

/// A connected cluster.
pub struct Cluster {
    client: kube::Client,
    /// The context's namespace (`default` when it names none).
    pub namespace: String,
    /// The server's URL, for connection errors.
    pub server: String,
    rt: tokio::runtime::Runtime,
}

impl Cluster {
    /// Read the kubeconfig, choose the context, make the client.
    ///
    /// # Errors
    /// An unreadable kubeconfig or an unknown context, as one line.
    pub fn connect(target: &Target) -> Result<Cluster, ClusterError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClusterError::Config(e.to_string()))?;
        let (client, namespace, server) = rt.block_on(client(target))?;
        Ok(Cluster {
            client,
            namespace,
            server,
            rt,
        })
    }

    /// Where objects of this `apiVersion` and `kind` are served: the runtime's table first,
    /// then the cluster's discovery (for kinds stsc does not know, such as a CRD's).
    ///
    /// # Errors
    /// A kind the cluster does not serve.
    pub fn path_of(&self, api_version: &str, kind: &str) -> Result<ApiPath, ClusterError> {
        if let Some(r) = resources::by_kind(kind).filter(|r| r.api_version == api_version) {
            return Ok(ApiPath::of(r));
        }
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let gvk = kube::core::GroupVersionKind::gvk(group, version, kind);
        let found = self
            .rt
            .block_on(kube::discovery::pinned_kind(&self.client, &gvk));
        match found {
            Ok((ar, caps)) => Ok(ApiPath {
                group: ar.group,
                version: ar.version,
                plural: ar.plural,
                namespaced: caps.scope == kube::discovery::Scope::Namespaced,
            }),
            Err(kube::Error::Api(s)) if s.code == 404 => Err(ClusterError::Config(format!(
                "resource mapping not found for kind {kind:?} in version {api_version:?}: ensure CRDs are installed first"
            ))),
            Err(e) => Err(ClusterError::from_kube(e, "get", "discovery".into())),
        }
    }

    /// The server's minor version (`/version`; a managed cluster's `33+` reads as 33).
    ///
    /// # Errors
    /// A connection problem, or a version that is not a number.
    pub fn server_minor(&self) -> Result<u32, ClusterError> {
        let info = self
            .rt
            .block_on(self.client.apiserver_version())
            .map_err(|e| self.connect_error(e, "get", "version"))?;
        let digits: String = info
            .minor
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().map_err(|_| {
            ClusterError::Connect(format!(
                "{}: unexpected version {:?}",
                self.server, info.minor
            ))
        })
    }

    /// One object, or None when it does not exist.
    ///
    /// # Errors
    /// Any refusal but 404, or a connection problem.
    pub fn get(&self, p: &ApiPath, ns: &str, name: &str) -> Result<Option<Value>, ClusterError> {
        let req = http::Request::get(p.url(Some(ns), Some(name))).body(Vec::new());
        match self.send(req, "get", p) {
            Err(e) if e.is_not_found() => Ok(None),
            other => other.map(Some),
        }
    }

    /// The objects of a kind in `ns` (None: every namespace) matching the selectors, each with
    /// its `apiVersion` and `kind` (a list leaves them out).
    ///
    /// # Errors
    /// A refusal or a connection problem.
    pub fn list(
        &self,
        r: &Resource,
        ns: Option<&str>,
        labels: Option<&str>,
        fields: Option<&str>,
    ) -> Result<Vec<Value>, ClusterError> {
        let p = ApiPath::of(r);
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(l) = labels {
            query.append_pair("labelSelector", l);
        }
        if let Some(f) = fields {
            query.append_pair("fieldSelector", f);
        }
        let url = format!("{}?{}", p.url(ns, None), query.finish());
        let list = self.send(http::Request::get(url).body(Vec::new()), "list", &p)?;
        let mut items = match list {
            Value::Object(mut m) => m.remove("items").unwrap_or_default(),
            _ => Value::Null,
        };
        let items = items.as_array_mut().map(std::mem::take).unwrap_or_default();
        Ok(items
            .into_iter()
            .map(|mut o| {
                o["apiVersion"] = r.api_version.into();
                o["kind"] = r.kind.into();
                o
            })
            .collect())
    }

    /// Server-side apply of one object in `ns` with field manager `stsc`; the object as the
    /// server stored it (or would have, on a dry run).
    ///
    /// # Errors
    /// A refusal (conflicts, invalid fields, immutable changes) or a connection problem.
    pub fn apply(
        &self,
        p: &ApiPath,
        ns: &str,
        o: &Value,
        force: bool,
        dry_run: bool,
    ) -> Result<Value, ClusterError> {
        let name = o["metadata"]["name"].as_str().unwrap_or_default();
        let mut url = format!(
            "{}?fieldManager={FIELD_MANAGER}&fieldValidation=Strict",
            p.url(Some(ns), Some(name))
        );
        if force {
            url.push_str("&force=true");
        }
        if dry_run {
            url.push_str("&dryRun=All");
        }
        let req = http::Request::patch(url)
            .header("Content-Type", "application/apply-patch+yaml")
            .body(serde_json::to_vec(o).unwrap_or_default());
        self.send(req, "patch", p)
    }

    /// Delete one object; `Ok(false)` when it did not exist.
    ///
    /// # Errors
    /// A refusal or a connection problem.
    pub fn delete(
        &self,
        p: &ApiPath,
        ns: &str,
        name: &str,
        propagation: Propagation,
        dry_run: bool,
    ) -> Result<bool, ClusterError> {
        let policy = match propagation {
            Propagation::Background => "Background",
            Propagation::Orphan => "Orphan",
        };
        let mut body = serde_json::json!({"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": policy});
        if dry_run {
            body["dryRun"] = serde_json::json!(["All"]);
        }
        let req = http::Request::delete(p.url(Some(ns), Some(name)))
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(&body).unwrap_or_default());
        match self.send(req, "delete", p) {
            Err(e) if e.is_not_found() => Ok(false),
            other => other.map(|_| true),
        }
    }

    /// Set the replicas of a StatefulSet through its scale subresource.
    ///
    /// # Errors
    /// A refusal (no such set) or a connection problem.
    pub fn scale(&self, ns: &str, name: &str, replicas: i32) -> Result<(), ClusterError> {
        let p = ApiPath::of(&resources::STATEFUL_SET);
        let url = format!(
            "{}/scale?fieldManager={FIELD_MANAGER}",
            p.url(Some(ns), Some(name))
        );
        let body = serde_json::json!({"spec": {"replicas": replicas}});
        let req = http::Request::patch(url)
            .header("Content-Type", "application/merge-patch+json")
            .body(serde_json::to_vec(&body).unwrap_or_default());
        self.send(req, "patch", &p).map(|_| ())
    }

    fn send(
        &self,
        req: Result<http::Request<Vec<u8>>, http::Error>,
        verb: &'static str,
        p: &ApiPath,
    ) -> Result<Value, ClusterError> {
        let req = req.map_err(|e| ClusterError::Config(format!("bad request: {e}")))?;
        self.rt
            .block_on(self.client.request::<Value>(req))
            .map_err(|e| self.connect_error(e, verb, &p.qualified()))
    }

    /// A kube error; a connection problem names the server.
    fn connect_error(&self, e: kube::Error, verb: &'static str, resource: &str) -> ClusterError {
        match ClusterError::from_kube(e, verb, resource.to_string()) {
            ClusterError::Connect(why) => ClusterError::Connect(format!("{}: {why}", self.server)),
            other => other,
        }
    }
}

/// The client of a target and its context's namespace.
async fn client(target: &Target) -> Result<(kube::Client, String, String), ClusterError> {
    use kube::config::{KubeConfigOptions, Kubeconfig};
    let kc = match &target.kubeconfig {
        Some(path) => {
            if let Err(e) = std::fs::metadata(path) {
                let why = format!("cannot read kubeconfig {}: {e}", path.display());
                return Err(ClusterError::Config(why));
            }
            Kubeconfig::read_from(path)
        }
        None => Kubeconfig::read(),
    }
    .map_err(|e| ClusterError::Config(config_problem(&e)))?;
    if let Some(c) = &target.context {
        if !kc.contexts.iter().any(|n| &n.name == c) {
            return Err(ClusterError::Config(format!(
                "context was not found for specified context: {c}"
            )));
        }
    }
    let options = KubeConfigOptions {
        context: target.context.clone(),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kc, &options)
        .await
        .map_err(|e| ClusterError::Config(config_problem(&e)))?;
    let namespace = config.default_namespace.clone();
    let server = config.cluster_url.to_string();
    let server = server.trim_end_matches('/').to_string();
    let client = kube::Client::try_from(config)
        .map_err(|e| ClusterError::Connect(format!("{server}: {}", config_problem(&e))))?;
    Ok((client, namespace, server))
}

/// A kubeconfig problem in one line, its cause included.
fn config_problem(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !text.contains(&s) {
            text.push_str(": ");
            text.push_str(&s);
        }
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_the_api_layout() {
        let sts = ApiPath::of(&resources::STATEFUL_SET);
        assert_eq!(
            sts.url(Some("db"), Some("pg")),
            "/apis/apps/v1/namespaces/db/statefulsets/pg"
        );
        assert_eq!(sts.url(None, None), "/apis/apps/v1/statefulsets");
        let cr = ApiPath::of(&resources::CLUSTER_ROLE);
        assert_eq!(
            cr.url(Some("db"), Some("x")),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/x"
        );
        assert_eq!(
            ApiPath::of(&resources::POD).url(Some("d"), None),
            "/api/v1/namespaces/d/pods"
        );
    }
}
