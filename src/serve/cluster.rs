//! The one owner of the cluster while `stsc serve` runs: a thread holding the state folder's
//! [`Session`], taking requests in batches from a channel, answering them through the pure
//! handler, committing each batch durably before it answers (every accepted write survives a
//! kill), publishing what changed to the watch hub, and running the controllers a round at a
//! time between batches for as long as they have work: reconciling as objects change, with no
//! polling. Requests never wait on the controllers for more than one round.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, oneshot};

use super::unix_now;

use crate::runtime::api::handle::{
    handle, in_scope, Method, Outcome, Reply, Request, WatchRequest,
};
use crate::runtime::api::watch::{events, Event, EventType};
use crate::runtime::api_server::ApiServer;
use crate::runtime::controllers::{round, Informers};
use crate::runtime::session::{waits_on_clock, Session};
use crate::runtime::store::StoreError;

/// How often a long reconcile commits the rounds done so far.
const COMMIT_EVERY: Duration = Duration::from_millis(100);
/// Events kept for watches that resume from a resourceVersion; older ones get 410 Gone.
const RING: usize = 10_000;
/// Events a watch may fall behind the newest before it is ended with 410 Gone.
pub(super) const LAG: usize = 8_192;

/// A request as the HTTP layer read it, owned, to cross to the cluster thread.
#[derive(Debug)]
pub(super) struct OwnedRequest {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    pub body: bytes::Bytes,
    pub host: String,
    pub user_agent: Option<String>,
}

impl OwnedRequest {
    fn borrowed(&self) -> Request<'_> {
        Request {
            method: self.method,
            path: &self.path,
            query: &self.query,
            accept: self.accept.as_deref(),
            content_type: self.content_type.as_deref(),
            body: &self.body,
            host: &self.host,
            user_agent: self.user_agent.as_deref(),
        }
    }
}

/// What the cluster thread is asked.
pub(super) enum Command {
    /// Answer a request.
    Request(OwnedRequest, oneshot::Sender<Answer>),
    /// Commit and stop.
    Stop,
}

/// The cluster thread's answer.
pub(super) enum Answer {
    /// A reply to send.
    Reply(Reply),
    /// A watch to stream.
    Watch(WatchStart),
}

/// A watch, started where the cluster stood when it was asked.
pub(super) struct WatchStart {
    /// What to watch.
    pub request: WatchRequest,
    /// Events to send first: synthetic ADDED for what exists, or the kept events after the
    /// asked resourceVersion.
    pub initial: Vec<Arc<Event>>,
    /// Events from now on.
    pub live: broadcast::Receiver<Arc<Event>>,
    /// The resourceVersion the watch starts at (live events at or before it are in `initial`).
    pub resource_version: u64,
    /// The asked resourceVersion is older than the kept events: `(asked, oldest kept)`.
    pub expired: Option<(u64, u64)>,
}

/// Recent events, for watches to resume from, and the channel of live ones.
struct Hub {
    ring: VecDeque<Arc<Event>>,
    /// The newest resourceVersion no longer in the ring.
    evicted_through: u64,
    /// The resourceVersion of the newest event published.
    last: u64,
    live: broadcast::Sender<Arc<Event>>,
    /// The last object published for each key (the watch cache): what the next change of it
    /// was before, for selecting watches.
    latest: std::collections::HashMap<(&'static str, String, String), Arc<serde_json::Value>>,
}

impl Hub {
    fn new(at: u64) -> Hub {
        Hub {
            ring: VecDeque::new(),
            evicted_through: at,
            last: at,
            live: broadcast::channel(LAG).0,
            latest: Default::default(),
        }
    }

    fn publish(&mut self, mut e: Event) {
        let key = (
            e.resource.plural,
            crate::k8s::object::meta_str(&e.object, "namespace").to_string(),
            crate::k8s::object::meta_str(&e.object, "name").to_string(),
        );
        e.previous = match e.kind {
            EventType::Deleted => self.latest.remove(&key),
            _ => self.latest.insert(key, e.object.clone()),
        };
        let e = Arc::new(e);
        self.last = self.last.max(e.resource_version);
        if self.ring.len() == RING {
            if let Some(old) = self.ring.pop_front() {
                self.evicted_through = old.resource_version;
            }
        }
        self.ring.push_back(e.clone());
        // No receiver is fine: nobody watches.
        let _ = self.live.send(e);
    }

    /// Start a watch of what `w` asks, as things stand.
    fn start(&self, api: &ApiServer, w: WatchRequest) -> WatchStart {
        let asked = w
            .params
            .resource_version
            .as_deref()
            .and_then(|rv| rv.parse::<u64>().ok())
            .filter(|rv| *rv != 0);
        let live = self.live.subscribe();
        let now = api.meta.resource_version.max(self.last);
        let (initial, expired) = match asked {
            None => {
                let ns = w.namespace.as_deref();
                let initial = in_scope(api, w.resource, ns, &w.params)
                    .iter()
                    .map(|o| Arc::new(Event::existing(w.resource, o)))
                    .collect();
                (initial, None)
            }
            Some(rv) if rv < self.evicted_through => (Vec::new(), Some((rv, self.evicted_through))),
            Some(rv) => {
                let kept = self
                    .ring
                    .iter()
                    .filter(|e| e.resource_version > rv)
                    .cloned()
                    .collect();
                (kept, None)
            }
        };
        WatchStart {
            request: w,
            initial,
            live,
            resource_version: now,
            expired,
        }
    }
}

/// The cluster thread's state.
struct Cluster {
    session: Session,
    informers: Informers,
    hub: Hub,
    /// How much of the change log is published.
    published: usize,
    /// The controllers may have work.
    busy: bool,
    last_commit: Instant,
}

/// Publish the change log's entries from `published` on as events; whether there were any.
fn publish(api: &ApiServer, hub: &mut Hub, published: &mut usize) -> bool {
    let fresh = &api.changes[(*published).min(api.changes.len())..];
    if fresh.is_empty() {
        return false;
    }
    for e in events(api, fresh) {
        hub.publish(e);
    }
    *published = api.changes.len();
    true
}

impl Cluster {
    /// Publish what changed; the controllers have work.
    fn publish(&mut self) {
        if publish(&self.session.api, &mut self.hub, &mut self.published) {
            self.busy = true;
        }
    }

    fn answer(&mut self, req: &OwnedRequest) -> Answer {
        let out = handle(&mut self.session.api, &req.borrowed());
        self.publish();
        match out {
            Outcome::Reply(r) => Answer::Reply(r),
            Outcome::Watch(w) => Answer::Watch(self.hub.start(&self.session.api, w)),
        }
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        if self.session.api.pending_len() > 0 {
            self.session.commit()?;
        }
        self.last_commit = Instant::now();
        Ok(())
    }

    /// One round of every controller, publishing after each; false when it changed nothing.
    fn round(&mut self) -> bool {
        let (hub, published) = (&mut self.hub, &mut self.published);
        let changed = round(&mut self.session.api, &mut self.informers, &mut |api| {
            publish(api, hub, published);
        });
        // Entries every controller and the hub have read are dropped: a long run keeps a
        // short log.
        let n = self.informers.oldest_cursor().min(self.published);
        self.session.api.forget_changes(n);
        self.informers.forget(n);
        self.published -= n;
        changed
    }
}

/// Run the cluster until [`Command::Stop`] (or every sender is gone), then commit.
///
/// # Errors
/// A commit failed: the server stops rather than answer writes it cannot keep.
pub(super) fn run(
    session: Session,
    commands: std::sync::mpsc::Receiver<Command>,
) -> Result<(), StoreError> {
    let at = session.api.meta.resource_version;
    let mut c = Cluster {
        session,
        informers: Informers::default(),
        hub: Hub::new(at),
        published: 0,
        busy: true,
        last_commit: Instant::now(),
    };
    loop {
        let mut batch = Vec::new();
        let wait = if c.busy {
            Duration::ZERO
        } else if waits_on_clock(&c.session.api) {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(3600)
        };
        match commands.recv_timeout(wait) {
            Ok(cmd) => batch.push(cmd),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
        batch.extend(commands.try_iter());
        c.session.api.now = unix_now();
        let mut replies = Vec::new();
        let mut stop = false;
        for cmd in batch {
            match cmd {
                Command::Request(req, reply) => replies.push((reply, c.answer(&req))),
                Command::Stop => stop = true,
            }
        }
        // Durable before anyone hears it was accepted.
        if !replies.is_empty() {
            c.commit()?;
        }
        for (reply, answer) in replies {
            // A client that went away needs no answer.
            let _ = reply.send(answer);
        }
        if stop {
            break;
        }
        if !c.busy && waits_on_clock(&c.session.api) {
            c.busy = true;
        }
        if c.busy {
            c.busy = c.round();
            if !c.busy || c.last_commit.elapsed() >= COMMIT_EVERY {
                c.commit()?;
            }
        }
    }
    c.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::resources;
    use crate::k8s::version::KubeVersion;
    use crate::runtime::api::params::Params;
    use crate::runtime::store::Meta;
    use serde_json::json;

    fn watch(rv: Option<&str>) -> WatchRequest {
        let params = Params {
            resource_version: rv.map(str::to_string),
            ..Params::default()
        };
        WatchRequest {
            resource: &resources::CONFIG_MAP,
            namespace: Some("default".into()),
            params,
            table: false,
        }
    }

    #[test]
    fn a_watch_starts_from_now_from_a_kept_version_or_is_told_it_is_too_old() {
        let mut api = ApiServer::new(Default::default(), Meta::default(), 0, KubeVersion::NEWEST);
        let mut hub = Hub::new(0);
        let mut published = 0;
        for i in 0..RING + 10 {
            let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": format!("c{}", i % 3), "namespace": "default"},
                "data": {"i": i.to_string()}});
            api.put(cm);
            for e in events(&api, &api.changes[published..]) {
                hub.publish(e);
            }
            published = api.changes.len();
        }
        // From now: one synthetic ADDED per object that exists.
        let now = hub.start(&api, watch(None));
        assert_eq!(now.initial.len(), 3);
        assert!(now.initial.iter().all(|e| e.kind == EventType::Added));
        // From a version still kept: the events after it.
        let last = hub.last;
        let recent = hub.start(&api, watch(Some(&(last - 2).to_string())));
        assert_eq!(recent.initial.len(), 2);
        assert!(recent.expired.is_none());
        // From a version no longer kept: 410.
        let old = hub.start(&api, watch(Some("3")));
        assert_eq!(old.expired, Some((3, hub.evicted_through)));
        // The hub knows what each change replaced.
        let e = hub.ring.back().unwrap();
        assert_eq!(
            e.previous.as_ref().unwrap()["data"]["i"],
            json!((RING + 6).to_string())
        );
    }
}
