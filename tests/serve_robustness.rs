//! `stsc serve` under bad and slow clients, over plain HTTP so the bytes on the wire are the
//! test's own: a body over the limit is 413, a client that connects and says nothing (or sends
//! half a request) holds up nobody, and what a client can break it gets back as a Status.

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::Server;

/// The host:port of a plain-HTTP server.
fn address(s: &Server) -> String {
    s.url.strip_prefix("http://").unwrap().to_string()
}

/// One request over a fresh connection; the status code and body.
fn request(addr: &str, head: &str, body: &[u8]) -> (u16, String) {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let text = format!(
        "{head}\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    c.write_all(text.as_bytes()).unwrap();
    // The server may answer (413) before it read the whole body.
    let _ = c.write_all(body);
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out);
    let out = String::from_utf8_lossy(&out).to_string();
    let code = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (code, body)
}

fn status_of(body: &str) -> serde_json::Value {
    // Chunked or not, the Status is the one JSON object in the body.
    let start = body.find('{').unwrap();
    let end = body.rfind('}').unwrap();
    serde_json::from_str(&body[start..=end]).unwrap()
}

#[test]
fn a_body_over_the_limit_is_413_and_malformed_json_is_400() {
    let s = Server::start_with("1.32", &["--insecure-plain-http"]);
    let addr = address(&s);
    let big = vec![b' '; 4 << 20];
    let (code, body) = request(
        &addr,
        "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nContent-Type: application/json",
        &big,
    );
    assert_eq!(code, 413, "{body}");
    assert_eq!(status_of(&body)["reason"], "RequestEntityTooLarge");
    let (code, body) = request(
        &addr,
        "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nContent-Type: application/json",
        b"{\"apiVersion\": \"v1\", \"kind\": ",
    );
    assert_eq!(code, 400, "{body}");
    let status = status_of(&body);
    assert!(status["message"].as_str().unwrap().starts_with("the body of the request is not valid JSON: EOF while parsing a value at line 1 column 29"), "{status}");
    let (code, body) = request(&addr, "GET /api/v1/nosuchthings HTTP/1.1", b"");
    assert_eq!(
        (code, status_of(&body)["reason"].as_str()),
        (404, Some("NotFound"))
    );
}

#[test]
fn stalled_clients_block_no_one() {
    let s = Server::start_with("1.32", &["--insecure-plain-http"]);
    let addr = address(&s);
    // Ten connections that say nothing, and one that stops halfway through its body.
    let silent: Vec<TcpStream> = (0..10)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    let mut half = TcpStream::connect(&addr).unwrap();
    half.write_all(b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\"")
        .unwrap();
    let start = Instant::now();
    for _ in 0..20 {
        let (code, _) = request(&addr, "GET /api/v1/namespaces/default/pods HTTP/1.1", b"");
        assert_eq!(code, 200);
    }
    let body =
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}"#;
    let (code, _) = request(
        &addr,
        "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nContent-Type: application/json",
        body,
    );
    assert_eq!(code, 201);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    drop((silent, half));
}

#[test]
fn a_plain_http_kubeconfig_has_no_token_and_no_ca() {
    let s = Server::start_with("1.32", &["--insecure-plain-http"]);
    assert!(s.url.starts_with("http://127.0.0.1:"), "{}", s.url);
    let cfg = std::fs::read_to_string(&s.kubeconfig).unwrap();
    assert!(!cfg.contains("certificate-authority-data"), "{cfg}");
    let (code, body) = request(&address(&s), "GET /version HTTP/1.1", b"");
    assert_eq!(code, 200);
    assert_eq!(status_of(&body)["minor"], "32");
}

#[test]
fn an_accepted_write_survives_a_kill_and_the_folder_is_usable_after() {
    let mut s = Server::start_with("1.32", &["--insecure-plain-http"]);
    let addr = address(&s);
    let body =
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"kept"},"data":{"a":"1"}}"#;
    let (code, _) = request(
        &addr,
        "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nContent-Type: application/json",
        body,
    );
    assert_eq!(code, 201);
    // SIGKILL: no shutdown, no last commit; the answer came after the write was durable.
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    // The marker is left behind, but the lock died with the process: the folder is usable.
    assert!(s.state().join("serve.json").exists());
    let out = std::process::Command::new(common::STSC)
        .args(["get", "configmap", "kept", "-o", "name", "--state"])
        .arg(s.state())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "configmap/kept\n",
        "{out:?}"
    );
}
