//! The StatefulSet controller's decision for one sync, as a pure function: a snapshot of the set,
//! its pods, claims and revisions in, the writes to make out. Follows upstream
//! `pkg/controller/statefulset` (research: statefulset-semantics §4): revisions, adoption,
//! Phase A (create/recreate in-range pods, claims first), Phase B/C (condemned pods, highest
//! ordinal first), Phase D (rolling update, reverse ordinal, partition), status, history.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::k8s::defaults;
use crate::k8s::version::KubeVersion;
use crate::runtime::api_server::{meta_str, owner_refs};
use crate::runtime::print::time::parse_rfc3339;

/// One write the controller wants.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Create a claim (before its pod).
    CreateClaim(Value),
    /// Replace a claim (owner references).
    UpdateClaim(Value),
    /// Create a pod.
    CreatePod(Value),
    /// Replace a pod (adoption, identity repair).
    UpdatePod(Value),
    /// Delete a pod by name.
    DeletePod(String),
    /// Create a ControllerRevision.
    CreateRevision(Value),
    /// Replace a ControllerRevision (a rollback bumps its number).
    UpdateRevision(Value),
    /// Delete a ControllerRevision by name.
    DeleteRevision(String),
    /// Write the set's status.
    Status(Value),
    /// Record an event on the set: (type, reason, message).
    Event(&'static str, &'static str, String),
}

/// What one sync sees.
pub struct Snapshot<'a> {
    /// The set (defaulted as stored).
    pub set: &'a Value,
    /// Summaries of the pods whose names make them members (`<set>-<n>`), any order.
    pub pods: Vec<&'a PodSummary>,
    /// A pod object by name (for adoption and repairs).
    pub pod: &'a dyn Fn(&str) -> Option<&'a Value>,
    /// A claim of the set's namespace by name.
    pub claims: &'a dyn Fn(&str) -> Option<&'a Value>,
    /// ControllerRevisions of the namespace.
    pub revisions: Vec<&'a Value>,
    /// Whether any claim of the namespace has owner references (lets a Retain/Retain set skip
    /// claim reference checks).
    pub claims_have_owners: bool,
    /// Current time (seconds).
    pub now: i64,
    /// Simulated version.
    pub version: KubeVersion,
}

impl std::fmt::Debug for Snapshot<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("set", &meta_str(self.set, "name"))
            .field("pods", &self.pods.len())
            .finish()
    }
}

/// What the controller needs of a pod; computed once each time the pod changes, so a sync over
/// thousands of pods reads plain fields instead of JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct PodSummary {
    /// Pod name.
    pub name: String,
    /// Set name parsed from the pod name ("" when it does not parse).
    pub parent: String,
    /// Ordinal parsed from the name (−1 when it does not parse).
    pub ordinal: i64,
    /// `status.phase`.
    pub phase: String,
    /// `phase` is Running.
    pub running: bool,
    /// `phase` is Pending.
    pub pending: bool,
    /// `phase` is Failed or Succeeded.
    pub finished: bool,
    /// Has a deletionTimestamp.
    pub terminating: bool,
    /// When the Ready condition became True (None: not ready).
    pub ready_since: Option<i64>,
    /// `controller-revision-hash` label.
    pub revision: String,
    /// uid of the controlling owner, if any.
    pub controller_uid: Option<String>,
    /// The pod's labels.
    pub labels: Value,
    /// `statefulset.kubernetes.io/pod-name` equals the pod's name.
    pub pod_name_label_ok: bool,
    /// Has an `apps.kubernetes.io/pod-index` label.
    pub has_index_label: bool,
    /// Names of the claims its volumes use.
    pub claims: Vec<String>,
    /// What [`sync`] last derived from this pod for a set (see [`Verdict`]).
    pub verdict: Memo,
}

/// What a sync derives from a pod that depends on the set: the pod's name, labels, owner and
/// revision label against the set's name, selector, uid and update revision. A sync over
/// thousands of pods otherwise repeats these string comparisons on every pod for every pod it
/// creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    member: bool,
    matches: bool,
    owner: Owner,
    at_update: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    None,
    This,
    Other,
}

/// A cache of one [`Verdict`], keyed by a 64-bit hash of the set's side of it. It is invisible
/// to comparisons: two summaries of the same pod are equal whatever they cached.
#[derive(Clone, Default)]
pub struct Memo(std::cell::Cell<Option<(u64, Verdict)>>);

impl PartialEq for Memo {
    fn eq(&self, _: &Memo) -> bool {
        true
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

impl PodSummary {
    /// Summarize a pod.
    pub fn of(p: &Value) -> PodSummary {
        let name = meta_str(p, "name").to_string();
        let (parent, ordinal) = parent_and_ordinal(&name);
        let ready_since = p["status"]["conditions"].as_array().and_then(|cs| {
            cs.iter()
                .find(|c| c["type"] == "Ready" && c["status"] == "True")
                .map(|c| {
                    c["lastTransitionTime"]
                        .as_str()
                        .and_then(parse_rfc3339)
                        .unwrap_or(0)
                })
        });
        PodSummary {
            parent: parent.to_string(),
            ordinal,
            phase: p["status"]["phase"].as_str().unwrap_or("").to_string(),
            running: p["status"]["phase"] == "Running",
            pending: p["status"]["phase"] == "Pending",
            finished: matches!(p["status"]["phase"].as_str(), Some("Failed" | "Succeeded")),
            terminating: !p["metadata"]["deletionTimestamp"].is_null(),
            ready_since,
            revision: p["metadata"]["labels"]["controller-revision-hash"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            controller_uid: controller_of(p)
                .and_then(|r| r["uid"].as_str())
                .map(str::to_string),
            labels: p["metadata"]["labels"].clone(),
            pod_name_label_ok: p["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"]
                .as_str()
                == Some(name.as_str()),
            has_index_label: !p["metadata"]["labels"]["apps.kubernetes.io/pod-index"].is_null(),
            claims: pod_claims(p),
            name,
            verdict: Memo::default(),
        }
    }
}

/// Names of the claims a pod's volumes use.
pub fn pod_claims(p: &Value) -> Vec<String> {
    p["spec"]["volumes"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .filter_map(|v| {
                    v["persistentVolumeClaim"]["claimName"]
                        .as_str()
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `<parent>-<ordinal>` → (parent, ordinal); ordinal −1 when the name does not parse.
pub fn parent_and_ordinal(name: &str) -> (&str, i64) {
    match name.rsplit_once('-') {
        Some((p, o)) if !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()) => {
            match o.parse::<i32>() {
                Ok(n) => (p, i64::from(n)),
                Err(_) => ("", -1),
            }
        }
        _ => ("", -1),
    }
}

/// A member pod during one sync. Kept small: a sync holds one per replica.
#[derive(Debug, Clone, Copy)]
struct PodState<'a> {
    sum: &'a PodSummary,
    /// `revision` is the update revision.
    at_update: bool,
}

impl<'a> PodState<'a> {
    fn name(&self) -> &'a str {
        &self.sum.name
    }
    fn ordinal(&self) -> i64 {
        self.sum.ordinal
    }
    fn revision(&self) -> &'a str {
        &self.sum.revision
    }
    fn terminating(&self) -> bool {
        self.sum.terminating
    }
    fn ready_since(&self) -> Option<i64> {
        self.sum.ready_since
    }
    fn running_ready(&self) -> bool {
        self.sum.running && self.ready_since().is_some()
    }
    fn available(&self, min_ready: i64, now: i64) -> bool {
        self.running_ready()
            && self
                .ready_since()
                .is_some_and(|t| min_ready <= 0 || now - t >= min_ready)
    }
    fn healthy(&self, min_ready: i64, now: i64, v: KubeVersion) -> bool {
        // 1.34+: availability gates scaling; before, Running ∧ Ready.
        !self.terminating()
            && if v.scaling_waits_for_available() {
                self.available(min_ready, now)
            } else {
                self.running_ready()
            }
    }
}

/// FNV-1 32-bit.
fn fnv1_32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h = h.wrapping_mul(0x0100_0193);
        h ^= u32::from(*b);
    }
    h
}

/// apimachinery's `rand.SafeEncodeString` of the decimal hash: no vowels, no look-alikes.
fn safe_encode(s: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    s.bytes()
        .map(|b| ALPHABET[b as usize % ALPHABET.len()] as char)
        .collect()
}

/// The revision data of a set: its defaulted pod template as a replace patch.
pub fn revision_data(set: &Value) -> Value {
    let mut t = set["spec"]["template"].clone();
    if let Some(m) = t.as_object_mut() {
        m.insert("$patch".into(), json!("replace"));
        let md = m.entry("metadata").or_insert_with(|| json!({}));
        if let Some(md) = md.as_object_mut() {
            md.insert("creationTimestamp".into(), Value::Null);
        }
    }
    json!({"spec": {"template": t}})
}

fn revision_hash(data: &Value, collisions: i64) -> String {
    let mut bytes = serde_json::to_vec(data).unwrap_or_default();
    if collisions > 0 {
        bytes.extend(collisions.to_string().bytes());
    }
    safe_encode(&fnv1_32(&bytes).to_string())
}

fn controller_ref(set: &Value) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "name": meta_str(set, "name"),
        "uid": set["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

fn pod_ref(pod: &Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "name": meta_str(pod, "name"),
        "uid": pod["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

fn is_controlled_by(o: &Value, uid: &Value) -> bool {
    owner_refs(o)
        .iter()
        .any(|r| r["controller"] == true && r["uid"] == *uid)
}

fn controller_of(o: &Value) -> Option<&Value> {
    owner_refs(o).iter().find(|r| r["controller"] == true)
}

fn selector_matches(set: &Value, o: &Value) -> bool {
    labels_match(set, &o["metadata"]["labels"])
}

fn labels_match(set: &Value, labels: &Value) -> bool {
    SetSelector::of(set).matches(labels)
}

/// A set's selector (`matchLabels` and `matchExpressions`), read once per sync rather than once
/// per pod. An empty or malformed one selects nothing (the API server refuses both).
struct SetSelector(crate::k8s::selector::Selector);

impl SetSelector {
    fn of(set: &Value) -> Self {
        SetSelector(
            crate::k8s::selector::Selector::from_api(&set["spec"]["selector"]).unwrap_or_default(),
        )
    }
    fn matches(&self, labels: &Value) -> bool {
        !self.0.is_empty() && labels.is_object() && self.0.matches(labels)
    }
}

/// What a [`Verdict`] depends on, on the set's side.
struct SetSide<'a> {
    name: &'a str,
    uid: &'a str,
    update_rev: &'a str,
    selector: &'a SetSelector,
}

impl SetSide<'_> {
    /// The key of cached verdicts: equal sides give equal signatures.
    fn signature(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.name, self.uid, self.update_rev).hash(&mut h);
        self.selector.0.requirements.hash(&mut h);
        h.finish()
    }

    fn verdict(&self, sum: &PodSummary) -> Verdict {
        Verdict {
            member: sum.parent == self.name && sum.ordinal >= 0,
            matches: self.selector.matches(&sum.labels),
            owner: match sum.controller_uid.as_deref() {
                Some(u) if u == self.uid => Owner::This,
                Some(_) => Owner::Other,
                None => Owner::None,
            },
            at_update: sum.revision == self.update_rev,
        }
    }
}

/// `rollingUpdate.maxUnavailable` resolved against the replicas: an int, or a percentage rounded
/// down (upstream's getStatefulSetMaxUnavailable rounds down, whatever the API docs say), at
/// least 1; 1 when unset.
fn max_unavailable(rolling_update: &Value, replicas: i64) -> i64 {
    let v = &rolling_update["maxUnavailable"];
    let n = match v {
        Value::Number(n) => n.as_i64().unwrap_or(1),
        Value::String(p) => p
            .strip_suffix('%')
            .and_then(|x| x.parse::<i64>().ok())
            .map_or(1, |pct| replicas.saturating_mul(pct) / 100),
        _ => 1,
    };
    n.max(1)
}

/// The most pods a Parallel set creates past its highest one in one sync.
const PARALLEL_BURST: i64 = 10_000;

/// Claim name of a template for an ordinal.
pub fn claim_name(template: &Value, set: &str, ordinal: i64) -> String {
    format!("{}-{set}-{ordinal}", meta_str(template, "name"))
}

/// Decide one sync.
pub fn sync(s: &Snapshot<'_>) -> Vec<Action> {
    let set = s.set;
    let name = meta_str(set, "name");
    let ns = meta_str(set, "namespace");
    let uid = &set["metadata"]["uid"];
    let spec = &set["spec"];
    let replicas = spec["replicas"].as_i64().unwrap_or(1).max(0);
    let start = if s.version.start_ordinals() {
        spec["ordinals"]["start"].as_i64().unwrap_or(0)
    } else {
        0
    };
    let min_ready = spec["minReadySeconds"].as_i64().unwrap_or(0);
    let monotonic = spec["podManagementPolicy"].as_str() != Some("Parallel");
    let mut out = Vec::new();

    // Revisions (§4.3).
    // Orphaned revisions that match the selector are adopted (TestAdoptOrphanRevisions).
    let mut adopted: Vec<Value> = Vec::new();
    for r in s.revisions.iter().copied() {
        if controller_of(r).is_none()
            && selector_matches(set, r)
            && set["metadata"]["deletionTimestamp"].is_null()
        {
            let mut q = r.clone();
            if let Some(m) = q["metadata"].as_object_mut() {
                m.insert("ownerReferences".into(), json!([controller_ref(set)]));
            }
            adopted.push(q);
        }
    }
    let mut revs: Vec<&Value> = s
        .revisions
        .iter()
        .copied()
        .filter(|r| is_controlled_by(r, uid))
        .chain(adopted.iter())
        .collect();
    out.extend(adopted.iter().cloned().map(Action::UpdateRevision));
    revs.sort_by_key(|r| {
        (
            r["revision"].as_i64().unwrap_or(0),
            meta_str(r, "name").to_string(),
        )
    });
    let max_rev = revs
        .last()
        .and_then(|r| r["revision"].as_i64())
        .unwrap_or(0);
    let data = revision_data(set);
    let collisions = set["status"]["collisionCount"].as_i64().unwrap_or(0);
    let update_rev: String = match revs.iter().find(|r| r["data"] == data) {
        Some(r) if r["revision"].as_i64() == Some(max_rev) => meta_str(r, "name").to_string(),
        Some(r) => {
            // Rollback: the old revision gets the next number.
            let mut r = (*r).clone();
            r["revision"] = json!(max_rev + 1);
            let n = meta_str(&r, "name").to_string();
            out.push(Action::UpdateRevision(r));
            n
        }
        None => {
            let hash = revision_hash(&data, collisions);
            let rname = format!("{name}-{hash}");
            let mut labels = set["spec"]["template"]["metadata"]["labels"].clone();
            if !labels.is_object() {
                labels = json!({});
            }
            labels["controller.kubernetes.io/hash"] = json!(hash);
            let mut meta = json!({
                "name": rname,
                "namespace": ns,
                "labels": labels,
                "ownerReferences": [controller_ref(set)],
            });
            if let Some(a) = set["metadata"]["annotations"].as_object() {
                meta["annotations"] = json!(a);
            }
            out.push(Action::CreateRevision(json!({
                "apiVersion": "apps/v1",
                "kind": "ControllerRevision",
                "metadata": meta,
                "data": data,
                "revision": max_rev + 1,
            })));
            rname
        }
    };
    let status_current = set["status"]["currentRevision"].as_str().unwrap_or("");
    let current_rev = if status_current.is_empty()
        || !revs.iter().any(|r| meta_str(r, "name") == status_current)
    {
        update_rev.clone()
    } else {
        status_current.to_string()
    };
    let template_of = |rev: &str| -> Value {
        revs.iter()
            .find(|r| meta_str(r, "name") == rev)
            .map(|r| {
                let mut t = r["data"]["spec"]["template"].clone();
                if let Some(m) = t.as_object_mut() {
                    m.remove("$patch");
                    if let Some(md) = m.get_mut("metadata").and_then(Value::as_object_mut) {
                        md.remove("creationTimestamp");
                    }
                }
                t
            })
            .unwrap_or_else(|| set["spec"]["template"].clone())
    };

    // Members are partitioned (§4.4) as they are found: replicas by slot, the rest condemned.
    let in_range = |o: i64| o >= start && o < start + replicas;
    // One slot per replica the controller can act on: under OrderedReady it stops at the first
    // missing pod, so slots past the highest member plus one are never read; Parallel creates at
    // most PARALLEL_BURST past it in one sync (upstream creates them all, which is the same for
    // every set below that size). A set scaled to int32's maximum allocates no two billion slots.
    let top = s
        .pods
        .iter()
        .filter(|p| p.parent == name)
        .map(|p| p.ordinal - start + 1)
        .max()
        .unwrap_or(0)
        .max(0);
    let reach = replicas.min(top + if monotonic { 1 } else { PARALLEL_BURST });
    let mut slots: Vec<Option<PodState<'_>>> = vec![None; usize::try_from(reach).unwrap_or(0)];
    let mut condemned: Vec<PodState<'_>> = Vec::new();

    // Adoption and release (§4.2).
    let my_uid = uid.as_str().unwrap_or("");
    let selector = SetSelector::of(set);
    let side = SetSide {
        name,
        uid: my_uid,
        update_rev: &update_rev,
        selector: &selector,
    };
    let signature = side.signature();
    for sum in &s.pods {
        let verdict = match sum.verdict.0.get() {
            Some((sig, v)) if sig == signature => v,
            _ => {
                let v = side.verdict(sum);
                sum.verdict.0.set(Some((signature, v)));
                v
            }
        };
        if !verdict.member {
            continue;
        }
        let matches = verdict.matches;
        match verdict.owner {
            Owner::This => {
                if !matches {
                    if let Some(p) = (s.pod)(&sum.name) {
                        let mut q = p.clone();
                        if let Some(refs) = q["metadata"]["ownerReferences"].as_array_mut() {
                            refs.retain(|r| r["uid"] != *uid);
                        }
                        out.push(Action::UpdatePod(q));
                    }
                    continue;
                }
            }
            Owner::Other => continue,
            Owner::None if matches && set["metadata"]["deletionTimestamp"].is_null() => {
                if let Some(p) = (s.pod)(&sum.name) {
                    let mut q = p.clone();
                    let refs = q["metadata"]
                        .as_object_mut()
                        .map(|m| m.entry("ownerReferences").or_insert_with(|| json!([])));
                    if let Some(Value::Array(a)) = refs {
                        a.push(controller_ref(set));
                    }
                    out.push(Action::UpdatePod(q));
                }
            }
            Owner::None => continue,
        }
        let p = PodState {
            sum,
            at_update: verdict.at_update,
        };
        if in_range(p.ordinal()) {
            slots[(p.ordinal() - start) as usize] = Some(p);
        } else {
            condemned.push(p);
        }
    }
    condemned.sort_by_key(|p| std::cmp::Reverse(p.ordinal()));

    let rolling = spec["updateStrategy"]["type"]
        .as_str()
        .unwrap_or("RollingUpdate")
        == "RollingUpdate";
    let rolling_update = spec["updateStrategy"]
        .get("rollingUpdate")
        .filter(|r| r.is_object());
    let partition = rolling_update
        .and_then(|r| r["partition"].as_i64())
        .unwrap_or(0);
    let current_replicas_status = set["status"]["currentReplicas"].as_i64().unwrap_or(0);
    let retention = |field: &str| -> &str {
        if s.version.pvc_retention_policy() {
            spec["persistentVolumeClaimRetentionPolicy"][field]
                .as_str()
                .unwrap_or("Retain")
        } else {
            "Retain"
        }
    };
    let (when_deleted, when_scaled) = (retention("whenDeleted"), retention("whenScaled"));
    let claim_templates: Vec<&Value> = spec["volumeClaimTemplates"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();

    let new_pod = |ordinal: i64, rev: &str| -> Value {
        let t = template_of(rev);
        let pname = format!("{name}-{ordinal}");
        let mut labels = t["metadata"]["labels"].clone();
        if !labels.is_object() {
            labels = json!({});
        }
        labels["controller-revision-hash"] = json!(rev);
        labels["statefulset.kubernetes.io/pod-name"] = json!(pname);
        if s.version.pod_index_label() {
            labels["apps.kubernetes.io/pod-index"] = json!(ordinal.to_string());
        }
        let mut meta = json!({
            "name": pname,
            "generateName": format!("{name}-"),
            "namespace": ns,
            "labels": labels,
            "ownerReferences": [controller_ref(set)],
        });
        if let Some(a) = t["metadata"]["annotations"].as_object() {
            meta["annotations"] = json!(a);
        }
        let mut pspec = t["spec"].clone();
        defaults::pod_spec(&mut pspec);
        pspec["hostname"] = json!(pname);
        pspec["subdomain"] = json!(spec["serviceName"].as_str().unwrap_or(""));
        let mut volumes: Vec<Value> = pspec["volumes"].as_array().cloned().unwrap_or_default();
        for ct in &claim_templates {
            let vname = meta_str(ct, "name");
            volumes.retain(|v| v["name"] != json!(vname));
            volumes.push(json!({"name": vname, "persistentVolumeClaim": {"claimName": claim_name(ct, name, ordinal)}}));
        }
        if !volumes.is_empty() {
            pspec["volumes"] = Value::Array(volumes);
        }
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": pspec})
    };
    let new_claim = |ct: &Value, ordinal: i64| -> Value {
        let mut c = json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim_name(ct, name, ordinal), "namespace": ns},
            "spec": ct["spec"].clone(),
        });
        let mut labels = ct["metadata"]["labels"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if let Some(sel) = spec["selector"]["matchLabels"].as_object() {
            for (k, v) in sel {
                labels.insert(k.clone(), v.clone());
            }
        }
        if !labels.is_empty() {
            c["metadata"]["labels"] = json!(labels);
        }
        if let Some(a) = ct["metadata"]["annotations"].as_object() {
            c["metadata"]["annotations"] = json!(a);
        }
        c
    };
    // The owner references a claim should carry (§4.9), given its pod (if it exists).
    let desired_refs = |ordinal: i64, pod: Option<&Value>| -> Vec<Value> {
        let condemned = !in_range(ordinal);
        let mut refs = Vec::new();
        if when_deleted == "Delete" && !(condemned && when_scaled == "Delete") {
            refs.push(controller_ref(set));
        }
        if condemned && when_scaled == "Delete" {
            if let Some(p) = pod {
                refs.push(pod_ref(p));
            }
        }
        refs
    };
    // Nothing to reconcile when the policy wants no references and no claim of the namespace
    // carries any (the common case, and the hot path at thousands of pods).
    let refs_matter = when_deleted == "Delete" || when_scaled == "Delete" || s.claims_have_owners;
    let fix_claim_refs = |ordinal: i64, pod_name: &str, out: &mut Vec<Action>| {
        if !s.version.pvc_retention_policy() || !refs_matter {
            return;
        }
        let pod = (s.pod)(pod_name);
        for ct in &claim_templates {
            let cname = claim_name(ct, name, ordinal);
            let Some(c) = (s.claims)(cname.as_str()) else {
                continue;
            };
            // Another controller owns it: leave it alone.
            if let Some(r) = controller_of(c) {
                if r["uid"] != *uid
                    && pod.is_none_or(|p| r["uid"] != p["metadata"]["uid"])
                    && r["kind"] != "Pod"
                {
                    continue;
                }
            }
            let mut refs: Vec<Value> = owner_refs(c)
                .iter()
                .filter(|r| {
                    !(r["uid"] == *uid
                        || (r["kind"] == "Pod" && r["name"] == json!(format!("{name}-{ordinal}"))))
                })
                .cloned()
                .collect();
            refs.extend(desired_refs(ordinal, pod));
            if refs.as_slice() != owner_refs(c) {
                let mut c = (*c).clone();
                if refs.is_empty() {
                    if let Some(m) = c["metadata"].as_object_mut() {
                        m.remove("ownerReferences");
                    }
                } else {
                    c["metadata"]["ownerReferences"] = json!(refs);
                }
                out.push(Action::UpdateClaim(c));
            }
        }
    };

    // First unavailable pod (§4.4).
    let unhealthy = |p: &PodState<'_>| !p.healthy(min_ready, s.now, s.version);
    let first_unhealthy: Option<String> = slots
        .iter()
        .flatten()
        .find(|p| unhealthy(p))
        .or_else(|| condemned.iter().rev().find(|p| unhealthy(p)))
        .map(|p| p.name().to_string());

    let deleting = !set["metadata"]["deletionTimestamp"].is_null();
    let mut stopped = deleting;
    let mut deleted_for_update = 0;

    let delete_pod = |out: &mut Vec<Action>, pod: &str| {
        out.push(Action::DeletePod(pod.to_string()));
        out.push(Action::Event(
            "Normal",
            "SuccessfulDelete",
            format!("delete Pod {pod} in StatefulSet {name} successful"),
        ));
    };

    // Phase A (§4.5).
    if !stopped {
        for (i, slot) in slots.iter().enumerate() {
            let ordinal = start + i as i64;
            match slot {
                Some(p) if p.sum.finished => {
                    if !p.terminating() {
                        delete_pod(&mut out, p.name());
                    }
                    if monotonic {
                        stopped = true;
                        break;
                    }
                    continue;
                }
                None => {
                    let rev = if (rolling
                        && rolling_update.is_none()
                        && ordinal < start + current_replicas_status)
                        || (rolling_update.is_some() && ordinal < start + partition)
                    {
                        current_rev.clone()
                    } else {
                        update_rev.clone()
                    };
                    let pod = new_pod(ordinal, &rev);
                    let pname = format!("{name}-{ordinal}");
                    // Stale claim guard under whenScaled: Delete.
                    let stale = when_scaled == "Delete"
                        && claim_templates.iter().any(|ct| {
                            (s.claims)(claim_name(ct, name, ordinal).as_str()).is_some_and(|c| {
                                owner_refs(c)
                                    .iter()
                                    .any(|r| r["kind"] == "Pod" && r["name"] == json!(pname))
                            })
                        });
                    if stale {
                        stopped = monotonic;
                        if monotonic {
                            break;
                        }
                        continue;
                    }
                    let mut claim_failed = false;
                    for ct in &claim_templates {
                        let cname = claim_name(ct, name, ordinal);
                        match (s.claims)(cname.as_str()) {
                            None => {
                                let mut c = new_claim(ct, ordinal);
                                let refs = desired_refs(ordinal, None);
                                if !refs.is_empty() && s.version.pvc_retention_policy() {
                                    c["metadata"]["ownerReferences"] = json!(refs);
                                }
                                out.push(Action::CreateClaim(c));
                                out.push(Action::Event("Normal", "SuccessfulCreate", format!("create Claim {cname} Pod {pname} in StatefulSet {name} success")));
                            }
                            Some(c) if !c["metadata"]["deletionTimestamp"].is_null() => {
                                out.push(Action::Event("Warning", "FailedCreate", format!("create Pod {pname} in StatefulSet {name} failed error: pvc {cname} is being deleted")));
                                claim_failed = true;
                            }
                            Some(_) => {}
                        }
                    }
                    if !claim_failed {
                        out.push(Action::CreatePod(pod));
                        out.push(Action::Event(
                            "Normal",
                            "SuccessfulCreate",
                            format!("create Pod {pname} in StatefulSet {name} successful"),
                        ));
                    }
                    if monotonic {
                        stopped = true;
                        break;
                    }
                    continue;
                }
                Some(p) => {
                    if p.sum.pending {
                        // Recreate claims deleted while the pod waited.
                        for ct in &claim_templates {
                            let cname = claim_name(ct, name, ordinal);
                            if (s.claims)(cname.as_str()).is_none() {
                                out.push(Action::CreateClaim(new_claim(ct, ordinal)));
                                out.push(Action::Event(
                                    "Normal",
                                    "SuccessfulCreate",
                                    format!(
                                        "create Claim {cname} Pod {} in StatefulSet {name} success",
                                        p.name()
                                    ),
                                ));
                            }
                        }
                    }
                    if monotonic
                        && (p.terminating() || !p.running_ready() || !p.available(min_ready, s.now))
                    {
                        stopped = true;
                        break;
                    }
                    if refs_matter {
                        fix_claim_refs(ordinal, p.name(), &mut out);
                    }
                    // Identity repair: labels the controller owns.
                    let want_index = s.version.pod_index_label();
                    let repair = !p.sum.pod_name_label_ok || (want_index && !p.sum.has_index_label);
                    if let Some(obj) = repair.then(|| (s.pod)(p.name())).flatten() {
                        let mut q = obj.clone();
                        q["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] =
                            json!(p.name());
                        if want_index {
                            q["metadata"]["labels"]["apps.kubernetes.io/pod-index"] =
                                json!(ordinal.to_string());
                        }
                        out.push(Action::UpdatePod(q));
                    }
                }
            }
        }
    }

    // Phase B/C (§4.8).
    if !stopped {
        for p in &condemned {
            fix_claim_refs(p.ordinal(), p.name(), &mut out);
        }
        for p in &condemned {
            if p.terminating() {
                if monotonic {
                    stopped = true;
                    break;
                }
                continue;
            }
            if monotonic && unhealthy(p) && first_unhealthy.as_deref() != Some(p.name()) {
                stopped = true;
                break;
            }
            delete_pod(&mut out, p.name());
            if monotonic {
                stopped = true;
                break;
            }
        }
    }

    // Phase D (§4.10) with MaxUnavailableStatefulSet: delete up to maxUnavailable − unavailable
    // old-revision pods, highest ordinal first, down to the partition.
    if !stopped && rolling && s.version.max_unavailable_statefulset() {
        let budget = max_unavailable(&spec["updateStrategy"]["rollingUpdate"], replicas);
        let healthy = slots
            .iter()
            .flatten()
            .filter(|p| p.healthy(min_ready, s.now, s.version))
            .count() as i64;
        let mut room = budget - (replicas - healthy);
        let floor = partition.max(0) as usize;
        for p in slots[floor.min(slots.len())..].iter().rev().flatten() {
            if room <= 0 {
                break;
            }
            if !p.at_update && !p.terminating() {
                delete_pod(&mut out, p.name());
                deleted_for_update += 1;
                room -= 1;
            }
        }
        stopped = true;
    }

    // Phase D (§4.10): classic rolling update, highest ordinal first, down to the partition.
    if !stopped && rolling {
        let floor = partition.max(0) as usize;
        for i in (floor..slots.len()).rev() {
            let Some(p) = &slots[i] else { break };
            if !p.at_update && !p.terminating() {
                delete_pod(&mut out, p.name());
                deleted_for_update += 1;
                break;
            }
            if !p.healthy(min_ready, s.now, s.version) {
                break;
            }
        }
    }

    // Status (§4.11), in one pass: this runs once per pod created, over every pod.
    let (mut total, mut ready, mut available, mut current, mut updated) = (0, 0, 0, 0, 0);
    let mut in_use: Vec<&str> = Vec::new();
    for p in slots.iter().flatten().chain(condemned.iter()) {
        total += 1;
        if p.running_ready() {
            ready += 1;
            if p.available(min_ready, s.now) {
                available += 1;
            }
        }
        if !p.terminating() {
            // Almost always one revision: compare with the update revision's result first.
            let at_current = if current_rev == update_rev {
                p.at_update
            } else {
                p.revision() == current_rev
            };
            current += i64::from(at_current);
            updated += i64::from(p.at_update);
        }
        if !p.at_update && in_use.last() != Some(&p.revision()) && !in_use.contains(&p.revision()) {
            in_use.push(p.revision());
        }
    }
    current -= deleted_for_update;
    let mut current_revision = current_rev.clone();
    if rolling && updated == replicas && ready == replicas && total == replicas {
        current_revision = update_rev.clone();
        current = updated;
    }
    let mut status = json!({
        "observedGeneration": set["metadata"]["generation"],
        "replicas": total,
        "readyReplicas": ready,
        "currentReplicas": current.max(0),
        "updatedReplicas": updated,
        "availableReplicas": available,
        "currentRevision": current_revision,
        "updateRevision": update_rev,
        "collisionCount": collisions,
    });
    if let Some(m) = status.as_object_mut() {
        for k in ["readyReplicas", "currentReplicas", "updatedReplicas"] {
            if m[k] == json!(0) {
                m.remove(k);
            }
        }
    }
    if status != set["status"] {
        out.push(Action::Status(status));
    }

    // History (§4.12).
    let limit = spec["revisionHistoryLimit"].as_i64().unwrap_or(10);
    if limit >= 0 {
        // Few revisions, many pods: ask per revision, stopping at the first pod that uses it.
        let live = |n: &str| n == current_revision || n == update_rev || in_use.contains(&n);
        let dead: Vec<&&Value> = revs.iter().filter(|r| !live(meta_str(r, "name"))).collect();
        let excess = dead.len() as i64 - limit;
        for r in dead.iter().take(excess.max(0) as usize) {
            out.push(Action::DeleteRevision(meta_str(r, "name").to_string()));
        }
    }
    out
}

/// Pods of a set by ordinal (for the executor and tests).
pub fn pods_by_ordinal<'a>(set: &str, pods: &[&'a Value]) -> BTreeMap<i64, &'a Value> {
    pods.iter()
        .filter_map(|p| {
            let (parent, o) = parent_and_ordinal(meta_str(p, "name"));
            (parent == set && o >= 0).then_some((o, *p))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_like_upstream() {
        assert_eq!(parent_and_ordinal("web-0"), ("web", 0));
        assert_eq!(parent_and_ordinal("a-b-3"), ("a-b", 3));
        assert_eq!(parent_and_ordinal("1-bar"), ("", -1));
        assert_eq!(parent_and_ordinal("web-99999999999"), ("", -1));
        assert_eq!(parent_and_ordinal("web"), ("", -1));
    }

    /// The per-pod cache is keyed by the set's side: summaries cached by one set's sync give
    /// another set (or the same set after a change) exactly what fresh summaries give.
    #[test]
    fn a_cached_verdict_is_reused_only_for_the_same_set() {
        let set = |uid: &str, app: &str| {
            json!({
                "apiVersion": "apps/v1", "kind": "StatefulSet",
                "metadata": {"name": "web", "namespace": "default", "uid": uid},
                "spec": {
                    "replicas": 3, "serviceName": "nginx",
                    "selector": {"matchLabels": {"app": app}},
                    "template": {"metadata": {"labels": {"app": app}},
                                 "spec": {"containers": [{"name": "c", "image": "i"}]}},
                },
            })
        };
        let pods: Vec<Value> = (0..2)
            .map(|i| {
                let mut p = json!({
                    "metadata": {"name": format!("web-{i}"), "namespace": "default",
                                 "labels": {"app": "a", "controller-revision-hash": "web-x"}},
                    "status": {"phase": "Running",
                               "conditions": [{"type": "Ready", "status": "True"}]},
                });
                if i == 0 {
                    p["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1",
                        "kind": "StatefulSet", "name": "web", "uid": "u1", "controller": true}]);
                }
                p
            })
            .collect();
        let run = |set: &Value, sums: &[PodSummary]| {
            let pod = |n: &str| pods.iter().find(|p| meta_str(p, "name") == n);
            let claims = |_: &str| None;
            sync(&Snapshot {
                set,
                pods: sums.iter().collect(),
                pod: &pod,
                claims: &claims,
                revisions: Vec::new(),
                claims_have_owners: false,
                now: 0,
                version: KubeVersion::NEWEST,
            })
        };
        let fresh = || pods.iter().map(PodSummary::of).collect::<Vec<_>>();
        let sets = [
            set("u1", "a"),
            set("u2", "a"),
            set("u1", "b"),
            set("u3", "b"),
        ];
        let cached = fresh();
        for _ in 0..2 {
            for s in &sets {
                assert_eq!(run(s, &cached), run(s, &fresh()), "{s}");
            }
        }
        // The cases differ, so a wrongly reused verdict would show.
        let outs: std::collections::HashSet<String> = sets
            .iter()
            .map(|s| format!("{:?}", run(s, &fresh())))
            .collect();
        assert_eq!(outs.len(), sets.len());
    }

    #[test]
    fn revision_names_use_the_safe_alphabet() {
        let h = revision_hash(&json!({"spec": {}}), 0);
        assert!(!h.is_empty() && h.len() <= 10);
        assert!(h
            .bytes()
            .all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b)));
        assert_ne!(h, revision_hash(&json!({"spec": {}}), 1));
    }
}
