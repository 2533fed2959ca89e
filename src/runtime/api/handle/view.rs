//! The verbs on a view ([`views::View`]): reads in the view's form; writes converted to the
//! stored form and answered in the view's (a read-only view refuses them with 405).

use serde_json::Value;

use super::write::{self, Patched};
use super::{
    check_kind, decode, error, get_table_or_json, in_scope, list, method_not_allowed, watch_of,
    Answer, Body, Form, Method, Outcome, Params, Request, Target,
};
use crate::k8s::object::meta_str;
use crate::runtime::api::views::View;
use crate::runtime::api_server::{ApiError, ApiServer};

/// A reply's stored object in the view's form.
fn shown(out: Outcome, v: View) -> Outcome {
    match out {
        Outcome::Reply(mut r) => {
            if let Body::Json(o) = &r.body {
                if o["kind"] == v.stored.kind && o["apiVersion"] == v.stored.api_version {
                    r.body = Body::Json((v.read)(o));
                }
            }
            Outcome::Reply(r)
        }
        other => other,
    }
}

pub(super) fn objects(
    api: &mut ApiServer,
    t: Target,
    v: View,
    m: Method,
    p: &Params,
    form: Form,
    req: &Request,
) -> Answer {
    let stored = Target {
        resource: v.stored,
        ..t
    };
    match (m, t.name, t.sub) {
        (Method::Get, None, None) if p.watch => Ok(watch_of(t, p, form)),
        (Method::Get, None, None) => Ok(list(api, t, p, form)),
        (Method::Get, Some(name), None) => {
            let all = in_scope(api, t.resource, t.namespace, &Params::default());
            let Some(o) = all.iter().find(|o| meta_str(o, "name") == name) else {
                let r = t.resource;
                return Err(super::about(r, name)(ApiError::not_found(r, name)));
            };
            Ok(get_table_or_json(api, t.resource, o, p, form))
        }
        (_, _, _) if v.write.is_none() => Err(error(
            "MethodNotAllowed",
            format!(
                "{} are served read-only here, from each Service's Endpoints",
                t.resource.qualified()
            ),
        )),
        (Method::Post, None, None) => {
            let mut o = decode(req.body, false)?;
            check_kind(&mut o, t.resource)?;
            let core = converted(v, &o);
            write::create_object(api, stored, p, req, core).map(|out| shown(out, v))
        }
        (Method::Put, Some(name), None) => {
            let mut o = decode(req.body, false)?;
            check_kind(&mut o, t.resource)?;
            let core = converted(v, &o);
            write::write(api, stored, name, None, p, req, Patched::update(core))
                .map(|out| shown(out, v))
        }
        (Method::Patch, Some(name), None) => {
            let live = super::stored(api, stored, name)?;
            let mut target = (v.read)(live);
            write::apply_patch(&mut target, write::media_type(req), req.body, None)?;
            let core = converted(v, &target);
            write::write(api, stored, name, None, p, req, Patched::update(core))
                .map(|out| shown(out, v))
        }
        (Method::Delete, Some(name), None) => {
            write::delete(api, stored, name, p, req).map(|out| shown(out, v))
        }
        (Method::Delete, None, None) => {
            write::delete_collection(api, stored, p, req).map(|out| shown(out, v))
        }
        _ => Err(method_not_allowed(m)),
    }
}

/// An object of the view in the stored form.
fn converted(v: View, o: &Value) -> Value {
    v.write.map_or_else(|| o.clone(), |w| w(o))
}
