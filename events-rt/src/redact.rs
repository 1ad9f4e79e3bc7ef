//! URLs as they may be shown: credentials never appear in an error, a log line or `Debug`.

use std::borrow::Cow;

/// `url` with the credentials of its user-info replaced: `redis://user:secret@host` →
/// `redis://user:***@host`, `redis://secret@host` (a password alone) → `redis://***@host`;
/// a `password=` query parameter is replaced too. Several URLs separated by commas (a
/// cluster's nodes) are each redacted. A URL without credentials is returned as it is.
pub fn redact_url(url: &str) -> Cow<'_, str> {
    if url.contains(',') {
        let parts: Vec<Cow<'_, str>> = url.split(',').map(redact_one).collect();
        if parts.iter().all(|p| matches!(p, Cow::Borrowed(_))) {
            return Cow::Borrowed(url);
        }
        return Cow::Owned(parts.join(","));
    }
    redact_one(url)
}

fn redact_one(url: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(url);
    // The authority runs from after `scheme://` to the first `/`, `?` or `#`.
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    if let Some(at) = url[start..end].rfind('@') {
        let userinfo = &url[start..start + at];
        let shown = match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***"),
            None => "***".to_owned(),
        };
        out = Cow::Owned(format!("{}{shown}{}", &url[..start], &url[start + at..]));
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let mut changed = false;
        let params: Vec<String> = query
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _))
                    if k.eq_ignore_ascii_case("password") || k.eq_ignore_ascii_case("pass") =>
                {
                    changed = true;
                    format!("{k}=***")
                }
                _ => p.to_owned(),
            })
            .collect();
        if changed {
            out = Cow::Owned(format!("{head}{}", params.join("&")));
        }
    }
    out
}

/// The password (or lone user-info secret) of each URL in `url`, to scrub from text that
/// may quote it (an error message of a driver).
pub fn url_secrets(url: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in url.split(',') {
        let start = part.find("://").map_or(0, |i| i + 3);
        let end = part[start..]
            .find(['/', '?', '#'])
            .map_or(part.len(), |i| start + i);
        if let Some(at) = part[start..end].rfind('@') {
            let userinfo = &part[start..start + at];
            let secret = userinfo.split_once(':').map_or(userinfo, |(_, p)| p);
            if !secret.is_empty() {
                out.push(secret);
            }
        }
    }
    out
}

/// `text` with every secret of `url` replaced by `***`.
pub fn scrub<'t>(text: &'t str, url: &str) -> Cow<'t, str> {
    let mut out = Cow::Borrowed(text);
    for secret in url_secrets(url) {
        if out.contains(secret) {
            out = Cow::Owned(out.replace(secret, "***"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_replaced_and_the_rest_is_kept() {
        for (url, shown) in [
            ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
            (
                "redis://user:secret@host:6379/2",
                "redis://user:***@host:6379/2",
            ),
            ("redis://:secret@host", "redis://:***@host"),
            ("redis://secret@host", "redis://***@host"),
            ("rediss://u:p%40ss@h/0?x=1", "rediss://u:***@h/0?x=1"),
            (
                "redis://h/0?password=secret&db=1",
                "redis://h/0?password=***&db=1",
            ),
            ("redis://u:a@b@host", "redis://u:***@host"),
            (
                "redis://a:s1@h1:7000,redis://h2:7001,redis://b:s2@h3",
                "redis://a:***@h1:7000,redis://h2:7001,redis://b:***@h3",
            ),
            ("host:6379", "host:6379"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
        assert!(matches!(redact_url("redis://h"), Cow::Borrowed(_)));
    }

    #[test]
    fn secrets_are_scrubbed_from_text() {
        let url = "redis://user:hunter2@host,redis://:other@h2";
        assert_eq!(
            scrub("auth failed for hunter2 and other", url),
            "auth failed for *** and ***"
        );
        assert_eq!(scrub("nothing", "redis://h"), "nothing");
    }
}
