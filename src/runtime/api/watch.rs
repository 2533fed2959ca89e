//! Watch events (`docs/research/kubectl-and-api.md` §2.4, §4.5): made from the API server's
//! change log, chosen per watcher by resource, namespace and selectors, and written one JSON
//! object per line, as kube-rs reads them. With `as=Table`, each event carries a one-row Table,
//! the column definitions only in the first, as the API server sends them.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::params::Params;
use super::table::table_object;
use crate::k8s::object::meta_str;
use crate::k8s::resources::{self, Resource};
use crate::k8s::version::KubeVersion;
use crate::runtime::api_server::{ApiServer, Change, ChangeKind};
use crate::runtime::print::table::table;

/// A watch event's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// `ADDED`.
    Added,
    /// `MODIFIED`.
    Modified,
    /// `DELETED`.
    Deleted,
}

impl EventType {
    fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change of one object, as every watcher may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its type.
    pub kind: EventType,
    /// The object's resource type.
    pub resource: &'static Resource,
    /// The resourceVersion of the change (the object's).
    pub resource_version: u64,
    /// The object as the change left it (as it was, for DELETED).
    pub object: Arc<Value>,
    /// The object before the change, when the publisher knew it (what a selecting watch
    /// compares with: an object leaving its selectors is DELETED for it).
    pub previous: Option<Arc<Value>>,
}

impl Event {
    fn new(kind: EventType, r: &'static Resource, object: Value) -> Event {
        Event {
            kind,
            resource: r,
            resource_version: meta_str(&object, "resourceVersion").parse().unwrap_or(0),
            object: Arc::new(object),
            previous: None,
        }
    }

    /// A synthetic `ADDED` for an object that exists when a watch starts.
    pub fn existing(r: &'static Resource, object: &Value) -> Event {
        Event::new(EventType::Added, r, object.clone())
    }

    /// The event as a watch of `r` sees it: itself, or converted when `r` is a view of its
    /// resource (`events.k8s.io` Events, EndpointSlices); `None` when it is not about `r`.
    pub fn seen_as(self: &Arc<Self>, r: &'static Resource) -> Option<Arc<Event>> {
        if *self.resource == *r {
            return Some(self.clone());
        }
        let v = super::views::view_of(r).filter(|v| *v.stored == *self.resource)?;
        Some(Arc::new(Event {
            kind: self.kind,
            resource: r,
            resource_version: self.resource_version,
            object: Arc::new((v.read)(&self.object)),
            previous: self.previous.as_ref().map(|p| Arc::new((v.read)(p))),
        }))
    }

    /// The event as a watch of `r` in `namespace` (`None`: all) with these selectors gets it,
    /// or `None` when it is not the watch's: an object that stops matching the selectors is
    /// DELETED for the watch, one that starts matching is ADDED, as the API server's watch
    /// cache sends them (`staging/src/k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go`).
    /// A change whose previous object is unknown counts as matching before.
    pub fn for_watch(&self, r: &Resource, namespace: Option<&str>, p: &Params) -> Option<Event> {
        let in_scope = |o: &Value| {
            namespace.is_none_or(|ns| !r.namespaced || meta_str(o, "namespace") == ns)
                && p.selects(o)
        };
        if *self.resource != *r {
            return None;
        }
        let now = in_scope(&self.object);
        let before = self.previous.as_deref().is_none_or(in_scope);
        let kind = match (self.kind, before, now) {
            (EventType::Deleted, _, true) => EventType::Deleted,
            (EventType::Added, _, true) => EventType::Added,
            (EventType::Modified, true, true) => EventType::Modified,
            (EventType::Modified, false, true) => EventType::Added,
            (EventType::Modified, true, false) if self.previous.is_some() => EventType::Deleted,
            _ => return None,
        };
        Some(Event {
            kind,
            ..self.clone()
        })
    }
}

/// The events of a stretch of the change log, in resourceVersion order. An object changed
/// several times in the stretch gives one event, at its last change, with the object as it is
/// now (ADDED when the stretch created it); a removal gives DELETED with the object as it was.
pub fn events(api: &ApiServer, changes: &[Change]) -> Vec<Event> {
    let mut last = HashMap::new();
    for (i, ch) in changes.iter().enumerate() {
        last.insert(&ch.key, i);
    }
    let mut created = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (i, ch) in changes.iter().enumerate() {
        let Some(r) = resources::RESOURCES
            .iter()
            .find(|r| r.plural == ch.key.resource)
        else {
            continue;
        };
        match &ch.kind {
            ChangeKind::Deleted(o) => {
                created.remove(&ch.key);
                out.push(Event::new(EventType::Deleted, r, (**o).clone()));
            }
            ChangeKind::Added | ChangeKind::Modified => {
                if ch.kind == ChangeKind::Added {
                    created.insert(&ch.key);
                }
                if last[&ch.key] != i {
                    continue;
                }
                let Some(o) = api.get_key(&ch.key) else {
                    continue;
                };
                let kind = if created.contains(&ch.key) {
                    EventType::Added
                } else {
                    EventType::Modified
                };
                out.push(Event::new(kind, r, o.clone()));
            }
        }
    }
    out
}

/// How one watch writes its events.
#[derive(Debug, Clone, Copy)]
pub struct Encoding {
    /// One-row Tables instead of objects.
    pub table: bool,
    /// The version whose printers make the Tables.
    pub version: KubeVersion,
}

/// One event as a line: `{"type":"ADDED","object":{…}}\n`. `first` says whether a Table
/// carries its column definitions; `now` is for the AGE cells.
pub fn event_line(e: &Event, enc: Encoding, first: bool, now: i64) -> Vec<u8> {
    let object = if enc.table {
        let t = table(e.resource, &[&e.object], now, enc.version);
        let rv = e.resource_version.to_string();
        table_object(&t, &rv, Default::default(), first)
    } else {
        (*e.object).clone()
    };
    line(json!({"type": e.kind.as_str(), "object": object}))
}

/// A `BOOKMARK` at `resource_version` (kube-rs needs its kind and apiVersion); the one ending
/// the initial events of a streaming list is annotated so.
pub fn bookmark_line(r: &Resource, resource_version: u64, initial_events_end: bool) -> Vec<u8> {
    let mut metadata = json!({"resourceVersion": resource_version.to_string()});
    if initial_events_end {
        metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    line(json!({"type": "BOOKMARK", "object": {
        "kind": r.kind, "apiVersion": r.api_version, "metadata": metadata,
    }}))
}

/// The `ERROR` event of a watch whose resourceVersion is older than the events kept: clients
/// list again.
pub fn expired_line(asked: u64, oldest: u64) -> Vec<u8> {
    line(json!({"type": "ERROR", "object": {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": format!("too old resource version: {asked} ({oldest})"),
        "reason": "Expired", "code": 410,
    }}))
}

fn line(v: Value) -> Vec<u8> {
    let mut out = v.to_string().into_bytes();
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::store::Meta;

    fn cluster() -> ApiServer {
        ApiServer::new(
            Default::default(),
            Meta::default(),
            1_800_000_000,
            KubeVersion::NEWEST,
        )
    }

    fn pod(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": "default", "labels": {"app": "nginx"}},
               "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    }

    #[test]
    fn a_stretch_of_changes_gives_one_event_per_object_in_order() {
        let mut api = cluster();
        api.create(pod("a")).unwrap();
        api.create(pod("b")).unwrap();
        let mut a = api.get(&resources::POD, "default", "a").unwrap().clone();
        a["spec"]["nodeName"] = json!("n");
        api.put(a);
        let key = crate::runtime::store::Key::new("pods", "default", "b");
        api.remove(&key);
        let evs = events(&api, &api.changes);
        let kinds: Vec<_> = evs
            .iter()
            .map(|e| {
                (
                    e.kind,
                    meta_str(&e.object, "name").to_string(),
                    e.resource_version,
                )
            })
            .collect();
        // a: created then modified in the stretch (ADDED, at its last write); b: created and
        // removed (only its DELETED, at the removal's resourceVersion).
        assert_eq!(
            kinds,
            [
                (EventType::Added, "a".to_string(), 5),
                (EventType::Deleted, "b".to_string(), 6)
            ]
        );
        let later = events(&api, &api.changes[2..]);
        assert_eq!(later[0].kind, EventType::Modified);
    }

    #[test]
    fn an_object_leaving_a_selector_is_deleted_for_the_watch() {
        let obj = |app: &str| {
            Arc::new(
                json!({"metadata": {"name": "a", "namespace": "default", "labels": {"app": app}}}),
            )
        };
        let ev = |kind, before: Option<&str>, now: &str| Event {
            kind,
            resource: &resources::POD,
            resource_version: 1,
            object: obj(now),
            previous: before.map(obj),
        };
        let p = Params::parse("labelSelector=app%3Dweb").unwrap();
        let seen = |e: Event| {
            e.for_watch(&resources::POD, Some("default"), &p)
                .map(|e| e.kind)
        };
        assert_eq!(
            seen(ev(EventType::Added, None, "web")),
            Some(EventType::Added)
        );
        assert_eq!(
            seen(ev(EventType::Modified, Some("web"), "web")),
            Some(EventType::Modified)
        );
        assert_eq!(
            seen(ev(EventType::Modified, Some("web"), "db")),
            Some(EventType::Deleted)
        );
        assert_eq!(seen(ev(EventType::Modified, Some("db"), "db")), None);
        assert_eq!(
            seen(ev(EventType::Modified, Some("db"), "web")),
            Some(EventType::Added)
        );
        assert_eq!(seen(ev(EventType::Modified, None, "db")), None);
        assert_eq!(
            seen(ev(EventType::Deleted, Some("web"), "web")),
            Some(EventType::Deleted)
        );
        let other_ns = ev(EventType::Added, None, "web");
        assert_eq!(
            other_ns.for_watch(&resources::POD, Some("kube-system"), &p),
            None
        );
        assert_eq!(other_ns.for_watch(&resources::SERVICE, None, &p), None);
    }

    #[test]
    fn events_are_lines_of_json_or_one_row_tables() {
        let mut api = cluster();
        api.create(pod("a")).unwrap();
        let e = &events(&api, &api.changes)[0];
        let enc = Encoding {
            table: false,
            version: KubeVersion::NEWEST,
        };
        let l = event_line(e, enc, true, 1_800_000_000);
        assert_eq!(l.last(), Some(&b'\n'));
        let v: Value = serde_json::from_slice(&l).unwrap();
        assert_eq!(
            (v["type"].as_str(), v["object"]["kind"].as_str()),
            (Some("ADDED"), Some("Pod"))
        );
        let t = Encoding { table: true, ..enc };
        let first: Value = serde_json::from_slice(&event_line(e, t, true, 1_800_000_000)).unwrap();
        let next: Value = serde_json::from_slice(&event_line(e, t, false, 1_800_000_000)).unwrap();
        assert_eq!(first["object"]["rows"][0]["cells"][0], "a");
        assert!(first["object"]["columnDefinitions"].is_array());
        assert!(next["object"].get("columnDefinitions").is_none());
        let p = Params::parse("labelSelector=app%3Dnginx").unwrap();
        assert!(e.for_watch(&resources::POD, Some("default"), &p).is_some());
        assert!(e.for_watch(&resources::POD, Some("other"), &p).is_none());
        let b: Value = serde_json::from_slice(&bookmark_line(&resources::POD, 9, true)).unwrap();
        assert_eq!(
            b["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
            "true"
        );
        let x: Value = serde_json::from_slice(&expired_line(3, 40)).unwrap();
        assert_eq!(x["object"]["code"], 410);
    }
}
