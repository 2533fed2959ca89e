//! Waiting for a StatefulSet to roll out on a cluster: `--wait` on apply and scale, and
//! `rollout status`. It reads the set and its claims twice a second (a few small GETs, which a
//! real API server serves from its watch cache), shows progress as pods become ready, and on
//! timeout names the pod or claim that holds the rollout up and why.

use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cli::CliError;
use crate::cluster::{rollout, ApiPath, Cluster};
use crate::k8s::resources;
use crate::runtime::api_server::ApiError;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Show {
    /// On stderr, after an apply or scale: a progress bar on a terminal, plain lines otherwise.
    Progress,
    /// On stdout, each new status line, as `kubectl rollout status` prints them.
    Status,
}

const POLL: Duration = Duration::from_millis(500);

/// Wait until `ns/name` is rolled out; `timeout` zero waits without end.
///
/// # Errors
/// No such set, a cluster error, or the timeout (exit 1,
/// naming what is stuck).
pub(crate) fn rollout(
    c: &Cluster,
    ns: &str,
    name: &str,
    timeout: Duration,
    show: Show,
) -> Result<(), CliError> {
    let deadline = (!timeout.is_zero()).then(|| Instant::now() + timeout);
    let mut display = Display::new(show, name);
    loop {
        let set = get_set(c, ns, name)?;
        let claims = c.list(&resources::PERSISTENT_VOLUME_CLAIM, Some(ns), None, None)?;
        let p = rollout::progress(&set, &claims);
        display.update(&p);
        if p.done {
            display.finish(&p);
            return Ok(());
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            display.abandon();
            let why = stuck(c, ns, &set, &claims)?;
            return Err(CliError::invalid(format!(
                "error: timed out waiting for the condition on statefulsets/{name}: {why}"
            )));
        }
        std::thread::sleep(POLL);
    }
}

fn get_set(c: &Cluster, ns: &str, name: &str) -> Result<Value, CliError> {
    let r = &resources::STATEFUL_SET;
    c.get(&ApiPath::of(r), ns, name)?
        .ok_or_else(|| ApiError::not_found(r, name).into())
}

/// What holds the rollout up: the set's pods (by its selector) and the namespace's events.
fn stuck(c: &Cluster, ns: &str, set: &Value, claims: &[Value]) -> Result<String, CliError> {
    let selector: Vec<String> = set["spec"]["selector"]["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    let pods = c.list(&resources::POD, Some(ns), Some(&selector.join(",")), None)?;
    let events = c.list(&resources::EVENT, Some(ns), None, None)?;
    Ok(rollout::stuck(set, &pods, claims, &events))
}

/// Progress as it changes.
struct Display {
    show: Show,
    /// A progress bar is drawn (stderr is a terminal); made at the first update, when the
    /// number of pods is known.
    tty: bool,
    bar: Option<indicatif::ProgressBar>,
    last: String,
    name: String,
}

impl Display {
    fn new(show: Show, name: &str) -> Display {
        Display {
            show,
            tty: show == Show::Progress && std::io::stderr().is_terminal(),
            bar: None,
            last: String::new(),
            name: name.to_string(),
        }
    }

    /// The bar, made at `ready` so its first frame does not show 0.
    fn bar(&mut self, want: u64, ready: u64) -> &indicatif::ProgressBar {
        let name = &self.name;
        self.bar.get_or_insert_with(|| {
            let template = "{prefix} [{bar:30}] {pos}/{len} ready  {msg}";
            let style = indicatif::ProgressStyle::with_template(template)
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            indicatif::ProgressBar::new(want)
                .with_position(ready)
                .with_style(style.progress_chars("=> "))
                .with_prefix(format!("statefulset/{name}"))
        })
    }

    fn update(&mut self, p: &rollout::Progress) {
        if self.tty {
            let (want, ready) = (p.want.max(0) as u64, p.ready.max(0) as u64);
            let b = self.bar(want, ready);
            b.set_length(want);
            b.set_position(ready);
            b.set_message(p.message.trim_end().to_string());
        } else if p.message != self.last && !p.done {
            self.line(&p.message);
        }
        self.last.clone_from(&p.message);
    }

    fn finish(&mut self, p: &rollout::Progress) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        match self.show {
            Show::Status => self.line(&p.message),
            Show::Progress => {
                let text = format!(
                    "statefulset/{} rolled out: {}/{} pods ready\n",
                    self.name, p.ready, p.want
                );
                crate::cli::emit(&text);
            }
        }
    }

    fn abandon(&mut self) {
        if let Some(b) = self.bar.take() {
            b.abandon();
        }
    }

    fn line(&self, text: &str) {
        match self.show {
            Show::Status => crate::cli::emit(text),
            Show::Progress => eprint!("{text}"),
        }
    }
}
