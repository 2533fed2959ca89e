//! The writes: create, update (PUT and the four kinds of PATCH), the scale subresource,
//! delete and deletecollection, each admitted as the API server admits it and recorded in
//! `managedFields`.

use serde_json::{json, Value};

use super::{
    about, admit, check_kind, check_namespace, decode, error, in_scope, json_reply, reply_with,
    scratch, stored, Answer, Failure, Outcome, Params, Request, Sub, Target,
};
use crate::k8s::object::{meta_str, metadata_mut};
use crate::k8s::resources::Resource;
use crate::runtime::api::{list_of, scale};
use crate::runtime::api_server::managed;
use crate::runtime::api_server::{key_of, ApiError, ApiServer, Cascade};
use crate::runtime::store::Key;

/// The media type of the request body, without parameters.
pub(super) fn media_type<'a>(req: &Request<'a>) -> &'a str {
    let ct = req.content_type.unwrap_or("");
    ct.split(';').next().unwrap_or("").trim()
}

/// The field manager of a write: `fieldManager`, or the User-Agent up to its first `/`, as
/// the API server derives it (`kubectl`).
fn manager(p: &Params, req: &Request) -> String {
    if let Some(m) = &p.field_manager {
        return m.clone();
    }
    let agent = req.user_agent.unwrap_or("unknown");
    agent.split('/').next().unwrap_or(agent).to_string()
}

fn schema_of(
    api: &ApiServer,
    r: &Resource,
) -> Option<crate::patch::strategic::PatchSchema<'static>> {
    crate::patch::strategic::PatchSchema::for_version(api.version, r.api_version, r.kind)
}

/// The object a PUT or PATCH leads to, and whether its `managedFields` are already settled
/// (server-side apply) or follow from what changed (every other write).
pub(super) struct Patched {
    object: Value,
    applied: bool,
}

impl Patched {
    /// A whole object from a PUT or a non-apply patch.
    pub(super) fn update(object: Value) -> Patched {
        Patched {
            object,
            applied: false,
        }
    }
}

/// The object with `managedFields` after `writer`'s update from `old`.
fn owned_by(
    api: &ApiServer,
    r: &Resource,
    old: Option<&Value>,
    new: Value,
    manager: &str,
    subresource: Option<&str>,
) -> Value {
    let time = api.timestamp();
    let w = managed::Writer {
        manager,
        subresource,
        api_version: r.api_version,
        time: &time,
    };
    let list = managed::after_update(old, &new, w, schema_of(api, r));
    managed::with_entries(new, &list)
}

pub(super) fn create(api: &mut ApiServer, t: Target, p: &Params, req: &Request) -> Answer {
    let o = decode(req.body, media_type(req) == "application/yaml")?;
    create_object(api, t, p, req, o)
}

/// Create `o` (a POST's body, decoded).
pub(super) fn create_object(
    api: &mut ApiServer,
    t: Target,
    p: &Params,
    req: &Request,
    mut o: Value,
) -> Answer {
    let r = t.resource;
    check_kind(&mut o, r)?;
    check_namespace(&mut o, r, t.namespace)?;
    generate_name(api, &mut o);
    let o = owned_by(api, r, None, o, &manager(p, req), None);
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
    let uid = api.new_uid();
    let hex: String = uid
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(5)
        .collect();
    let suffix = crate::k8s::names::safe_encode(&hex);
    metadata_mut(o).insert("name".into(), json!(format!("{prefix}{suffix}")));
}

/// The object a PATCH asks for: the patch applied to the stored object (or to its Scale).
pub(super) fn patched(
    api: &ApiServer,
    t: Target,
    name: &str,
    sub: Option<Sub>,
    p: &Params,
    req: &Request,
) -> Result<Patched, Failure> {
    let r = t.resource;
    let kind = media_type(req);
    if kind == "application/apply-patch+yaml" {
        if p.field_manager.is_none() {
            return Err(about(r, name)(ApiError::invalid(
                r,
                name,
                &["fieldManager: Required value: is required for apply patch".into()],
            )));
        }
        let mut intent = decode(req.body, true)?;
        if sub.is_some() {
            // An apply to a subresource merges into it; ownership stays with the object.
            let mut target = base(stored(api, t, name)?, sub);
            crate::patch::strategic::merge(&mut target, &intent, None)
                .map_err(|e| error("BadRequest", e.to_string()))?;
            return Ok(Patched::update(target));
        }
        check_kind(&mut intent, r)?;
        check_namespace(&mut intent, r, t.namespace)?;
        let time = api.timestamp();
        let who = manager(p, req);
        let w = managed::Writer {
            manager: &who,
            subresource: None,
            api_version: r.api_version,
            time: &time,
        };
        // An apply creates the object when it is absent.
        let live = api.get(r, t.namespace.unwrap_or(""), name);
        let mut defaulted = intent.clone();
        crate::k8s::defaults::apply(&mut defaulted, api.version);
        let object = managed::apply(live, &intent, &defaulted, w, p.force, schema_of(api, r))
            .map_err(|conflicts| apply_conflict(r, name, &conflicts))?;
        return Ok(Patched {
            object,
            applied: true,
        });
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
    let schema = match sub {
        Some(Sub::Scale) => None,
        _ => schema_of(api, r),
    };
    apply_patch(&mut target, kind, req.body, schema).map_err(|mut f| {
        f.about = Some((r, name.to_string()));
        f
    })?;
    Ok(Patched::update(target))
}

/// Apply a non-apply patch of media type `kind` to `target`.
pub(super) fn apply_patch(
    target: &mut Value,
    kind: &str,
    body: &[u8],
    schema: Option<crate::patch::strategic::PatchSchema>,
) -> Result<(), Failure> {
    match kind {
        "application/merge-patch+json" => {
            let patch = decode(body, false)?;
            json_patch::merge(target, &patch);
        }
        "application/strategic-merge-patch+json" => {
            let patch = decode(body, false)?;
            crate::patch::strategic::merge(target, &patch, schema)
                .map_err(|e| error("BadRequest", e.to_string()))?;
        }
        "application/json-patch+json" => {
            let ops: json_patch::Patch = serde_json::from_slice(body).map_err(|e| {
                error("BadRequest", format!("the body of the request is not a JSON patch: {e}"))
            })?;
            json_patch::patch(target, &ops).map_err(|e| {
                error(
                    "Invalid",
                    format!("the server rejected our request due to an error in our request: {e}"),
                )
            })?;
        }
        other => {
            return Err(error(
                "UnsupportedMediaType",
                format!("the body of the request was in an unknown format ({other:?}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"),
            ))
        }
    }
    Ok(())
}

/// 409 for an apply that would change fields others own, with a cause per field.
fn apply_conflict(r: &'static Resource, name: &str, conflicts: &[managed::Conflict]) -> Failure {
    let mut f = about(r, name)(ApiError {
        reason: "Conflict",
        message: managed::conflict_message(conflicts),
    });
    f.causes = conflicts
        .iter()
        .map(|c| {
            json!({"reason": "FieldManagerConflict",
                   "message": format!("conflict with {}", c.owner),
                   "field": managed::display(&c.path)})
        })
        .collect();
    f
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
pub(super) fn write(
    api: &mut ApiServer,
    t: Target,
    name: &str,
    sub: Option<Sub>,
    p: &Params,
    req: &Request,
    patched: Patched,
) -> Answer {
    let r = t.resource;
    let mut o = patched.object;
    if sub == Some(Sub::Scale) {
        return write_scale(api, t, name, p, &manager(p, req), &o);
    }
    check_kind(&mut o, r)?;
    check_namespace(&mut o, r, t.namespace)?;
    check_name(&mut o, name)?;
    let (_, key) = key_of(&o)?;
    if sub == Some(Sub::Status) {
        stored(api, t, name)?;
        return Ok(write_status(api, &key, p, &o));
    }
    let live = api.get_key(&key);
    // A write that sets managedFields itself (kubectl moving client-side-apply ownership to
    // server-side apply) has them as written, as the API server does.
    let rewritten = live.is_some_and(|l| {
        l["metadata"]["managedFields"] != o["metadata"]["managedFields"]
            && !o["metadata"]["managedFields"].is_null()
    });
    if !patched.applied && !rewritten {
        let live = live.cloned();
        o = owned_by(api, r, live.as_ref(), o, &manager(p, req), None);
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

/// The body's name is the path's (filled in when absent).
fn check_name(o: &mut Value, name: &str) -> Result<(), Failure> {
    let given = meta_str(o, "name");
    if given.is_empty() {
        metadata_mut(o).insert("name".into(), json!(name));
    } else if given != name {
        return Err(error(
            "BadRequest",
            format!("the name of the object ({given}) does not match the name on the URL ({name})"),
        ));
    }
    Ok(())
}

/// A write of the status subresource: the status alone changes.
fn write_status(api: &mut ApiServer, key: &Key, p: &Params, o: &Value) -> Outcome {
    let status = o.get("status").cloned().unwrap_or(json!({}));
    let mut scratched;
    let target = if p.dry_run {
        scratched = scratch(api, key);
        &mut scratched
    } else {
        api
    };
    target.put_status(key, status);
    json_reply(200, target.get_key(key).cloned().unwrap_or_default())
}

/// A Scale written (PUT, or patched): the set's replicas, optimistic on its resourceVersion.
fn write_scale(
    api: &mut ApiServer,
    t: Target,
    name: &str,
    p: &Params,
    manager: &str,
    scale_body: &Value,
) -> Answer {
    let r = t.resource;
    let set = stored(api, t, name)?.clone();
    let given = scale_body["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or("");
    if !given.is_empty() && given != meta_str(&set, "resourceVersion") {
        return Err(about(r, name)(ApiError::conflict(r, name)));
    }
    let replicas = scale::requested_replicas(scale_body).map_err(|m| {
        let kind = Resource {
            kind: "Scale",
            ..*r
        };
        about(r, name)(ApiError::invalid(&kind, name, &[m]))
    })?;
    let mut new = set.clone();
    new["spec"]["replicas"] = json!(replicas);
    let new = owned_by(api, r, Some(&set), new, manager, Some("scale"));
    let key = Key::new(r.plural, t.namespace.unwrap_or(""), name);
    let out = if p.dry_run {
        scratch(api, &key).update(new).map_err(about(r, name))?.1
    } else {
        api.update(new).map_err(about(r, name))?.1
    };
    Ok(json_reply(200, scale::scale_of(&out)))
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

pub(super) fn delete(
    api: &mut ApiServer,
    t: Target,
    name: &str,
    p: &Params,
    req: &Request,
) -> Answer {
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

pub(super) fn delete_collection(
    api: &mut ApiServer,
    t: Target,
    p: &Params,
    req: &Request,
) -> Answer {
    let r = t.resource;
    let opts = delete_options(p, req.body)?;
    let doomed: Vec<Value> = in_scope(api, r, t.namespace, p)
        .into_iter()
        .map(std::borrow::Cow::into_owned)
        .collect();
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
