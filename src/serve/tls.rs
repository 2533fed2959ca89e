//! What a client needs to trust and reach `stsc serve`: a CA and a server certificate made at
//! each start (rcgen), a random bearer token, and the kubeconfig that holds them, written
//! readable by its owner only.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use serde_json::json;
use tokio_rustls::rustls;

use super::ServeError;

/// The server's certificate chain and key, the CA that signed it, and the token.
pub struct Credentials {
    /// The CA certificate, PEM (what clients trust).
    pub ca_pem: String,
    /// The bearer token every request must carry.
    pub token: String,
    /// The TLS configuration of the listener.
    pub tls: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").finish_non_exhaustive()
    }
}

fn tls_error(e: impl std::fmt::Display) -> ServeError {
    ServeError::Tls(e.to_string())
}

/// A fresh CA, a server certificate for `hosts` (IP addresses and names) signed by it, and a
/// random token.
///
/// # Errors
/// Key generation or signing failed, or the system has no randomness.
pub fn credentials(hosts: &[String]) -> Result<Credentials, ServeError> {
    let ca_key = KeyPair::generate().map_err(tls_error)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(DnType::CommonName, "stsc serve CA");
    let ca_cert = ca.self_signed(&ca_key).map_err(tls_error)?;
    let issuer = Issuer::new(ca, ca_key);
    let server_key = KeyPair::generate().map_err(tls_error)?;
    let mut server = CertificateParams::new(hosts.to_vec()).map_err(tls_error)?;
    server
        .distinguished_name
        .push(DnType::CommonName, "stsc serve");
    let server_cert = server.signed_by(&server_key, &issuer).map_err(tls_error)?;
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into());
    let chain = vec![server_cert.der().clone()];
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(tls_error)?;
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Credentials {
        ca_pem: ca_cert.pem(),
        token: token()?,
        tls: Arc::new(tls),
    })
}

/// 32 random bytes as hex.
fn token() -> Result<String, ServeError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(tls_error)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The kubeconfig of a server at `url` (`https://127.0.0.1:6443`): its CA and token (none for
/// plain HTTP), and one context named `stsc` in namespace `default`.
pub fn kubeconfig(url: &str, ca_pem: Option<&str>, token: Option<&str>) -> String {
    let mut cluster = json!({"server": url});
    if let Some(ca) = ca_pem {
        let data = base64::engine::general_purpose::STANDARD.encode(ca);
        cluster["certificate-authority-data"] = json!(data);
    }
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "stsc", "cluster": cluster}],
        "users": [{"name": "stsc", "user": token.map_or(json!({}), |t| json!({"token": t}))}],
        "contexts": [{"name": "stsc", "context": {"cluster": "stsc", "user": "stsc", "namespace": "default"}}],
        "current-context": "stsc",
        "preferences": {},
    });
    // Through the YAML serializer, so every value is quoted as YAML needs.
    serde_yaml::to_string(&config).unwrap_or_default()
}

/// Write `contents` to `path` readable and writable by its owner only (it holds the token),
/// through a temporary file renamed over it: a reader never sees half of it.
///
/// # Errors
/// The file could not be written.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    // A leftover from a crash may carry other permissions; the mode applies only on creation.
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut f = options.open(&tmp)?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kubeconfig_names_the_server_its_ca_and_the_token() {
        let k = kubeconfig("https://127.0.0.1:6443", Some("PEM"), Some("abc"));
        let v: serde_json::Value = serde_yaml::from_str(&k).unwrap();
        assert_eq!(
            v["clusters"][0]["cluster"]["server"],
            "https://127.0.0.1:6443"
        );
        assert_eq!(
            v["clusters"][0]["cluster"]["certificate-authority-data"],
            "UEVN"
        );
        assert_eq!(v["users"][0]["user"]["token"], "abc");
        assert_eq!(v["current-context"], "stsc");
        let plain: serde_json::Value =
            serde_yaml::from_str(&kubeconfig("http://127.0.0.1:1", None, None)).unwrap();
        assert!(plain["clusters"][0]["cluster"]
            .get("certificate-authority-data")
            .is_none());
        assert_eq!(plain["users"][0]["user"], serde_json::json!({}));
    }

    #[test]
    fn credentials_are_fresh_each_time() {
        let a = credentials(&["127.0.0.1".into(), "localhost".into()]).unwrap();
        let b = credentials(&["127.0.0.1".into()]).unwrap();
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 64);
        assert!(a.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }

    #[cfg(unix)]
    #[test]
    fn the_kubeconfig_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kubeconfig");
        write_private(&p, "x").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
