//! `stsc serve`: the embedded runtime behind a Kubernetes API, so the real kubectl and kube-rs
//! work against a state folder. HTTPS on loopback with a CA and certificate made at start, a
//! bearer token, and a kubeconfig for both (`tls`); one thread owns the cluster and runs the
//! controllers as objects change (`cluster`); HTTP and watch streams are tasks on a small
//! tokio runtime (`http`). What each request means is decided by the pure
//! [`crate::runtime::api::handle`].

mod cluster;
mod http;
pub mod tls;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::k8s::version::KubeVersion;
use crate::runtime::session::Session;
use crate::runtime::store::{StoreError, SERVED_MARKER};

/// Connections open at once; more wait to be accepted.
pub const MAX_CONNECTIONS: usize = 256;
/// Watches open at once; more are refused with 429.
pub const MAX_WATCHES: usize = 128;
/// How long a client may take to finish the TLS handshake and send its headers.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How to serve.
#[derive(Debug, Clone)]
pub struct Options {
    /// The state folder.
    pub state: PathBuf,
    /// The address to listen on (loopback unless the user says otherwise).
    pub address: IpAddr,
    /// The port (0: any free one).
    pub port: u16,
    /// Plain HTTP with no token (an explicit choice).
    pub plain_http: bool,
    /// The emulated Kubernetes version.
    pub version: KubeVersion,
    /// Print a line per request on stderr.
    pub log_requests: bool,
}

/// Where the server listens, for the caller to tell the user.
#[derive(Debug, Clone)]
pub struct Started {
    /// `https://127.0.0.1:6443`.
    pub url: String,
    /// The kubeconfig written for it.
    pub kubeconfig: PathBuf,
}

/// Why serving failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The state folder.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A file could not be written, or the runtime could not start.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// Certificates could not be made.
    #[error("cannot make the server's certificates: {0}")]
    Tls(String),
}

/// Serve `opts.state` until Ctrl-C or SIGTERM. `started` is called once the server listens and
/// the kubeconfig is written.
///
/// # Errors
/// The state folder cannot be opened, the address bound, or a commit failed.
pub fn run(opts: &Options, started: impl FnOnce(&Started)) -> Result<(), ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| ServeError::Io {
            what: "starting the server's runtime".into(),
            source,
        })?;
    rt.block_on(serve(opts, started))
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServeError {
    let what = what.into();
    move |source| ServeError::Io { what, source }
}

/// Now, in seconds since the epoch (the clock of the cluster and of watch tables' AGE).
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

async fn serve(opts: &Options, started: impl FnOnce(&Started)) -> Result<(), ServeError> {
    let mut session = Session::open(&opts.state, unix_now(), opts.version, None)?;
    add_built_in_namespaces(&mut session)?;
    let (listener, url) = listen(opts).await?;
    let credentials = if opts.plain_http {
        None
    } else {
        Some(tls::credentials(&hosts(&url))?)
    };
    let token = credentials.as_ref().map(|c| c.token.clone());
    let (kubeconfig, marker) = write_files(opts, &url, credentials.as_ref())?;

    let (commands, inbox) = std::sync::mpsc::channel();
    let owner = std::thread::Builder::new()
        .name("stsc-cluster".into())
        .spawn(move || cluster::run(session, inbox))
        .map_err(io("starting the cluster thread"))?;
    let shared = Arc::new(http::Shared {
        commands: std::sync::Mutex::new(commands.clone()),
        token,
        version: opts.version,
        watches: Arc::new(Semaphore::new(MAX_WATCHES)),
        log: opts.log_requests,
    });
    started(&Started { url, kubeconfig });
    let tls = credentials.map(|c| tokio_rustls::TlsAcceptor::from(c.tls));
    accept(listener, tls, shared).await;
    // Stop: the cluster thread answers what it was asked, commits, and ends.
    let _ = commands.send(cluster::Command::Stop);
    let result = owner.join().unwrap_or_else(|_| {
        Err(StoreError::Io {
            path: opts.state.display().to_string(),
            source: std::io::Error::other("the cluster thread panicked"),
        })
    });
    let _ = std::fs::remove_file(&marker);
    result.map_err(ServeError::from)
}

/// Bind the address; the listener and the URL clients reach it at.
async fn listen(opts: &Options) -> Result<(TcpListener, String), ServeError> {
    let address = SocketAddr::new(opts.address, opts.port);
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| ServeError::Bind { address, source })?;
    let bound = listener
        .local_addr()
        .map_err(io("reading the bound address"))?;
    let host = match bound.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        ip => ip.to_string(),
    };
    let scheme = if opts.plain_http { "http" } else { "https" };
    Ok((listener, format!("{scheme}://{host}:{}", bound.port())))
}

/// The names the server certificate is for: the URL's host, and loopback's.
fn hosts(url: &str) -> Vec<String> {
    let host = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.rsplit_once(':'))
        .map_or("127.0.0.1", |(h, _)| h);
    let mut hosts = vec![host.to_string()];
    for h in ["localhost", "127.0.0.1"] {
        if !hosts.iter().any(|x| x == h) {
            hosts.push(h.to_string());
        }
    }
    hosts
}

/// Write the kubeconfig and the marker that tells other stsc commands the folder is served;
/// their paths.
fn write_files(
    opts: &Options,
    url: &str,
    credentials: Option<&tls::Credentials>,
) -> Result<(PathBuf, PathBuf), ServeError> {
    let kubeconfig = opts.state.join("kubeconfig");
    let text = tls::kubeconfig(
        url,
        credentials.map(|c| c.ca_pem.as_str()),
        credentials.map(|c| c.token.as_str()),
    );
    tls::write_private(&kubeconfig, &text)
        .map_err(io(format!("writing {}", kubeconfig.display())))?;
    let marker = opts.state.join(SERVED_MARKER);
    let note =
        serde_json::json!({"pid": std::process::id(), "server": url, "kubeconfig": kubeconfig});
    tls::write_private(&marker, &note.to_string())
        .map_err(io(format!("writing {}", marker.display())))?;
    Ok((kubeconfig, marker))
}

/// The namespaces every cluster lists (`kubectl get ns`): the CLI needs no objects for them,
/// API clients expect to find them.
fn add_built_in_namespaces(session: &mut Session) -> Result<(), StoreError> {
    use crate::k8s::resources::{BUILT_IN_NAMESPACES, NAMESPACE};
    for ns in BUILT_IN_NAMESPACES {
        if session.api.get(&NAMESPACE, "", ns).is_none() {
            let o = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            // A built-in name is always valid.
            let _ = session.api.create(o);
        }
    }
    session.commit()
}

/// Accept connections until Ctrl-C or SIGTERM.
async fn accept(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<http::Shared>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let stop = shutdown_signal();
    tokio::pin!(stop);
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let (tcp, _) = tokio::select! {
            _ = &mut stop => return,
            conn = listener.accept() => match conn {
                Ok(c) => c,
                // Out of file descriptors and the like: try again shortly.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let shared = shared.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| http::serve(shared.clone(), req));
            let builder = {
                let mut b = hyper::server::conn::http1::Builder::new();
                b.timer(TokioTimer::new())
                    .header_read_timeout(HANDSHAKE_TIMEOUT);
                b
            };
            match tls {
                Some(acceptor) => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
                    else {
                        return;
                    };
                    let _ = builder
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                }
                None => {
                    let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
                }
            }
            drop(permit);
        });
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
