//! The API's verbs over an in-memory API server, as kubectl and kube-rs send them
//! (`docs/research/kubectl-and-api.md` §2.1).

use super::*;
use crate::k8s::version::KubeVersion;
use crate::runtime::store::Meta;

const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

fn cluster() -> ApiServer {
    ApiServer::new(
        std::collections::BTreeMap::new(),
        Meta {
            uid_seed: 7,
            ..Meta::default()
        },
        1_800_000_000,
        "1.32".parse::<KubeVersion>().unwrap(),
    )
}

fn request<'a>(method: Method, target: &'a str, body: &'a str) -> Request<'a> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Request {
        method,
        path,
        query,
        accept: Some("application/json"),
        content_type: Some("application/json"),
        body: body.as_bytes(),
        host: "127.0.0.1:6443",
        user_agent: Some("kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07"),
    }
}

/// The reply's code and JSON body.
fn call(api: &mut ApiServer, req: Request) -> (u16, Value) {
    match handle(api, &req) {
        Outcome::Reply(Reply {
            code,
            body: Body::Json(v),
            ..
        }) => (code, v),
        other => panic!("{other:?}"),
    }
}

/// A PATCH of `content_type`.
fn patch(api: &mut ApiServer, target: &str, content_type: &str, body: &str) -> (u16, Value) {
    let mut req = request(Method::Patch, target, body);
    req.content_type = Some(content_type);
    call(api, req)
}

const WEB: &str = r#"{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
  "spec": {"replicas": 2, "serviceName": "nginx", "selector": {"matchLabels": {"app": "nginx"}},
    "template": {"metadata": {"labels": {"app": "nginx"}},
      "spec": {"containers": [{"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.8"}]}}}}"#;
const SETS: &str = "/apis/apps/v1/namespaces/default/statefulsets";

fn with_web() -> ApiServer {
    let mut api = cluster();
    let (code, _) = call(&mut api, request(Method::Post, SETS, WEB));
    assert_eq!(code, 201);
    api
}

#[test]
fn create_answers_201_with_the_stored_object_and_409_the_second_time() {
    let mut api = cluster();
    let (code, o) = call(&mut api, request(Method::Post, SETS, WEB));
    assert_eq!(code, 201);
    assert_eq!(o["metadata"]["namespace"], "default");
    assert_eq!(o["metadata"]["generation"], 1);
    assert!(o["metadata"]["uid"].is_string() && o["metadata"]["resourceVersion"].is_string());
    let (code, status) = call(&mut api, request(Method::Post, SETS, WEB));
    assert_eq!(code, 409);
    assert_eq!(
        status,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "statefulsets.apps \"web\" already exists", "reason": "AlreadyExists",
               "code": 409, "details": {"name": "web", "group": "apps", "kind": "statefulsets"}})
    );
}

#[test]
fn get_answers_json_or_a_table_and_404_as_a_status() {
    let mut api = with_web();
    let (code, o) = call(&mut api, request(Method::Get, &format!("{SETS}/web"), ""));
    assert_eq!((code, o["kind"].as_str()), (200, Some("StatefulSet")));
    let mut req = request(Method::Get, SETS, "");
    req.accept = Some(TABLE);
    let (code, t) = call(&mut api, req);
    assert_eq!((code, t["kind"].as_str()), (200, Some("Table")));
    assert_eq!(t["rows"][0]["cells"][0], "web");
    assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    let (code, s) = call(
        &mut api,
        request(Method::Get, &format!("{SETS}/nosuch"), ""),
    );
    assert_eq!(
        (code, s["message"].as_str()),
        (404, Some("statefulsets.apps \"nosuch\" not found"))
    );
    let (code, s) = call(&mut api, request(Method::Get, "/apis/batch/v1/jobs", ""));
    assert_eq!(
        (code, s["message"].as_str()),
        (
            404,
            Some("the server could not find the requested resource")
        )
    );
}

#[test]
fn a_list_is_narrowed_by_label_and_field_selectors() {
    let mut api = with_web();
    let other = WEB.replace("\"web\"", "\"db\"");
    call(&mut api, request(Method::Post, SETS, &other));
    let names = |api: &mut ApiServer, q: &str| -> Vec<String> {
        let (_, l) = call(api, request(Method::Get, &format!("{SETS}?{q}"), ""));
        assert_eq!(l["kind"], "StatefulSetList");
        l["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| meta_str(o, "name").to_string())
            .collect()
    };
    assert_eq!(names(&mut api, ""), ["db", "web"]);
    assert_eq!(
        names(&mut api, "fieldSelector=metadata.name%3Dweb"),
        ["web"]
    );
    assert_eq!(
        names(&mut api, "labelSelector=app%3Dnginx"),
        Vec::<String>::new()
    );
    let (_, all) = call(
        &mut api,
        request(Method::Get, "/apis/apps/v1/statefulsets", ""),
    );
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
}

#[test]
fn kubectl_scale_patches_the_scale_subresource() {
    let mut api = with_web();
    let (code, scale) = patch(
        &mut api,
        &format!("{SETS}/web/scale"),
        "application/merge-patch+json",
        r#"{"spec":{"replicas":3}}"#,
    );
    assert_eq!(code, 200);
    assert_eq!(
        (scale["kind"].as_str(), &scale["spec"]["replicas"]),
        (Some("Scale"), &json!(3))
    );
    assert_eq!(scale["status"]["selector"], "app=nginx");
    let set = api.get(&resources::STATEFUL_SET, "default", "web").unwrap();
    assert_eq!(
        (&set["spec"]["replicas"], &set["metadata"]["generation"]),
        (&json!(3), &json!(2))
    );
    // A dry run answers the would-be Scale and changes nothing.
    let (_, scale) = patch(
        &mut api,
        &format!("{SETS}/web/scale?dryRun=All"),
        "application/merge-patch+json",
        r#"{"spec":{"replicas":5}}"#,
    );
    assert_eq!(scale["spec"]["replicas"], 5);
    let set = api.get(&resources::STATEFUL_SET, "default", "web").unwrap();
    assert_eq!(set["spec"]["replicas"], 3);
}

#[test]
fn a_stale_resource_version_is_a_conflict() {
    let mut api = with_web();
    let (_, mut o) = call(&mut api, request(Method::Get, &format!("{SETS}/web"), ""));
    o["spec"]["replicas"] = json!(4);
    let body = o.to_string();
    let (code, updated) = call(
        &mut api,
        request(Method::Put, &format!("{SETS}/web"), &body),
    );
    assert_eq!((code, &updated["spec"]["replicas"]), (200, &json!(4)));
    let (code, s) = call(
        &mut api,
        request(Method::Put, &format!("{SETS}/web"), &body),
    );
    assert_eq!(code, 409);
    assert_eq!(s["message"], "Operation cannot be fulfilled on statefulsets.apps \"web\": the object has been modified; please apply your changes to the latest version and try again");
}

#[test]
fn unknown_fields_are_refused_when_strict_and_dropped_with_a_warning_otherwise() {
    let mut api = cluster();
    let body = WEB.replace("\"serviceName\"", "\"bogus\": 1, \"serviceName\"");
    let (code, s) = call(
        &mut api,
        request(
            Method::Post,
            &format!("{SETS}?fieldValidation=Strict"),
            &body,
        ),
    );
    assert_eq!(code, 400);
    assert_eq!(s["message"], "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: strict decoding error: unknown field \"spec.bogus\"");
    match handle(&mut api, &request(Method::Post, SETS, &body)) {
        Outcome::Reply(r) => {
            assert_eq!(
                (r.code, r.warnings),
                (201, vec!["unknown field \"spec.bogus\"".to_string()])
            );
            let Body::Json(o) = r.body else { panic!() };
            assert!(o["spec"].get("bogus").is_none());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_bodies_and_rule_breaking_objects_are_refused() {
    let mut api = cluster();
    let (code, s) = call(&mut api, request(Method::Post, SETS, "{\"kind\": "));
    assert_eq!(code, 400);
    assert!(
        s["message"]
            .as_str()
            .unwrap()
            .starts_with("the body of the request is not valid JSON: EOF while parsing"),
        "{s}"
    );
    let negative = WEB.replace("\"replicas\": 2", "\"replicas\": -1");
    let (code, s) = call(&mut api, request(Method::Post, SETS, &negative));
    assert_eq!((code, s["reason"].as_str()), (422, Some("Invalid")));
    assert!(
        s["message"]
            .as_str()
            .unwrap()
            .starts_with("StatefulSet.apps \"web\" is invalid: spec.replicas"),
        "{s}"
    );
    let (code, s) = call(
        &mut api,
        request(Method::Post, "/api/v1/namespaces/default/pods", WEB),
    );
    assert_eq!(code, 400);
    assert_eq!(
        s["message"],
        "the API version in the data (apps/v1) does not match the expected API version (v1)"
    );
}

#[test]
fn strategic_merge_patch_merges_containers_by_name() {
    let mut api = with_web();
    let smp = r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],"containers":[{"image":"registry.k8s.io/nginx-slim:0.9","name":"nginx"},{"image":"busybox","name":"sidecar"}]}}}}"#;
    let (code, o) = patch(
        &mut api,
        &format!("{SETS}/web"),
        "application/strategic-merge-patch+json",
        smp,
    );
    assert_eq!(code, 200, "{o}");
    let c = &o["spec"]["template"]["spec"]["containers"];
    assert_eq!(
        (&c[0]["image"], &c[1]["name"]),
        (&json!("registry.k8s.io/nginx-slim:0.9"), &json!("sidecar"))
    );
}

#[test]
fn an_apply_patch_needs_a_field_manager_and_creates_what_is_absent() {
    let mut api = cluster();
    let (code, s) = patch(
        &mut api,
        &format!("{SETS}/web"),
        "application/apply-patch+yaml",
        WEB,
    );
    assert_eq!(code, 422);
    assert_eq!(s["message"], "StatefulSet.apps \"web\" is invalid: fieldManager: Required value: is required for apply patch");
    let path = format!("{SETS}/web?fieldManager=kubectl&force=false");
    assert_eq!(
        patch(&mut api, &path, "application/apply-patch+yaml", WEB).0,
        201
    );
    assert_eq!(patch(&mut api, &format!("{SETS}/web?force=true"), "application/merge-patch+json", "{}").1["message"], "StatefulSet.apps \"web\" is invalid: force: Forbidden: may not be specified for non-apply patch");
}

#[test]
fn delete_answers_a_success_status_or_the_object_marked_for_deletion() {
    let mut api = with_web();
    let (code, s) = call(
        &mut api,
        request(
            Method::Delete,
            &format!("{SETS}/web"),
            r#"{"propagationPolicy":"Background"}"#,
        ),
    );
    assert_eq!(
        (code, s["status"].as_str(), s["details"]["kind"].as_str()),
        (200, Some("Success"), Some("statefulsets"))
    );
    assert!(api
        .get(&resources::STATEFUL_SET, "default", "web")
        .is_none());
    let pod = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}"#;
    let pods = "/api/v1/namespaces/default/pods";
    assert_eq!(call(&mut api, request(Method::Post, pods, pod)).0, 201);
    let (code, o) = call(&mut api, request(Method::Delete, &format!("{pods}/p"), ""));
    assert_eq!(
        (code, o["metadata"]["deletionTimestamp"].is_string()),
        (200, true)
    );
    let (code, s) = call(
        &mut api,
        request(
            Method::Delete,
            &format!("{pods}/p"),
            r#"{"preconditions":{"uid":"other"}}"#,
        ),
    );
    assert_eq!(code, 409, "{s}");
}

#[test]
fn watches_are_described_for_the_server_to_stream() {
    let mut api = cluster();
    let mut req = request(Method::Get, "/api/v1/namespaces/default/pods", "");
    req.query = "resourceVersion=5&watch=true";
    req.accept = Some(TABLE);
    match handle(&mut api, &req) {
        Outcome::Watch(w) => {
            assert_eq!(
                (w.resource.kind, w.namespace.as_deref(), w.table),
                ("Pod", Some("default"), true)
            );
            assert_eq!(w.params.resource_version.as_deref(), Some("5"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn discovery_answers_in_the_form_asked_for() {
    let mut api = cluster();
    let mut req = request(Method::Get, "/apis", "");
    req.accept = Some(
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
    );
    match handle(&mut api, &req) {
        Outcome::Reply(r) => assert_eq!(r.content_type, AGGREGATED_CONTENT_TYPE),
        other => panic!("{other:?}"),
    }
    let (code, v) = call(&mut api, request(Method::Get, "/api", ""));
    assert_eq!((code, v["kind"].as_str()), (200, Some("APIVersions")));
    let (code, v) = call(&mut api, request(Method::Post, "/version", "{}"));
    assert_eq!(
        (code, v["reason"].as_str()),
        (405, Some("MethodNotAllowed"))
    );
}

#[test]
fn server_side_apply_records_managers_and_refuses_a_second_managers_change() {
    let mut api = cluster();
    let apply = "application/apply-patch+yaml";
    let (code, o) = patch(
        &mut api,
        &format!("{SETS}/web?fieldManager=kubectl"),
        apply,
        WEB,
    );
    assert_eq!(code, 201);
    let managers = &o["metadata"]["managedFields"];
    assert_eq!(
        (&managers[0]["manager"], &managers[0]["operation"]),
        (&json!("kubectl"), &json!("Apply"))
    );
    assert_eq!(managers[0]["fieldsV1"]["f:spec"]["f:replicas"], json!({}));
    // The same intent again changes nothing: no new resourceVersion.
    let rv = o["metadata"]["resourceVersion"].clone();
    let (code, again) = patch(
        &mut api,
        &format!("{SETS}/web?fieldManager=kubectl"),
        apply,
        WEB,
    );
    assert_eq!((code, &again["metadata"]["resourceVersion"]), (200, &rv));
    let four = WEB.replace("\"replicas\": 2", "\"replicas\": 4");
    let (code, s) = patch(
        &mut api,
        &format!("{SETS}/web?fieldManager=other"),
        apply,
        &four,
    );
    assert_eq!(code, 409);
    assert_eq!(
        s["message"],
        "Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas"
    );
    assert_eq!(
        s["details"]["causes"],
        json!([{"reason": "FieldManagerConflict", "message": "conflict with \"kubectl\"", "field": ".spec.replicas"}])
    );
    let (code, o) = patch(
        &mut api,
        &format!("{SETS}/web?fieldManager=other&force=true"),
        apply,
        &four,
    );
    assert_eq!((code, &o["spec"]["replicas"]), (200, &json!(4)));
}

#[test]
fn a_scale_takes_the_replicas_from_the_applier() {
    let mut api = cluster();
    let apply = "application/apply-patch+yaml";
    patch(
        &mut api,
        &format!("{SETS}/web?fieldManager=kubectl"),
        apply,
        WEB,
    );
    let merge = "application/merge-patch+json";
    let (code, _) = patch(
        &mut api,
        &format!("{SETS}/web/scale"),
        merge,
        r#"{"spec":{"replicas":3}}"#,
    );
    assert_eq!(code, 200);
    let (code, s) = patch(
        &mut api,
        &format!("{SETS}/web?fieldManager=kubectl"),
        apply,
        WEB,
    );
    assert_eq!(code, 409);
    assert_eq!(s["message"], "Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas");
}

#[test]
fn events_k8s_io_events_are_the_core_events_converted() {
    let mut api = cluster();
    let v1 = r#"{"apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": "web.1"}, "eventTime": "2026-12-02T00:00:00.000000Z",
        "reportingController": "example.com/probe", "reportingInstance": "probe-1",
        "action": "Reconcile", "reason": "Synced", "type": "Normal", "note": "all good",
        "regarding": {"kind": "StatefulSet", "name": "web", "namespace": "default"}}"#;
    let events = "/apis/events.k8s.io/v1/namespaces/default/events";
    let (code, made) = call(&mut api, request(Method::Post, events, v1));
    assert_eq!(
        (code, &made["apiVersion"], &made["note"]),
        (201, &json!("events.k8s.io/v1"), &json!("all good"))
    );
    let (code, core) = call(
        &mut api,
        request(Method::Get, "/api/v1/namespaces/default/events/web.1", ""),
    );
    assert_eq!(
        (code, &core["message"], &core["involvedObject"]["name"]),
        (200, &json!("all good"), &json!("web"))
    );
    assert_eq!(core["source"]["component"], "example.com/probe");
    // kubectl describe selects a set's events by the object they are about.
    let q = "fieldSelector=involvedObject.name%3Dweb%2CinvolvedObject.kind%3DStatefulSet";
    let (code, l) = call(
        &mut api,
        request(
            Method::Get,
            &format!("/api/v1/namespaces/default/events?{q}"),
            "",
        ),
    );
    assert_eq!((code, l["items"].as_array().map(Vec::len)), (200, Some(1)));
    let (code, l) = call(&mut api, request(Method::Get, &format!("{events}?{q}"), ""));
    assert_eq!(code, 400, "{l}");
    let (_, l) = call(&mut api, request(Method::Get, events, ""));
    assert_eq!(l["items"][0]["regarding"]["kind"], "StatefulSet");
    let merge = "application/merge-patch+json";
    let (code, o) = patch(
        &mut api,
        &format!("{events}/web.1"),
        merge,
        r#"{"series": {"count": 2, "lastObservedTime": "2026-12-02T00:01:00.000000Z"}}"#,
    );
    assert_eq!((code, &o["series"]["count"]), (200, &json!(2)));
}

#[test]
fn endpoint_slices_are_read_from_endpoints_and_cannot_be_written() {
    let mut api = cluster();
    let ep = r#"{"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "nginx"},
        "subsets": [{"addresses": [{"ip": "10.244.0.2"}], "ports": [{"port": 80, "protocol": "TCP"}]}]}"#;
    assert_eq!(
        call(
            &mut api,
            request(Method::Post, "/api/v1/namespaces/default/endpoints", ep)
        )
        .0,
        201
    );
    let slices = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices";
    let (code, l) = call(&mut api, request(Method::Get, slices, ""));
    assert_eq!((code, l["kind"].as_str()), (200, Some("EndpointSliceList")));
    let s = &l["items"][0];
    assert_eq!(
        (&s["addressType"], &s["endpoints"][0]["addresses"]),
        (&json!("IPv4"), &json!(["10.244.0.2"]))
    );
    let name = s["metadata"]["name"].as_str().unwrap().to_string();
    let (code, one) = call(
        &mut api,
        request(Method::Get, &format!("{slices}/{name}"), ""),
    );
    assert_eq!((code, &one["metadata"]["name"]), (200, &json!(name)));
    let mut req = request(Method::Get, slices, "");
    req.accept = Some(TABLE);
    let (_, t) = call(&mut api, req);
    assert_eq!(
        t["rows"][0]["cells"],
        json!([name, "IPv4", "80", "10.244.0.2", t["rows"][0]["cells"][4]])
    );
    let (code, s) = call(&mut api, request(Method::Post, slices, "{}"));
    assert_eq!(
        (code, s["reason"].as_str()),
        (405, Some("MethodNotAllowed"))
    );
}

#[test]
fn secrets_keep_string_data_as_base64_data() {
    let mut api = cluster();
    let secret = r#"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"password": "hunter2"}}"#;
    let (code, o) = call(
        &mut api,
        request(Method::Post, "/api/v1/namespaces/default/secrets", secret),
    );
    assert_eq!(code, 201);
    assert_eq!(
        (&o["type"], &o["data"]["password"]),
        (&json!("Opaque"), &json!("aHVudGVyMg=="))
    );
    assert!(o.get("stringData").is_none());
}

#[test]
fn pods_are_selected_by_their_phase() {
    let mut api = cluster();
    let pod = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}"#;
    call(
        &mut api,
        request(Method::Post, "/api/v1/namespaces/default/pods", pod),
    );
    let names = |api: &mut ApiServer, q: &str| {
        let (code, l) = call(
            api,
            request(
                Method::Get,
                &format!("/api/v1/namespaces/default/pods?{q}"),
                "",
            ),
        );
        assert_eq!(code, 200, "{l}");
        l["items"].as_array().unwrap().len()
    };
    assert_eq!(
        names(&mut api, "fieldSelector=status.phase%3DPending&limit=500"),
        1
    );
    assert_eq!(
        names(&mut api, "fieldSelector=status.phase%21%3DPending"),
        0
    );
    assert_eq!(names(&mut api, "fieldSelector=status.phase%3DRunning"), 0);
}

#[test]
fn a_protobuf_body_is_an_unsupported_media_type() {
    let mut api = cluster();
    let mut req = request(
        Method::Post,
        "/api/v1/namespaces/default/secrets",
        "\u{6b}8s\0",
    );
    req.content_type = Some("application/vnd.kubernetes.protobuf");
    let (code, s) = call(&mut api, req);
    assert_eq!(
        (code, s["reason"].as_str()),
        (415, Some("UnsupportedMediaType"))
    );
}
