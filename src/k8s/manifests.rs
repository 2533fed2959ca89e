//! Reading Kubernetes manifests (as `kubectl apply -f` does): multi-document YAML or JSON, with
//! `List` objects flattened into their items.

use serde_json::Value;

use crate::diag::Finding;
use crate::source::SourceFile;
use crate::yaml;

/// Every object of a manifest file, in order. Empty documents are skipped.
///
/// # Errors
/// A YAML error, or a document that is not an object with `apiVersion` and `kind`.
// One error per file, on a cold path: the size of the error does not matter.
#[allow(clippy::result_large_err)]
pub fn parse(src: &SourceFile) -> Result<Vec<Value>, Finding> {
    let docs =
        yaml::load(src).map_err(|e| Finding::error("yaml-syntax", src, e.span, e.message))?;
    let mut out = Vec::new();
    for doc in docs {
        if doc.value.is_null() {
            continue;
        }
        let at = |p: &str| doc.locate(p).value;
        let kind = doc.value.get("kind").and_then(Value::as_str);
        let api = doc.value.get("apiVersion").and_then(Value::as_str);
        match (kind, api) {
            (Some(k), Some(_)) if k.ends_with("List") && doc.value.get("items").is_some() => {
                let Some(items) = doc.value["items"].as_array() else {
                    return Err(Finding::error(
                        "manifest",
                        src,
                        at("/items"),
                        "items: must be a list of objects",
                    ));
                };
                for (i, item) in items.iter().enumerate() {
                    if item.get("kind").and_then(Value::as_str).is_none() {
                        return Err(Finding::error(
                            "manifest",
                            src,
                            at(&format!("/items/{i}")),
                            format!("items[{i}]: Object 'Kind' is missing"),
                        ));
                    }
                    out.push(item.clone());
                }
            }
            (Some(_), Some(_)) => out.push(doc.value),
            (None, _) => {
                return Err(
                    Finding::error("manifest", src, at(""), "Object 'Kind' is missing").with_help(
                        "manifests need apiVersion and kind (write them with `stsc build -o DIR`)",
                    ),
                )
            }
            (Some(_), None) => {
                return Err(Finding::error(
                    "manifest",
                    src,
                    at(""),
                    "Object 'apiVersion' is missing",
                ))
            }
        }
    }
    Ok(out)
}

/// Whether a YAML text looks like manifests (its first object has `apiVersion` and `kind`) rather
/// than stsc specs.
pub fn looks_like_manifests(src: &SourceFile) -> bool {
    yaml::load(src).is_ok_and(|docs| {
        docs.iter()
            .find(|d| !d.value.is_null())
            .is_some_and(|d| d.value.get("kind").is_some() && d.value.get("apiVersion").is_some())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_flatten_and_kindless_documents_fail() {
        let src = SourceFile::new(
            "m.yaml",
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: a}}\n---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n",
        );
        let objs = parse(&src).unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[1]["metadata"]["name"], "b");
        let bad = SourceFile::new("m.yaml", "apiVersion: v1\nmetadata: {}\n");
        let f = parse(&bad).unwrap_err();
        assert_eq!(
            f.headline(),
            "m.yaml:1:1: error[manifest]: Object 'Kind' is missing"
        );
    }
}
