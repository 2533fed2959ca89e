//! `stsc serve`: the state folder behind a Kubernetes API for kubectl and kube-rs.

use std::net::IpAddr;

use super::{CliError, Outcome, EXIT_OK};
use crate::k8s::version::KubeVersion;

/// `stsc serve` arguments.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The port to listen on (0: any free port).
    #[arg(long, default_value_t = 6443)]
    pub port: u16,
    /// Listen on this address instead of 127.0.0.1 (other machines can then reach the
    /// cluster; they still need the token).
    #[arg(long, value_name = "IP")]
    pub address: Option<IpAddr>,
    /// Serve plain HTTP with no token instead of HTTPS: anyone who can connect can change the
    /// state.
    #[arg(long)]
    pub insecure_plain_http: bool,
    /// Print a line per request on stderr (method, path and query, status code).
    #[arg(long)]
    pub log_requests: bool,
}

/// Serve until Ctrl-C or SIGTERM.
pub(crate) fn run(args: &ServeArgs, state: &std::path::Path, version: KubeVersion) -> Outcome {
    let address = args.address.unwrap_or(IpAddr::from([127, 0, 0, 1]));
    if !address.is_loopback() {
        eprintln!("Warning: listening on {address}: the API is reachable from other machines");
    }
    if args.insecure_plain_http {
        eprintln!("Warning: plain HTTP without a token: anyone who can connect can read and change the state");
    }
    let opts = crate::serve::Options {
        state: state.to_path_buf(),
        address,
        port: args.port,
        plain_http: args.insecure_plain_http,
        version,
        log_requests: args.log_requests,
    };
    crate::serve::run(&opts, |s| {
        let path = s.kubeconfig.display();
        // Through emit: a closed stdout (a parent that read these lines and left) is no
        // reason to stop serving.
        super::emit(&format!(
            "stsc serve: Kubernetes {version} API at {}\nkubeconfig: {path}\nexport KUBECONFIG={path}\n",
            s.url
        ));
    })
    .map_err(|e| CliError::usage(format!("error: {e}")))?;
    Ok(EXIT_OK)
}
