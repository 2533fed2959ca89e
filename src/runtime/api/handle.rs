//! One API request against the [`ApiServer`], apart from any I/O: the route, the negotiated
//! form, the verb, admission (the version's schemas and the API server's rules, by
//! `fieldValidation`), and the reply as a status code and a body. Watches are only described
//! here ([`Outcome::Watch`]); streaming them is the server's (`crate::serve`).

use std::borrow::Cow;

use serde_json::{json, Value};

use super::discovery::{self, AGGREGATED_CONTENT_TYPE};
use super::negotiate::{negotiate, Form};
use super::params::{FieldValidation, Params};
use super::route::{route, Route, Sub, Target};
use super::status::{status_of, unknown_path};
use super::table::table_object;
use super::{list_of, openapi, scale, version, views};
use crate::k8s::object::{meta_str, metadata_mut, obj_mut};
use crate::k8s::resources::{self, Resource};
use crate::runtime::api_server::{ApiError, ApiServer};
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
    /// The `User-Agent` (`kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07`): the field manager
    /// of writes that name none.
    pub user_agent: Option<&'a str>,
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
    /// `details.causes` (`FieldManagerConflict`s).
    causes: Vec<Value>,
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        Failure {
            error,
            about: None,
            causes: Vec::new(),
        }
    }
}

fn about<'a>(r: &'static Resource, name: &'a str) -> impl Fn(ApiError) -> Failure + 'a {
    move |error| Failure {
        error,
        about: Some((r, name.to_string())),
        causes: Vec::new(),
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
    let (code, mut body) = status_of(&f.error, f.about.as_ref().map(|(r, n)| (*r, n.as_str())));
    if !f.causes.is_empty() {
        body["details"]["causes"] = Value::Array(f.causes.clone());
    }
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
        Route::CustomResourceDefinitions => json_reply(
            200,
            json!({"kind": "CustomResourceDefinitionList", "apiVersion": "apiextensions.k8s.io/v1",
                   "metadata": {"resourceVersion": api.meta.resource_version.to_string()},
                   "items": []}),
        ),
        Route::OpenApiRoot => json_reply(200, openapi::root(api.version)),
        Route::OpenApi { group, version } => {
            json_reply(200, openapi::document(group, version, api.version))
        }
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
    p.fields.check(t.resource)?;
    if matches!(m, Method::Post | Method::Put) {
        check_body_type(req)?;
    }
    if let Some(v) = views::view_of(t.resource) {
        return view::objects(api, t, v, m, p, form, req);
    }
    match (m, t.name, t.sub) {
        (Method::Get, None, _) if p.watch => Ok(watch_of(t, p, form)),
        (Method::Get, None, _) => Ok(list(api, t, p, form)),
        (Method::Get, Some(name), Some(Sub::Scale)) => {
            let set = stored(api, t, name)?;
            Ok(json_reply(200, scale::scale_of(set)))
        }
        (Method::Get, Some(name), _) => get(api, t, name, p, form),
        (Method::Post, None, None) => write::create(api, t, p, req),
        (Method::Put, Some(name), sub) => {
            let body = decode(req.body, write::media_type(req) == "application/yaml")?;
            write::write(api, t, name, sub, p, req, write::Patched::update(body))
        }
        (Method::Patch, Some(name), sub) => {
            let body = write::patched(api, t, name, sub, p, req)?;
            write::write(api, t, name, sub, p, req, body)
        }
        (Method::Delete, Some(name), None) => write::delete(api, t, name, p, req),
        (Method::Delete, None, None) => write::delete_collection(api, t, p, req),
        _ => Err(method_not_allowed(m)),
    }
}

/// A POST or PUT body must be JSON (or YAML): protobuf, which kubectl's typed commands send
/// (`kubectl create secret`), is refused as the API server refuses a type it cannot decode.
fn check_body_type(req: &Request) -> Result<(), Failure> {
    let media = write::media_type(req);
    if matches!(media, "" | "application/json" | "application/yaml" | "*/*") {
        return Ok(());
    }
    Err(error(
        "UnsupportedMediaType",
        format!("the body of the request was in an unknown format ({media:?}) - accepted media types include: application/json, application/yaml"),
    ))
}

/// A watch of the path's objects, in the negotiated form.
fn watch_of(t: Target, p: &Params, form: Form) -> Outcome {
    Outcome::Watch(WatchRequest {
        resource: t.resource,
        namespace: t.namespace.map(str::to_string),
        params: p.clone(),
        table: form == Form::Table,
    })
}

/// The stored object a path names.
fn stored<'a>(api: &'a ApiServer, t: Target, name: &str) -> Result<&'a Value, Failure> {
    let r = t.resource;
    api.get(r, t.namespace.unwrap_or(""), name)
        .ok_or_else(|| about(r, name)(ApiError::not_found(r, name)))
}

/// The objects of a list or watch: its namespace (or all), selected; a view's in its form.
pub fn in_scope<'a>(
    api: &'a ApiServer,
    r: &Resource,
    namespace: Option<&'a str>,
    p: &Params,
) -> Vec<Cow<'a, Value>> {
    let view = views::view_of(r);
    let stored = view.map_or(r, |v| v.stored);
    let all: Box<dyn Iterator<Item = (&Key, &Value)>> = match namespace {
        Some(ns) if stored.namespaced => Box::new(api.list_ns(stored, ns)),
        _ => Box::new(api.list(stored)),
    };
    all.map(|(_, o)| match view {
        Some(v) => Cow::Owned((v.read)(o)),
        None => Cow::Borrowed(o),
    })
    .filter(|o| p.selects(o))
    .collect()
}

fn list(api: &ApiServer, t: Target, p: &Params, form: Form) -> Outcome {
    let scope = in_scope(api, t.resource, t.namespace, p);
    let items: Vec<&Value> = scope.iter().map(|o| o.as_ref()).collect();
    let rv = api.meta.resource_version.to_string();
    if form == Form::Table {
        let tab = table(t.resource, &items, api.now, api.version);
        return json_reply(200, table_object(&tab, &rv, p.include_object, true));
    }
    json_reply(200, list_of(t.resource, &items, &rv))
}

fn get(api: &ApiServer, t: Target, name: &str, p: &Params, form: Form) -> Answer {
    let o = stored(api, t, name)?;
    Ok(get_table_or_json(api, t.resource, o, p, form))
}

/// One object as JSON, or as a one-row Table.
fn get_table_or_json(api: &ApiServer, r: &Resource, o: &Value, p: &Params, form: Form) -> Outcome {
    if form == Form::Table {
        let tab = table(r, &[o], api.now, api.version);
        let rv = meta_str(o, "resourceVersion");
        return json_reply(200, table_object(&tab, rv, p.include_object, true));
    }
    json_reply(200, o.clone())
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

mod view;
mod write;

#[cfg(test)]
mod tests;
