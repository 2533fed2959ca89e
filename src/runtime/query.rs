//! What a kubectl-style command asks for: `TYPE NAME`, `TYPE/NAME`, `get TYPES [NAME...]`
//! resolved to resources as kubectl resolves them, and the objects of a `get`.

use serde_json::Value;

use crate::k8s::object::meta_str;
use crate::k8s::resources::{self, lookup, Resource};
use crate::k8s::selector::Selector;
use crate::runtime::api_server::{ApiError, ApiServer};

/// `TYPE NAME...` or `TYPE/NAME` → (resource, names).
///
/// # Errors
/// An unknown type, in kubectl's words.
pub fn target(words: &[String]) -> Result<(&'static Resource, Vec<String>), String> {
    let Some(first) = words.first() else {
        return Err("error: you must specify the type of resource".into());
    };
    let (ty, mut names) = match first.split_once('/') {
        Some((t, n)) => (t.to_string(), vec![n.to_string()]),
        None => (first.clone(), Vec::new()),
    };
    names.extend(words[1..].iter().cloned());
    let r = lookup(&ty)
        .ok_or_else(|| format!("error: the server doesn't have a resource type \"{ty}\""))?;
    Ok((r, names))
}

/// The types and names of `get TYPES [NAME...]` or `get TYPE/NAME...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetTargets {
    /// The requested types, in the order asked, each once.
    pub types: Vec<&'static Resource>,
    /// Each name with the type it belongs to (`None`: every requested type, as in
    /// `get pods web-0`).
    pub names: Vec<(Option<&'static Resource>, String)>,
}

/// Resolve `get`'s arguments (`all` is kubectl's category, as far as the runtime has its
/// kinds, in kubectl's order).
///
/// # Errors
/// An unknown type, or a `TYPE/NAME` mixed with a bare type, in kubectl's words.
pub fn get_targets(types: &str, rest: &[String]) -> Result<GetTargets, String> {
    let mut t = GetTargets {
        types: Vec::new(),
        names: Vec::new(),
    };
    let find = |ty: &str| {
        lookup(ty).ok_or_else(|| format!("the server doesn't have a resource type \"{ty}\""))
    };
    if types.contains('/') {
        for word in std::iter::once(types).chain(rest.iter().map(String::as_str)) {
            let Some((ty, name)) = word.split_once('/') else {
                return Err("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'".into());
            };
            let r = find(ty)?;
            t.add(r);
            t.names.push((Some(r), name.to_string()));
        }
        return Ok(t);
    }
    for word in types.split(',').filter(|w| !w.is_empty()) {
        if word == "all" {
            for r in [
                &resources::POD,
                &resources::SERVICE,
                &resources::STATEFUL_SET,
            ] {
                t.add(r);
            }
            continue;
        }
        t.add(find(word)?);
    }
    t.names.extend(rest.iter().map(|n| (None, n.clone())));
    Ok(t)
}

impl GetTargets {
    fn add(&mut self, r: &'static Resource) {
        if !self.types.contains(&r) {
            self.types.push(r);
        }
    }

    /// The names asked of one requested type.
    fn names_of(&self, r: &Resource) -> Vec<&str> {
        self.names
            .iter()
            .filter(|(t, _)| t.is_none_or(|t| t == r))
            .map(|(_, n)| n.as_str())
            .collect()
    }
}

/// Where a `get` looks.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The namespace of namespaced types.
    pub namespace: &'a str,
    /// `-A`: every namespace.
    pub all_namespaces: bool,
    /// `-l`: only objects whose labels it selects.
    pub selector: Option<&'a Selector>,
}

/// The objects of one requested type in scope, narrowed to the names asked (in their order);
/// a name not found is a NotFound error beside the objects found.
pub fn select<'a>(
    api: &'a ApiServer,
    r: &Resource,
    targets: &GetTargets,
    scope: Scope<'a>,
) -> (Vec<&'a Value>, Vec<ApiError>) {
    let objs: Vec<&Value> = if !r.namespaced || scope.all_namespaces {
        api.list(r).map(|(_, v)| v).collect()
    } else {
        api.list_ns(r, scope.namespace).map(|(_, v)| v).collect()
    };
    narrow(objs, r, targets, scope)
}

/// The objects of a view (`crate::runtime::api::views`: EndpointSlices, `events.k8s.io`
/// Events) in scope, in the view's form: the caller keeps them while it prints.
pub fn view_objects(api: &ApiServer, r: &Resource, scope: Scope<'_>) -> Vec<Value> {
    let Some(v) = crate::runtime::api::views::view_of(r) else {
        return Vec::new();
    };
    let all: Box<dyn Iterator<Item = (&crate::runtime::store::Key, &Value)>> =
        if !v.stored.namespaced || scope.all_namespaces {
            Box::new(api.list(v.stored))
        } else {
            Box::new(api.list_ns(v.stored, scope.namespace))
        };
    all.map(|(_, o)| (v.read)(o)).collect()
}

/// Objects narrowed by the label selector and to the names asked.
pub fn narrow<'a>(
    mut objs: Vec<&'a Value>,
    r: &Resource,
    targets: &GetTargets,
    scope: Scope<'a>,
) -> (Vec<&'a Value>, Vec<ApiError>) {
    if let Some(sel) = scope.selector {
        objs.retain(|o| sel.matches(&o["metadata"]["labels"]));
    }
    let wanted = targets.names_of(r);
    if wanted.is_empty() {
        return (objs, Vec::new());
    }
    let mut picked = Vec::new();
    let mut missing = Vec::new();
    for n in wanted {
        match objs.iter().find(|o| meta_str(o, "name") == n) {
            Some(o) => picked.push(*o),
            None => missing.push(ApiError::not_found(r, n)),
        }
    }
    (picked, missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn targets_resolve_like_kubectl() {
        let (r, names) = target(&words(&["sts/web"])).unwrap();
        assert_eq!((r.kind, names), ("StatefulSet", words(&["web"])));
        let (r, names) = target(&words(&["pods", "web-0", "web-1"])).unwrap();
        assert_eq!((r.kind, names), ("Pod", words(&["web-0", "web-1"])));
        assert_eq!(
            target(&words(&["widgets"])).unwrap_err(),
            "error: the server doesn't have a resource type \"widgets\""
        );
    }

    #[test]
    fn get_takes_lists_all_and_slashed_names() {
        let t = get_targets("sts,pods,sts", &[]).unwrap();
        let kinds: Vec<_> = t.types.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, ["StatefulSet", "Pod"]);
        let t = get_targets("all", &words(&["web"])).unwrap();
        let kinds: Vec<_> = t.types.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, ["Pod", "Service", "StatefulSet"]);
        assert_eq!(t.names, vec![(None, "web".to_string())]);
        let t = get_targets("pod/web-0", &words(&["svc/nginx"])).unwrap();
        assert_eq!(t.names_of(&resources::SERVICE), ["nginx"]);
        assert!(get_targets("pod/web-0", &words(&["web-1"]))
            .unwrap_err()
            .starts_with("there is no need to specify a resource type"));
    }
}
