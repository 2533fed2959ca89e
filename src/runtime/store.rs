//! The state folder: one redb database (`state.redb`) holding every object as JSON, and a lock
//! file that serializes commands. Every change is a redb transaction, so a process killed at any
//! moment leaves the last committed state.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use redb::{Database, Durability, ReadableDatabase, TableDefinition};
use serde_json::Value;

/// Version of the on-disk layout this build reads and writes.
pub const FORMAT: u64 = 1;

const OBJECTS: TableDefinition<&str, &[u8]> = TableDefinition::new("objects");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// Where an object lives: resource (plural), namespace (empty when cluster-scoped), name.
/// Ordered as the API server lists: by resource, then namespace, then name, byte-wise.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// Plural resource name.
    pub resource: String,
    /// Namespace, empty for cluster-scoped objects.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl Key {
    /// A key.
    pub fn new(resource: &str, namespace: &str, name: &str) -> Key {
        Key {
            resource: resource.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    fn encode(&self) -> String {
        format!("{}\0{}\0{}", self.resource, self.namespace, self.name)
    }

    fn decode(s: &str) -> Option<Key> {
        let mut it = s.split('\0');
        Some(Key::new(it.next()?, it.next()?, it.next()?))
    }
}

/// Counters kept with the objects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// Last resourceVersion handed out.
    pub resource_version: u64,
    /// Pod IPs handed out.
    pub pod_ips: u64,
    /// Cluster IPs handed out.
    pub cluster_ips: u64,
    /// Load-balancer addresses handed out.
    pub lb_ips: u64,
    /// Seed of object UIDs (random per state folder).
    pub uid_seed: u64,
    /// The resourceVersion at which the controllers last had nothing left to do, and nothing
    /// waited on the clock (0: not known). Any write moves `resource_version` past it, so a
    /// reader that finds the two equal may skip reconciling and load only what it prints.
    pub settled_rv: u64,
    /// The minor Kubernetes version that reconcile simulated.
    pub settled_minor: u64,
}

// Folders written before a key existed read it as 0, which is always safe here.
const META_KEYS: [&str; 7] = [
    "resourceVersion",
    "podIPs",
    "clusterIPs",
    "lbIPs",
    "uidSeed",
    "settledRV",
    "settledMinor",
];

impl Meta {
    fn fields(&self) -> [u64; 7] {
        [
            self.resource_version,
            self.pod_ips,
            self.cluster_ips,
            self.lb_ips,
            self.uid_seed,
            self.settled_rv,
            self.settled_minor,
        ]
    }

    fn from_fields(v: [u64; 7]) -> Meta {
        Meta {
            resource_version: v[0],
            pod_ips: v[1],
            cluster_ips: v[2],
            lb_ips: v[3],
            uid_seed: v[4],
            settled_rv: v[5],
            settled_minor: v[6],
        }
    }
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The folder or its lock file cannot be used.
    #[error("state folder {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The database reported an error.
    #[error("state database {path}: {message}")]
    Db {
        /// The database file.
        path: String,
        /// What redb said.
        message: String,
    },
    /// `stsc serve` holds the folder: other commands go through its API.
    #[error("state folder {path} is being served by `stsc serve` (pid {pid}) at {server}; use kubectl with KUBECONFIG={path}/kubeconfig, or stop the server first")]
    Served {
        /// The folder.
        path: String,
        /// The server's address.
        server: String,
        /// The server's process.
        pid: u64,
    },
    /// The folder was written by a newer stsc.
    #[error("state folder {path} has format {found}, newer than this stsc understands ({FORMAT}); upgrade stsc or use another --state")]
    NewerFormat {
        /// The folder.
        path: String,
        /// The format found.
        found: u64,
    },
    /// An object in the database is not valid JSON.
    #[error("state database {path}: object {key} is corrupt")]
    Corrupt {
        /// The database file.
        path: String,
        /// The object.
        key: String,
    },
}

/// The file `stsc serve` writes into a folder it serves (`{"pid", "server", "kubeconfig"}`):
/// other commands refuse the folder while it is there and the lock is held.
pub const SERVED_MARKER: &str = "serve.json";

/// The server named by a folder's [`SERVED_MARKER`]: its address and pid.
fn served_by(dir: &Path) -> Option<(String, u64)> {
    let text = std::fs::read_to_string(dir.join(SERVED_MARKER)).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    Some((v["server"].as_str()?.to_string(), v["pid"].as_u64()?))
}

/// An open, locked state folder.
pub struct Store {
    db: Database,
    path: PathBuf,
    // Held for the life of the command: other stsc processes wait on it.
    _lock: File,
    /// True when the folder was just created (no format recorded yet).
    pub fresh: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Open (creating if needed) the state folder `dir`, waiting for any other stsc using it.
    ///
    /// # Errors
    /// I/O, a database error, or a folder from a newer format.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let io = |source| StoreError::Io {
            path: dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("lock"))
            .map_err(io)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                // A server holds it for as long as it runs: waiting would never end.
                if let Some((server, pid)) = served_by(dir) {
                    return Err(StoreError::Served {
                        path: dir.display().to_string(),
                        server,
                        pid,
                    });
                }
                lock.lock().map_err(io)?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        let path = dir.join("state.redb");
        let db_err = |e: &dyn std::fmt::Display| StoreError::Db {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        // redb would silently lay a new database over an empty file: a truncated state is
        // reported, never replaced.
        if std::fs::metadata(&path).is_ok_and(|m| m.len() == 0) {
            return Err(db_err(&"the file is empty (zero length), not a stsc state; move it away or delete the folder to start afresh"));
        }
        let db = Database::create(&path).map_err(|e| db_err(&e))?;
        let format = {
            let tx = db.begin_read().map_err(|e| db_err(&e))?;
            match tx.open_table(META) {
                Ok(t) => t.get("format").map_err(|e| db_err(&e))?.map(|v| v.value()),
                Err(redb::TableError::TableDoesNotExist(_)) => None,
                Err(e) => return Err(db_err(&e)),
            }
        };
        if let Some(found) = format.filter(|f| *f > FORMAT) {
            return Err(StoreError::NewerFormat {
                path: dir.display().to_string(),
                found,
            });
        }
        Ok(Store {
            db,
            path,
            _lock: lock,
            fresh: format.is_none(),
        })
    }

    fn err(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Db {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    /// Give back the space of superseded pages (many small commits leave the file larger than
    /// its data). Crash-safe: redb compacts through its own transactions.
    ///
    /// # Errors
    /// A database error.
    pub fn compact(&mut self) -> Result<(), StoreError> {
        while self.db.compact().map_err(|e| self.err(e))? {}
        Ok(())
    }

    /// Every object and the counters.
    ///
    /// # Errors
    /// A database error or a corrupt object.
    pub fn load(&self) -> Result<(BTreeMap<Key, Value>, Meta), StoreError> {
        self.load_where(None)
    }

    /// [`Self::load`] restricted to some resources (plural names): a range scan each, so a
    /// reader of pods never parses the claims, volumes and events.
    ///
    /// # Errors
    /// As [`Self::load`].
    pub fn load_resources(
        &self,
        resources: &[&str],
    ) -> Result<(BTreeMap<Key, Value>, Meta), StoreError> {
        self.load_where(Some(resources))
    }

    fn load_where(
        &self,
        resources: Option<&[&str]>,
    ) -> Result<(BTreeMap<Key, Value>, Meta), StoreError> {
        let tx = self.db.begin_read().map_err(|e| self.err(e))?;
        let mut objects = BTreeMap::new();
        match tx.open_table(OBJECTS) {
            Ok(t) => {
                let ranges: Vec<(String, String)> = match resources {
                    None => vec![(String::new(), "\u{10ffff}".to_string())],
                    Some(rs) => rs
                        .iter()
                        .map(|r| (format!("{r}\0"), format!("{r}\u{1}")))
                        .collect(),
                };
                for (lo, hi) in &ranges {
                    let rows = t
                        .range::<&str>(lo.as_str()..hi.as_str())
                        .map_err(|e| self.err(e))?;
                    for row in rows {
                        let (k, v) = row.map_err(|e| self.err(e))?;
                        let corrupt = || StoreError::Corrupt {
                            path: self.path.display().to_string(),
                            key: k.value().replace('\0', "/"),
                        };
                        let key = Key::decode(k.value()).ok_or_else(corrupt)?;
                        let value: Value =
                            serde_json::from_slice(v.value()).map_err(|_| corrupt())?;
                        objects.insert(key, value);
                    }
                }
            }
            Err(redb::TableError::TableDoesNotExist(_)) => {}
            Err(e) => return Err(self.err(e)),
        }
        let mut meta = Meta::default();
        match tx.open_table(META) {
            Ok(t) => {
                let mut vals = [0u64; 7];
                for (i, k) in META_KEYS.iter().enumerate() {
                    vals[i] = t.get(*k).map_err(|e| self.err(e))?.map_or(0, |v| v.value());
                }
                meta = Meta::from_fields(vals);
            }
            Err(redb::TableError::TableDoesNotExist(_)) => {}
            Err(e) => return Err(self.err(e)),
        }
        Ok((objects, meta))
    }

    /// The counters alone.
    ///
    /// # Errors
    /// As [`Self::load`].
    pub fn meta(&self) -> Result<Meta, StoreError> {
        Ok(self.load_where(Some(&[]))?.1)
    }

    /// Write changed objects (`None`: deleted) and the counters in one durable transaction: on
    /// disk when this returns (a kill rolls back to the last such commit, never to a torn state).
    ///
    /// # Errors
    /// A database error; nothing of this transaction is then visible.
    pub fn commit<'a>(
        &self,
        changes: impl IntoIterator<Item = (&'a Key, Option<&'a Value>)>,
        meta: &Meta,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin_write().map_err(|e| self.err(e))?;
        tx.set_durability(Durability::Immediate)
            .map_err(|e| self.err(e))?;
        {
            let mut objects = tx.open_table(OBJECTS).map_err(|e| self.err(e))?;
            for (k, v) in changes {
                let key = k.encode();
                match v {
                    Some(v) => {
                        let bytes = serde_json::to_vec(v).map_err(|e| self.err(e))?;
                        objects
                            .insert(key.as_str(), bytes.as_slice())
                            .map_err(|e| self.err(e))?;
                    }
                    None => {
                        objects.remove(key.as_str()).map_err(|e| self.err(e))?;
                    }
                }
            }
            let mut m = tx.open_table(META).map_err(|e| self.err(e))?;
            m.insert("format", FORMAT).map_err(|e| self.err(e))?;
            for (k, v) in META_KEYS.iter().zip(meta.fields()) {
                m.insert(*k, v).map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_survive_reopen_and_newer_formats_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            assert!(s.fresh);
            let mut ch = BTreeMap::new();
            ch.insert(
                Key::new("pods", "default", "web-0"),
                Some(json!({"kind": "Pod"})),
            );
            ch.insert(
                Key::new("pods", "default", "web-1"),
                Some(json!({"kind": "Pod"})),
            );
            s.commit(
                ch.iter().map(|(k, v)| (k, v.as_ref())),
                &Meta {
                    resource_version: 7,
                    ..Meta::default()
                },
            )
            .unwrap();
            let gone = Key::new("pods", "default", "web-1");
            s.commit(
                [(&gone, None)],
                &Meta {
                    resource_version: 8,
                    ..Meta::default()
                },
            )
            .unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        assert!(!s.fresh);
        let (objs, meta) = s.load().unwrap();
        assert_eq!(
            objs.keys().map(|k| k.name.as_str()).collect::<Vec<_>>(),
            ["web-0"]
        );
        assert_eq!(meta.resource_version, 8);
        // A folder from a newer stsc.
        {
            let tx = s.db.begin_write().unwrap();
            tx.open_table(META)
                .unwrap()
                .insert("format", FORMAT + 1)
                .unwrap();
            tx.commit().unwrap();
        }
        drop(s);
        let e = Store::open(dir.path()).unwrap_err();
        assert!(matches!(e, StoreError::NewerFormat { found: 2, .. }), "{e}");
    }
}
