//! JSON Pointers (RFC 6901), the one way stsc names a place in an object or a spec: escaping a
//! token, reading one back, and the dotted path people read in messages (`storage[0].size`,
//! as the API server writes field paths).

use std::borrow::Cow;

/// Escape one token (`~` → `~0`, `/` → `~1`).
pub fn escape(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Read one escaped token back.
pub fn unescape(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// The tokens of a pointer, unescaped (`/a~1b/0` → `a/b`, `0`).
pub fn tokens(pointer: &str) -> impl Iterator<Item = Cow<'_, str>> {
    pointer.split('/').skip(1).map(unescape)
}

/// The pointer's parent and its last token, unescaped (`None` for the root).
pub fn split_last(pointer: &str) -> Option<(&str, Cow<'_, str>)> {
    let i = pointer.rfind('/')?;
    Some((&pointer[..i], unescape(&pointer[i + 1..])))
}

/// The dotted path people read (`storage[0].size`).
///
/// ```
/// use stsc::k8s::pointer::display_path;
/// assert_eq!(display_path("/storage/0/size"), "storage[0].size");
/// assert_eq!(display_path("/metadata/labels/app.kubernetes.io~1name"), "metadata.labels.app.kubernetes.io/name");
/// ```
pub fn display_path(pointer: &str) -> String {
    let mut out = String::new();
    for tok in tokens(pointer) {
        if !tok.is_empty() && tok.bytes().all(|b| b.is_ascii_digit()) {
            out.push('[');
            out.push_str(&tok);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&tok);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        for t in ["plain", "a/b", "x~y", "~1/~0"] {
            assert_eq!(unescape(&escape(t)), t);
        }
        assert_eq!(tokens("/a~1b/0").collect::<Vec<_>>(), ["a/b", "0"]);
        assert_eq!(split_last("/a/b~0c"), Some(("/a", Cow::Borrowed("b~c"))));
        assert_eq!(split_last(""), None);
    }
}
