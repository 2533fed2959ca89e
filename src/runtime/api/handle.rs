//! One API request against the [`ApiServer`], apart from any I/O: the route, the negotiated
//! form, the verb, admission (the version's schemas and the API server's rules, by
//! `fieldValidation`), and the reply as a status code and a body. Watches are only described
//! here ([`Outcome::Watch`]); streaming them is the server's (`crate::serve`).

use serde_json::{json, Value};

use super::discovery::{self, AGGREGATED_CONTENT_TYPE};
use super::negotiate::{negotiate, Form};
use super::params::{FieldValidation, Params};
use super::route::{route, Route, Sub, Target};
use super::status::{status_of, unknown_path};
use super::table::table_object;
use super::{list_of, openapi, scale, version};
use crate::k8s::object::{meta_str, metadata_mut, obj_mut};
use crate::k8s::resources::{self, Resource};
use crate::runtime::api_server::{key_of, ApiError, ApiServer, Cascade};
use crate::runtime::print::table::table;
use crate::runtime::store::Key;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET (and HEAD).
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
    /// Anything else (405).
    Other,
}

/// One request, as the server read it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The method.
    pub method: Method,
    /// The path, without the query.
    pub path: &'a str,
    /// The query, without the `?`.
    pub query: &'a str,
    /// The `Accept` header.
    pub accept: Option<&'a str>,
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
    /// The `Host` the client asked for (`127.0.0.1:6443`), for legacy discovery.
    pub host: &'a str,
}

/// A reply's body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// JSON.
    Json(Value),
    /// Plain text (`/healthz`).
    Text(&'static str),
    /// Bytes (protobuf OpenAPI v2).
    Bytes(Vec<u8>),
}

/// A reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status code.
    pub code: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body.
    pub body: Body,
    /// `Warning` headers (`299 - "text"`), as the API server sends for dropped fields.
    pub warnings: Vec<String>,
}

/// A watch the server is to stream.
#[derive(Debug, Clone)]
pub struct WatchRequest {
    /// The resource type.
    pub resource: &'static Resource,
    /// Only this namespace (`None`: every one).
    pub namespace: Option<String>,
    /// Selectors, resourceVersion, bookmarks, timeout.
    pub params: Params,
    /// Events carry one-row Tables instead of objects.
    pub table: bool,
}

/// What a request comes to.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Answer at once.
    Reply(Reply),
    /// Stream a watch.
    Watch(WatchRequest),
}

/// A refused request: the error, and the object it is about (for the Status `details`).
#[derive(Debug)]
struct Failure {
    error: ApiError,
    about: Option<(&'static Resource, String)>,
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        Failure { error, about: None }
    }
}

fn about<'a>(r: &'static Resource, name: &'a str) -> impl Fn(ApiError) -> Failure + 'a {
    move |error| Failure {
        error,
        about: Some((r, name.to_string())),
    }
}

fn error(reason: &'static str, message: impl Into<String>) -> Failure {
    Failure::from(ApiError {
        reason,
        message: message.into(),
    })
}

type Answer = Result<Outcome, Failure>;

fn json_reply(code: u16, body: Value) -> Outcome {
    Outcome::Reply(Reply {
        code,
        content_type: "application/json",
        body: Body::Json(body),
        warnings: Vec::new(),
    })
}

/// The Status reply of a failure.
fn failure_reply(f: &Failure) -> Reply {
    let (code, body) = status_of(&f.error, f.about.as_ref().map(|(r, n)| (*r, n.as_str())));
    Reply {
        code,
        content_type: "application/json",
        body: Body::Json(body),
        warnings: Vec::new(),
    }
}

/// Answer one request; writes go through `api` (the caller commits them).
pub fn handle(api: &mut ApiServer, req: &Request) -> Outcome {
    match respond(api, req) {
        Ok(o) => o,
        Err(f) => Outcome::Reply(failure_reply(&f)),
    }
}

fn respond(api: &mut ApiServer, req: &Request) -> Answer {
    let Some(route) = route(req.path) else {
        let (code, body) = unknown_path();
        return Ok(json_reply(code, body));
    };
    if route == Route::OpenApiV2 {
        // Asked for as protobuf, the one form it has.
        return Ok(document(api, route, Form::Json, req.host));
    }
    let form = negotiate(req.accept).ok_or_else(|| {
        error(
            "NotAcceptable",
            "only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io",
        )
    })?;
    let params = Params::parse(req.query)?;
    match (route, req.method) {
        (Route::Objects(t), m) => objects(api, t, m, &params, form, req),
        (_, Method::Get) => Ok(document(api, route, form, req.host)),
        _ => Err(method_not_allowed(req.method)),
    }
}

fn method_not_allowed(m: Method) -> Failure {
    error(
        "MethodNotAllowed",
        format!("the server does not allow this method on the requested resource ({m:?})"),
    )
}

/// The documents beside the objects: version, health, discovery, OpenAPI.
fn document(api: &ApiServer, route: Route, form: Form, host: &str) -> Outcome {
    let discovery_reply = |body| {
        Outcome::Reply(Reply {
            code: 200,
            content_type: AGGREGATED_CONTENT_TYPE,
            body: Body::Json(body),
            warnings: Vec::new(),
        })
    };
    let aggregated = form == Form::AggregatedDiscovery;
    match route {
        Route::Version => json_reply(200, version(api.version)),
        Route::Health => Outcome::Reply(Reply {
            code: 200,
            content_type: "text/plain; charset=utf-8",
            body: Body::Text("ok"),
            warnings: Vec::new(),
        }),
        Route::Core if aggregated => discovery_reply(discovery::aggregated(true)),
        Route::Core => json_reply(200, discovery::api_versions(host)),
        Route::Groups if aggregated => discovery_reply(discovery::aggregated(false)),
        Route::Groups => json_reply(200, discovery::api_group_list()),
        Route::GroupVersion { group, version } => {
            match discovery::api_resource_list(group, version) {
                Some(list) => json_reply(200, list),
                None => {
                    let (code, body) = unknown_path();
                    json_reply(code, body)
                }
            }
        }
        Route::OpenApiV2 => Outcome::Reply(Reply {
            code: 200,
            content_type: openapi::V2_PROTOBUF,
            body: Body::Bytes(openapi::v2_protobuf()),
            warnings: Vec::new(),
        }),
        Route::OpenApiRoot => json_reply(200, openapi::root()),
        Route::OpenApi { group, version } => json_reply(200, openapi::document(group, version)),
        Route::Objects(_) => unreachable_route(),
    }
}

/// `document` is never asked for objects; answered as an unknown path all the same.
fn unreachable_route() -> Outcome {
    let (code, body) = unknown_path();
    json_reply(code, body)
}

/// The verbs on objects.
fn objects(
    api: &mut ApiServer,
    t: Target,
    m: Method,
    p: &Params,
    form: Form,
    req: &Request,
) -> Answer {
    match (m, t.name, t.sub) {
        (Method::Get, None, _) if p.watch => Ok(Outcome::Watch(WatchRequest {
            resource: t.resource,
            namespace: t.namespace.map(str::to_string),
            params: p.clone(),
            table: form == Form::Table,
        })),
        (Method::Get, None, _) => Ok(list(api, t, p, form)),
        (Method::Get, Some(name), Some(Sub::Scale)) => {
            let set = stored(api, t, name)?;
            Ok(json_reply(200, scale::scale_of(set)))
        }
        (Method::Get, Some(name), _) => get(api, t, name, p, form),
        (Method::Post, None, None) => create(api, t, p, req),
        (Method::Put, Some(name), sub) => {
            let body = decode(req.body, false)?;
            write(api, t, name, sub, p, body)
        }
        (Method::Patch, Some(name), sub) => {
            let body = patched(api, t, name, sub, p, req)?;
            write(api, t, name, sub, p, body)
        }
        (Method::Delete, Some(name), None) => delete(api, t, name, p, req),
        (Method::Delete, None, None) => delete_collection(api, t, p, req),
        _ => Err(method_not_allowed(m)),
    }
}

/// The stored object a path names.
fn stored<'a>(api: &'a ApiServer, t: Target, name: &str) -> Result<&'a Value, Failure> {
    let r = t.resource;
    api.get(r, t.namespace.unwrap_or(""), name)
        .ok_or_else(|| about(r, name)(ApiError::not_found(r, name)))
}

/// The objects of a list or watch: its namespace (or all), selected.
pub fn in_scope<'a>(
    api: &'a ApiServer,
    r: &Resource,
    namespace: Option<&'a str>,
    p: &'a Params,
) -> impl Iterator<Item = &'a Value> + 'a {
    let all: Box<dyn Iterator<Item = (&Key, &Value)>> = match namespace {
        Some(ns) if r.namespaced => Box::new(api.list_ns(r, ns)),
        _ => Box::new(api.list(r)),
    };
    all.map(|(_, v)| v).filter(move |o| p.selects(o))
}

fn list(api: &ApiServer, t: Target, p: &Params, form: Form) -> Outcome {
    let items: Vec<&Value> = in_scope(api, t.resource, t.namespace, p).collect();
    let rv = api.meta.resource_version.to_string();
    if form == Form::Table {
        let tab = table(t.resource, &items, api.now, api.version);
        return json_reply(200, table_object(&tab, &rv, p.include_object, true));
    }
    json_reply(200, list_of(t.resource, &items, &rv))
}

fn get(api: &ApiServer, t: Target, name: &str, p: &Params, form: Form) -> Answer {
    let o = stored(api, t, name)?;
    if form == Form::Table {
        let tab = table(t.resource, &[o], api.now, api.version);
        let rv = meta_str(o, "resourceVersion");
        return Ok(json_reply(
            200,
            table_object(&tab, rv, p.include_object, true),
        ));
    }
    Ok(json_reply(200, o.clone()))
}

/// A request body as JSON (or YAML, for server-side apply).
fn decode(body: &[u8], yaml: bool) -> Result<Value, Failure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(error("BadRequest", "the body of the request was empty"));
    }
    let v: Value = if yaml {
        serde_yaml::from_slice(body).map_err(|e| {
            error(
                "BadRequest",
                format!("the body of the request is not valid YAML: {e}"),
            )
        })?
    } else {
        serde_json::from_slice(body).map_err(|e| {
            error(
                "BadRequest",
                format!("the body of the request is not valid JSON: {e}"),
            )
        })?
    };
    if !v.is_object() {
        return Err(error(
            "BadRequest",
            "the body of the request must be a JSON object",
        ));
    }
    Ok(v)
}

/// The body's kind and apiVersion are the path's (filled in when absent, as for a Scale).
fn check_kind(o: &mut Value, r: &Resource) -> Result<(), Failure> {
    let m = obj_mut(o);
    let api_version = m
        .entry("apiVersion")
        .or_insert_with(|| json!(r.api_version));
    if api_version != r.api_version {
        return Err(error(
            "BadRequest",
            format!(
                "the API version in the data ({}) does not match the expected API version ({})",
                api_version.as_str().unwrap_or(""),
                r.api_version
            ),
        ));
    }
    let kind = m.entry("kind").or_insert_with(|| json!(r.kind));
    if kind != r.kind {
        return Err(error(
            "BadRequest",
            format!(
                "the kind in the data ({}) does not match the expected kind ({})",
                kind.as_str().unwrap_or(""),
                r.kind
            ),
        ));
    }
    Ok(())
}

/// The body's namespace is the path's (filled in when absent).
fn check_namespace(o: &mut Value, r: &Resource, path_ns: Option<&str>) -> Result<(), Failure> {
    let Some(ns) = path_ns.filter(|_| r.namespaced) else {
        return Ok(());
    };
    let m = metadata_mut(o);
    match m.get("namespace").and_then(Value::as_str) {
        None | Some("") => {
            m.insert("namespace".into(), json!(ns));
            Ok(())
        }
        Some(given) if given == ns => Ok(()),
        Some(_) => Err(error(
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
        )),
    }
}

/// Check an object before it is written: unknown fields by `fieldValidation`, then the
/// version's schema and the API server's rules. Returns the object, unknown fields dropped,
/// and the warnings to send.
fn admit(
    api: &ApiServer,
    r: &Resource,
    mut o: Value,
    p: &Params,
) -> Result<(Value, Vec<String>), Failure> {
    if !crate::validate::has_schema(&o) {
        return Ok((o, Vec::new()));
    }
    let schemas = crate::validate::Schemas::new(api.version, crate::validate::Checking::Few);
    let name = meta_str(&o, "name").to_string();
    let invalid = |message: String| Failure::from(ApiError::invalid(r, &name, &[message]));
    let mut unknown = Vec::new();
    // Each pass drops the first unknown field; an object has few.
    for _ in 0..64 {
        let Some(v) = schemas.validate(&o).into_iter().next() else {
            break;
        };
        if !v.message.contains("unknown field") {
            return Err(invalid(v.message));
        }
        unknown.push(crate::k8s::pointer::display_path(&v.pointer));
        remove_pointer(&mut o, &v.pointer);
    }
    let warnings: Vec<String> = unknown
        .iter()
        .map(|f| format!("unknown field {f:?}"))
        .collect();
    if p.field_validation == FieldValidation::Strict && !warnings.is_empty() {
        return Err(error(
            "BadRequest",
            format!(
                "{} in version {:?} cannot be handled as a {}: strict decoding error: {}",
                r.kind,
                r.api_version.rsplit('/').next().unwrap_or("v1"),
                r.kind,
                warnings.join(", ")
            ),
        ));
    }
    if let Some((_, v)) = crate::validate::first_refused(&[&o], api.version) {
        return Err(invalid(v.message));
    }
    let warnings = match p.field_validation {
        FieldValidation::Warn => warnings,
        _ => Vec::new(),
    };
    Ok((o, warnings))
}

/// Remove the value at a JSON pointer.
fn remove_pointer(o: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    if let Some(Value::Object(m)) = o.pointer_mut(parent) {
        m.remove(&last);
    }
}

fn reply_with(code: u16, o: Value, warnings: Vec<String>) -> Outcome {
    Outcome::Reply(Reply {
        code,
        content_type: "application/json",
        body: Body::Json(o),
        warnings,
    })
}

/// A scratch API server holding only what a dry run of a write to `key` reads: that object
/// and the namespaces. Nothing written to it reaches `api`.
fn scratch(api: &ApiServer, key: &Key) -> ApiServer {
    let mut objects = std::collections::BTreeMap::new();
    if let Some(o) = api.get_key(key) {
        objects.insert(key.clone(), o.clone());
    }
    for (k, v) in api.list(&resources::NAMESPACE) {
        objects.insert(k.clone(), v.clone());
    }
    ApiServer::new(objects, api.meta.clone(), api.now, api.version)
}

fn create(api: &mut ApiServer, t: Target, p: &Params, req: &Request) -> Answer {
    let r = t.resource;
    let mut o = decode(req.body, false)?;
    check_kind(&mut o, r)?;
    check_namespace(&mut o, r, t.namespace)?;
    generate_name(api, &mut o);
    let (o, warnings) = admit(api, r, o, p)?;
    let (_, key) = key_of(&o)?;
    let name = key.name.clone();
    let made = if p.dry_run {
        scratch(api, &key)
            .create(o)
            .map_err(about(r, &name))?
            .clone()
    } else {
        api.create(o).map_err(about(r, &name))?.clone()
    };
    Ok(reply_with(201, made, warnings))
}

/// `metadata.generateName`: the name it stands for, with five random characters.
fn generate_name(api: &mut ApiServer, o: &mut Value) {
    let prefix = meta_str(o, "generateName").to_string();
    if prefix.is_empty() || !meta_str(o, "name").is_empty() {
        return;
    }
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let uid = api.new_uid();
    let suffix: String = uid
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .take(5)
        .map(|b| ALPHABET[usize::from(b) % ALPHABET.len()] as char)
        .collect();
    metadata_mut(o).insert("name".into(), json!(format!("{prefix}{suffix}")));
}

/// The object a PATCH asks for: the patch applied to the stored object (or to its Scale).
fn patched(
    api: &ApiServer,
    t: Target,
    name: &str,
    sub: Option<Sub>,
    p: &Params,
    req: &Request,
) -> Result<Value, Failure> {
    let r = t.resource;
    let kind = req
        .content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim();
    if kind == "application/apply-patch+yaml" {
        if p.field_manager.is_none() {
            return Err(about(r, name)(ApiError::invalid(
                r,
                name,
                &["fieldManager: Required value: is required for apply patch".into()],
            )));
        }
        let intent = decode(req.body, true)?;
        // An apply creates the object when it is absent.
        let Some(live) = api.get(r, t.namespace.unwrap_or(""), name) else {
            return Ok(intent);
        };
        let mut target = base(live, sub);
        let schema =
            crate::patch::strategic::PatchSchema::for_version(api.version, r.api_version, r.kind);
        crate::patch::strategic::merge(&mut target, &intent, schema)
            .map_err(|e| error("BadRequest", e.to_string()))?;
        return Ok(target);
    }
    if p.force {
        return Err(about(r, name)(ApiError::invalid(
            r,
            name,
            &["force: Forbidden: may not be specified for non-apply patch".into()],
        )));
    }
    let live = stored(api, t, name)?;
    let mut target = base(live, sub);
    match kind {
        "application/merge-patch+json" => {
            let patch = decode(req.body, false)?;
            json_patch::merge(&mut target, &patch);
        }
        "application/strategic-merge-patch+json" => {
            let patch = decode(req.body, false)?;
            let schema = match sub {
                Some(Sub::Scale) => None,
                _ => crate::patch::strategic::PatchSchema::for_version(api.version, r.api_version, r.kind),
            };
            crate::patch::strategic::merge(&mut target, &patch, schema)
                .map_err(|e| error("BadRequest", e.to_string()))?;
        }
        "application/json-patch+json" => {
            let ops: json_patch::Patch = serde_json::from_slice(req.body).map_err(|e| {
                error("BadRequest", format!("the body of the request is not a JSON patch: {e}"))
            })?;
            json_patch::patch(&mut target, &ops).map_err(|e| {
                about(r, name)(ApiError {
                    reason: "Invalid",
                    message: format!("the server rejected our request due to an error in our request: {e}"),
                })
            })?;
        }
        other => {
            return Err(error(
                "UnsupportedMediaType",
                format!("the body of the request was in an unknown format ({other:?}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"),
            ))
        }
    }
    Ok(target)
}

/// What a patch applies to: the object, or its Scale.
fn base(live: &Value, sub: Option<Sub>) -> Value {
    match sub {
        Some(Sub::Scale) => scale::scale_of(live),
        _ => live.clone(),
    }
}

/// PUT, or a PATCH's result: an update of the object, its status or its scale. A PATCH that
/// reaches an absent object (server-side apply) creates it.
fn write(
    api: &mut ApiServer,
    t: Target,
    name: &str,
    sub: Option<Sub>,
    p: &Params,
    mut o: Value,
) -> Answer {
    let r = t.resource;
    if sub == Some(Sub::Scale) {
        return write_scale(api, t, name, p, &o);
    }
    check_kind(&mut o, r)?;
    check_namespace(&mut o, r, t.namespace)?;
    let given = meta_str(&o, "name");
    if given.is_empty() {
        metadata_mut(&mut o).insert("name".into(), json!(name));
    } else if given != name {
        return Err(error(
            "BadRequest",
            format!("the name of the object ({given}) does not match the name on the URL ({name})"),
        ));
    }
    let (_, key) = key_of(&o)?;
    if sub == Some(Sub::Status) {
        let status = o.get("status").cloned().unwrap_or(json!({}));
        if p.dry_run {
            let mut s = scratch(api, &key);
            s.put_status(&key, status);
            return Ok(json_reply(
                200,
                s.get_key(&key).cloned().unwrap_or_default(),
            ));
        }
        stored(api, t, name)?;
        api.put_status(&key, status);
        return Ok(json_reply(
            200,
            api.get_key(&key).cloned().unwrap_or_default(),
        ));
    }
    let (o, warnings) = admit(api, r, o, p)?;
    let exists = api.get_key(&key).is_some();
    let target = |s: &mut ApiServer| {
        if exists {
            s.update(o).map(|(_, v)| (200, v))
        } else {
            s.create(o).map(|v| (201, v.clone()))
        }
    };
    let (code, out) = if p.dry_run {
        target(&mut scratch(api, &key))
    } else {
        target(api)
    }
    .map_err(about(r, name))?;
    Ok(reply_with(code, out, warnings))
}

/// A Scale written (PUT, or patched): the set's replicas, optimistic on its resourceVersion.
fn write_scale(
    api: &mut ApiServer,
    t: Target,
    name: &str,
    p: &Params,
    scale_body: &Value,
) -> Answer {
    let r = t.resource;
    let set = stored(api, t, name)?;
    let given = scale_body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or("");
    if !given.is_empty() && given != meta_str(set, "resourceVersion") {
        return Err(about(r, name)(ApiError::conflict(r, name)));
    }
    let replicas = scale::requested_replicas(scale_body).map_err(|m| {
        let kind = Resource {
            kind: "Scale",
            ..*r
        };
        about(r, name)(ApiError::invalid(&kind, name, &[m]))
    })?;
    let ns = t.namespace.unwrap_or("");
    let key = Key::new(r.plural, ns, name);
    let out = if p.dry_run {
        let mut s = scratch(api, &key);
        s.scale(r, ns, name, replicas).map_err(about(r, name))?;
        scale::scale_of(&s.get_key(&key).cloned().unwrap_or_default())
    } else {
        api.scale(r, ns, name, replicas).map_err(about(r, name))?;
        scale::scale_of(&api.get_key(&key).cloned().unwrap_or_default())
    };
    Ok(json_reply(200, out))
}

/// `DeleteOptions` from the body (kubectl, kube-rs) and the query.
struct DeleteOptions {
    cascade: Cascade,
    uid: Option<String>,
    resource_version: Option<String>,
    dry_run: bool,
}

fn delete_options(p: &Params, body: &[u8]) -> Result<DeleteOptions, Failure> {
    let b = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        decode(body, false)?
    };
    let policy = b["propagationPolicy"]
        .as_str()
        .map(str::to_string)
        .or_else(|| p.propagation_policy.clone())
        .unwrap_or_else(|| "Background".into());
    let cascade = match policy.as_str() {
        "Orphan" => Cascade::Orphan,
        // Foreground deletes dependents before the owner on a real cluster; here the garbage
        // collector removes them in the same rounds, so the outcome is the same.
        "Background" | "Foreground" => Cascade::Background,
        other => {
            return Err(error(
                "BadRequest",
                format!("propagationPolicy: Unsupported value: {other:?}: supported values: \"Foreground\", \"Background\", \"Orphan\""),
            ))
        }
    };
    let pre = &b["preconditions"];
    let dry_run = p.dry_run
        || b["dryRun"]
            .as_array()
            .is_some_and(|d| d.iter().any(|x| x == "All"));
    Ok(DeleteOptions {
        cascade,
        uid: pre["uid"].as_str().map(str::to_string),
        resource_version: pre["resourceVersion"].as_str().map(str::to_string),
        dry_run,
    })
}

fn delete(api: &mut ApiServer, t: Target, name: &str, p: &Params, req: &Request) -> Answer {
    let r = t.resource;
    let opts = delete_options(p, req.body)?;
    let live = stored(api, t, name)?.clone();
    let precondition = |want: &Option<String>, field: &str, label: &str| {
        match want {
        Some(w) if w != meta_str(&live, field) => Err(about(r, name)(ApiError {
            reason: "Conflict",
            message: format!(
                "Operation cannot be fulfilled on {} {name:?}: Precondition failed: {label} in precondition: {w}, {label} in object meta: {}",
                r.qualified(),
                meta_str(&live, field)
            ),
        })),
        _ => Ok(()),
    }
    };
    precondition(&opts.uid, "uid", "UID")?;
    precondition(&opts.resource_version, "resourceVersion", "ResourceVersion")?;
    if opts.dry_run {
        return Ok(json_reply(200, live));
    }
    let ns = t.namespace.unwrap_or("");
    api.delete(r, ns, name, opts.cascade)
        .map_err(about(r, name))?;
    Ok(match api.get(r, ns, name) {
        // Deferred (finalizers, a pod's grace): the object, marked for deletion.
        Some(o) => json_reply(200, o.clone()),
        None => json_reply(
            200,
            json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": name, "group": r.group, "kind": r.plural,
                            "uid": meta_str(&live, "uid")},
            }),
        ),
    })
}

fn delete_collection(api: &mut ApiServer, t: Target, p: &Params, req: &Request) -> Answer {
    let r = t.resource;
    let opts = delete_options(p, req.body)?;
    let doomed: Vec<Value> = in_scope(api, r, t.namespace, p).cloned().collect();
    if !opts.dry_run {
        for o in &doomed {
            let ns = meta_str(o, "namespace");
            api.delete(r, ns, meta_str(o, "name"), opts.cascade)?;
        }
    }
    let items: Vec<&Value> = doomed.iter().collect();
    Ok(json_reply(
        200,
        list_of(r, &items, &api.meta.resource_version.to_string()),
    ))
}

#[cfg(test)]
mod tests;
