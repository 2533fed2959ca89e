//! HTTP/1.1 for `stsc serve`: the bearer token, the body size limit, the trip to the cluster
//! thread and back, and watch streams. Each watch is its own task reading the hub's broadcast:
//! a slow reader falls behind on its own and is ended with 410 Gone (clients list again and
//! resume); it never holds up the cluster or another client.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt as _, Full, Limited};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use tokio::sync::{broadcast, mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

use super::cluster::{Answer, Command, OwnedRequest, WatchStart};
use super::unix_now;
use crate::k8s::version::KubeVersion;
use crate::runtime::api::handle::{Body, Method, Reply};
use crate::runtime::api::status::status_of;
use crate::runtime::api::watch::{bookmark_line, event_line, expired_line, Encoding};
use crate::runtime::api_server::ApiError;

/// The largest request body (the API server's own limit: 3 MiB).
pub(super) const MAX_BODY: usize = 3 << 20;
/// How long a client may take to send its body.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// A watch without `timeoutSeconds` ends after this long (the API server picks 30–60 min).
const WATCH_TIMEOUT: Duration = Duration::from_secs(1800);
/// How often a watch that allows bookmarks gets one.
const BOOKMARK_EVERY: Duration = Duration::from_secs(60);

/// What every connection shares.
pub(super) struct Shared {
    /// The cluster thread's queue.
    pub commands: std::sync::Mutex<std::sync::mpsc::Sender<Command>>,
    /// The token requests must carry (`None`: no authentication asked for).
    pub token: Option<String>,
    /// The emulated version (for the Tables of watch events).
    pub version: KubeVersion,
    /// Watches open at once.
    pub watches: Arc<Semaphore>,
    /// Print a line per request on stderr.
    pub log: bool,
}

/// A response body: all at once, or a watch's lines as they come.
pub(super) type ResponseBody = BoxBody<Bytes, Infallible>;

/// The lines of one watch, from its task.
struct Lines(mpsc::Receiver<Bytes>);

impl hyper::body::Body for Lines {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|line| line.map(|b| Ok(Frame::data(b))))
    }
}

fn full(code: u16, content_type: &str, body: Vec<u8>) -> hyper::Response<ResponseBody> {
    let mut r = hyper::Response::new(Full::new(Bytes::from(body)).boxed());
    *r.status_mut() = hyper::StatusCode::from_u16(code).unwrap_or(hyper::StatusCode::OK);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r
}

/// An error as a Status reply.
fn status(reason: &'static str, message: &str) -> hyper::Response<ResponseBody> {
    let e = ApiError {
        reason,
        message: message.to_string(),
    };
    let (code, body) = status_of(&e, None);
    full(code, "application/json", body.to_string().into_bytes())
}

fn reply(r: Reply) -> hyper::Response<ResponseBody> {
    let body = match r.body {
        Body::Json(v) => v.to_string().into_bytes(),
        Body::Text(t) => t.as_bytes().to_vec(),
        Body::Bytes(b) => b,
    };
    let mut out = full(r.code, r.content_type, body);
    for w in r.warnings {
        // `299 - "text"`, as the API server words its warnings.
        let text = format!("299 - {:?}", w);
        if let Ok(v) = HeaderValue::from_str(&text) {
            out.headers_mut().append("Warning", v);
        }
    }
    out
}

/// Whether the request may go on without a token: what the API server lets anyone read
/// (`system:public-info-viewer`).
fn public(path: &str) -> bool {
    matches!(path, "/version" | "/healthz" | "/readyz" | "/livez")
}

/// The token matches, compared in constant time.
fn authorized(shared: &Shared, req: &hyper::Request<Incoming>) -> bool {
    let Some(token) = &shared.token else {
        return true;
    };
    let given = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn method(m: &hyper::Method) -> Method {
    match *m {
        hyper::Method::GET | hyper::Method::HEAD => Method::Get,
        hyper::Method::POST => Method::Post,
        hyper::Method::PUT => Method::Put,
        hyper::Method::PATCH => Method::Patch,
        hyper::Method::DELETE => Method::Delete,
        _ => Method::Other,
    }
}

/// Answer one request (and log it when asked).
pub(super) async fn serve(
    shared: Arc<Shared>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<ResponseBody>, Infallible> {
    let line = shared
        .log
        .then(|| format!("{} {}", req.method(), req.uri()));
    let response = answer(shared, req).await;
    if let (Some(line), Ok(r)) = (line, &response) {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{line} {}", r.status().as_u16());
        }
    }
    response
}

async fn answer(
    shared: Arc<Shared>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<ResponseBody>, Infallible> {
    if !public(req.uri().path()) && !authorized(&shared, &req) {
        return Ok(status("Unauthorized", "Unauthorized"));
    }
    let header = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let (accept, content_type) = (header("accept"), header("content-type"));
    let host = header("host").unwrap_or_default();
    let user_agent = header("user-agent");
    let method = method(req.method());
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let body = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(r) => return Ok(r),
    };
    let owned = OwnedRequest {
        method,
        path,
        query,
        accept,
        content_type,
        body,
        host,
        user_agent,
    };
    let (tx, rx) = oneshot::channel();
    let sent = shared
        .commands
        .lock()
        .map(|c| c.send(Command::Request(owned, tx)).is_ok())
        .unwrap_or(false);
    if !sent {
        return Ok(status("ServiceUnavailable", "the server is shutting down"));
    }
    Ok(match rx.await {
        Ok(Answer::Reply(r)) => reply(r),
        Ok(Answer::Watch(w)) => watch(&shared, w),
        Err(_) => status("ServiceUnavailable", "the server is shutting down"),
    })
}

/// The body, up to [`MAX_BODY`], within [`BODY_TIMEOUT`].
async fn read_body(body: Incoming) -> Result<Bytes, hyper::Response<ResponseBody>> {
    let limited = Limited::new(body, MAX_BODY);
    match tokio::time::timeout(BODY_TIMEOUT, limited.collect()).await {
        Err(_) => Err(status("Timeout", "the request body did not arrive in time")),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(status(
            "RequestEntityTooLarge",
            &format!("the request is too large: limit is {MAX_BODY} bytes"),
        )),
        Ok(Err(e)) => Err(status(
            "BadRequest",
            &format!("reading the request body: {e}"),
        )),
        Ok(Ok(c)) => Ok(c.to_bytes()),
    }
}

/// Start streaming a watch; 429 when too many are open.
fn watch(shared: &Shared, w: WatchStart) -> hyper::Response<ResponseBody> {
    let Ok(permit) = shared.watches.clone().try_acquire_owned() else {
        return status(
            "TooManyRequests",
            "too many watches are open; try again later",
        );
    };
    let content_type = if w.request.table {
        "application/json;as=Table;v=v1;g=meta.k8s.io"
    } else {
        "application/json"
    };
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(stream(w, tx, shared.version, permit));
    let mut r = hyper::Response::new(Lines(rx).boxed());
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r
}

/// One watch's task: the initial events, then live ones, bookmarks when allowed, until the
/// timeout, the client leaving, or falling too far behind.
async fn stream(
    mut w: WatchStart,
    tx: mpsc::Sender<Bytes>,
    version: KubeVersion,
    _permit: OwnedSemaphorePermit,
) {
    let r = w.request.resource;
    let p = w.request.params.clone();
    let ns = w.request.namespace.clone();
    let enc = Encoding {
        table: w.request.table,
        version,
    };
    let send = |line: Vec<u8>| tx.send(Bytes::from(line));
    if let Some((asked, oldest)) = w.expired {
        let _ = send(expired_line(asked, oldest)).await;
        return;
    }
    let mut first = true;
    for e in std::mem::take(&mut w.initial) {
        let Some(e) = e.seen_as(r).and_then(|e| e.for_watch(r, ns.as_deref(), &p)) else {
            continue;
        };
        if send(event_line(&e, enc, first, unix_now())).await.is_err() {
            return;
        }
        first = false;
    }
    let mut last = w.resource_version;
    if p.send_initial_events && send(bookmark_line(r, last, true)).await.is_err() {
        return;
    }
    let timeout = p.timeout_seconds.map_or(WATCH_TIMEOUT, Duration::from_secs);
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let mut bookmarks =
        tokio::time::interval_at(tokio::time::Instant::now() + BOOKMARK_EVERY, BOOKMARK_EVERY);
    loop {
        let line = tokio::select! {
            _ = &mut deadline => return,
            _ = tx.closed() => return,
            _ = bookmarks.tick(), if p.bookmarks => bookmark_line(r, last, false),
            e = w.live.recv() => match e {
                Ok(e) if e.resource_version <= w.resource_version => continue,
                Ok(e) => {
                    last = last.max(e.resource_version);
                    let Some(e) = e.seen_as(r).and_then(|e| e.for_watch(r, ns.as_deref(), &p)) else {
                        continue;
                    };
                    let l = event_line(&e, enc, first, unix_now());
                    first = false;
                    l
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Too far behind: the client lists again and resumes.
                    let _ = send(expired_line(last, last)).await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
        };
        if send(line).await.is_err() {
            return;
        }
    }
}
