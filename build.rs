//! Indexes the bundled Kubernetes schemas ahead of time.
//!
//! For every supported version, the byte ranges of each definition (`$defs`) and kind schema
//! (`kinds`) in `schemas/k8s/v1.N.json`, sorted by name, so that start-up finds a definition
//! by binary search instead of scanning the whole bundle (a third of a one-spec `stsc check`),
//! and the bundles themselves, one a version of `src/k8s/supported.rs`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::value::RawValue;

include!("src/k8s/supported.rs");

/// `(name start, name end, value start, value end)` of every entry of `map`, as offsets in `text`.
fn ranges(text: &str, map: &BTreeMap<&str, &RawValue>) -> Vec<[u32; 4]> {
    let at = |s: &str| {
        let off = s.as_ptr() as usize - text.as_ptr() as usize;
        u32::try_from(off).expect("bundle under 4 GiB")
    };
    map.iter()
        .map(|(k, v)| {
            let (ks, vs) = (at(k), at(v.get()));
            let len = |s: &str| u32::try_from(s.len()).expect("bundle under 4 GiB");
            [ks, ks + len(k), vs, vs + len(v.get())]
        })
        .collect()
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/k8s/supported.rs");
    let mut code = String::new();
    let (mut defs, mut kinds, mut texts) = (String::new(), String::new(), String::new());
    for minor in SUPPORTED_MINORS.0..=SUPPORTED_MINORS.1 {
        let path = format!("schemas/k8s/v1.{minor}.json");
        // Resolved when the crate compiles, not here: cargo may reuse this output for a copy of
        // the package elsewhere (pre-commit builds one in its cache), and a path written now
        // would point into that copy.
        let _ = write!(
            texts,
            "include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {:?})),",
            format!("/{path}")
        );
        println!("cargo:rerun-if-changed={path}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let top: BTreeMap<&str, &RawValue> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let section = |name: &str| -> BTreeMap<&str, &RawValue> {
            let raw = top.get(name).unwrap_or_else(|| panic!("{path}: no {name}"));
            serde_json::from_str(raw.get()).unwrap_or_else(|e| panic!("{path}: {name}: {e}"))
        };
        for (out, name) in [(&mut defs, "$defs"), (&mut kinds, "kinds")] {
            let _ = write!(out, "&{:?},", ranges(&text, &section(name)));
        }
    }
    let _ = writeln!(
        code,
        "/// `$defs` of each version, `[name start, name end, value start, value end]`, by name.\n\
         pub static DEFS: &[&[[u32; 4]]] = &[{defs}];\n\
         /// `kinds` of each version, in the same form.\n\
         pub static KINDS: &[&[[u32; 4]]] = &[{kinds}];\n\
         /// The bundle of each version, oldest first.\n\
         pub static TEXTS: &[&str] = &[{texts}];"
    );
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("schema_index.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
