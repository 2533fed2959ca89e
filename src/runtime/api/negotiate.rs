//! Content negotiation (`docs/research/kubectl-and-api.md` §4.3): which form an `Accept`
//! header asks for, the first acceptable entry winning, as the API server's negotiator does
//! (`staging/src/k8s.io/apiserver/pkg/endpoints/handlers/negotiation`). Protobuf is never needed
//! by kubectl or kube-rs for what stsc serves; an `Accept` offering nothing else is a 406.

/// The form of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The object or list as JSON.
    Json,
    /// A `meta.k8s.io/v1` Table (kubectl's `get`).
    Table,
    /// Aggregated discovery (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`), for `/api` and
    /// `/apis`.
    AggregatedDiscovery,
}

/// One media range of an `Accept` header: `type/subtype` and its parameters.
fn media_range(entry: &str) -> (String, Vec<(String, String)>) {
    let mut parts = entry.split(';').map(str::trim);
    let media = parts.next().unwrap_or("").to_ascii_lowercase();
    let params = parts
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (media, params)
}

/// The form the first acceptable entry of `accept` asks for; `None` (406) when no entry is
/// acceptable. No header, `*/*` and `application/*` mean JSON.
pub fn negotiate(accept: Option<&str>) -> Option<Form> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(Form::Json);
    };
    accept.split(',').find_map(|entry| {
        let (media, params) = media_range(entry);
        let param = |k: &str| params.iter().find(|(p, _)| p == k).map(|(_, v)| v.as_str());
        if !matches!(media.as_str(), "application/json" | "application/*" | "*/*") {
            return None;
        }
        match (param("as"), param("g"), param("v")) {
            (None, _, _) => Some(Form::Json),
            (Some("Table"), Some("meta.k8s.io"), Some("v1" | "v1beta1")) => Some(Form::Table),
            (Some("APIGroupDiscoveryList"), Some("apidiscovery.k8s.io"), Some("v2")) => {
                Some(Form::AggregatedDiscovery)
            }
            // Forms not served (PartialObjectMetadata, v2beta1 discovery): the next entry.
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectls_accept_headers_pick_their_forms() {
        let table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        let discovery = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(negotiate(Some(table)), Some(Form::Table));
        assert_eq!(negotiate(Some(discovery)), Some(Form::AggregatedDiscovery));
        assert_eq!(negotiate(Some("application/json, */*")), Some(Form::Json));
        assert_eq!(negotiate(None), Some(Form::Json));
        let metadata_first =
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
        assert_eq!(negotiate(Some(metadata_first)), Some(Form::Json));
        assert_eq!(negotiate(Some("application/vnd.kubernetes.protobuf")), None);
    }
}
