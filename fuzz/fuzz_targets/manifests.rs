//! Any bytes as a manifest file (`--against`, and later `apply -f`): parse, default, compare.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stsc::{k8s, source::SourceFile, KubeVersion};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let src = SourceFile::new("fuzz.yaml", text);
    if let Ok(objects) = stsc::k8s::manifests::parse(&src) {
        for o in &objects {
            let mut d = o.clone();
            k8s::defaults::apply(&mut d, KubeVersion::NEWEST);
            let _ = k8s::update::statefulset_forbidden_changes(o, &d, KubeVersion::NEWEST);
            let _ = k8s::update::service_changes(o, &d);
        }
    }
});
