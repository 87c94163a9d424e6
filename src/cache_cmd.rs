//! `kubectl-eksauth cache list|clear`: what the token cache holds, and
//! emptying it. Listing shows what each token is for (cluster, region,
//! identity) and until when; never the token. The cache itself is
//! `crate::cache`'s; this module only reads its entries and removes files.

use crate::aws::Env;
use crate::cache::{Entry, TokenCache};
use anyhow::{Context, Result};
use std::io::Write;
use time::OffsetDateTime;

/// The cache directory this environment uses.
pub fn cache(env: &Env) -> Result<TokenCache> {
    TokenCache::default_dir(
        env.get("KUBECACHEDIR").as_deref(),
        crate::platform::home_dir().as_deref(),
    )
    .map(TokenCache::new)
    .context("no cache directory: set HOME or KUBECACHEDIR")
}

/// Who a token speaks for, from its key (never a secret).
pub fn identity(e: &Entry) -> String {
    let k = &e.key.0;
    let mut parts = vec![];
    if let Some(r) = k.get("role_arn") {
        parts.push(format!("role {r}"));
    }
    if let Some(a) = k.get("env_access_key_id") {
        parts.push(format!("key {a}"));
    }
    if let Some(r) = k.get("web_identity_role") {
        parts.push(format!("web identity {r}"));
    }
    if let Some(p) = k.get("profile") {
        parts.push(format!("profile {p}"));
    }
    parts.join(", ")
}

/// The listing as text lines (pure).
pub fn render(entries: &[Entry], now: OffsetDateTime) -> String {
    if entries.is_empty() {
        return "no cached tokens\n".into();
    }
    let mut rows: Vec<[String; 4]> = entries
        .iter()
        .map(|e| {
            let k = &e.key.0;
            let cluster = match k.get("cluster_id") {
                Some(id) => format!(
                    "{} (id {id})",
                    k.get("cluster").cloned().unwrap_or_default()
                ),
                None => k.get("cluster").cloned().unwrap_or_default(),
            };
            let left = e.expires_at() - now;
            let until = crate::exec_credential::format_timestamp(e.expires_at());
            let state = if left.is_positive() {
                format!(
                    "{until} ({}m{:02}s left)",
                    left.whole_minutes(),
                    left.whole_seconds() % 60
                )
            } else {
                format!("{until} (expired)")
            };
            [
                cluster,
                k.get("region").cloned().unwrap_or_default(),
                identity(e),
                state,
            ]
        })
        .collect();
    rows.sort();
    let head = ["CLUSTER", "REGION", "IDENTITY", "EXPIRES"].map(String::from);
    let all: Vec<&[String; 4]> = std::iter::once(&head).chain(rows.iter()).collect();
    let w: Vec<usize> = (0..4)
        .map(|i| all.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    all.iter()
        .map(|r| {
            format!(
                "{:w0$}  {:w1$}  {:w2$}  {}\n",
                r[0],
                r[1],
                r[2],
                r[3],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2]
            )
        })
        .collect()
}

/// `cache list`.
pub fn list(env: &Env, out: &mut dyn Write) -> Result<()> {
    let c = cache(env)?;
    write!(out, "{}", render(&c.entries(), OffsetDateTime::now_utc()))?;
    Ok(())
}

/// `cache clear`: removes every token and lock file of the cache directory.
pub fn clear(env: &Env, out: &mut dyn Write) -> Result<()> {
    let c = cache(env)?;
    let removed = c.clear()?;
    writeln!(
        out,
        "removed {removed} cached token(s) from {}",
        c.dir().display()
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::CacheKey;
    use crate::secret::Secret;
    use time::macros::datetime;

    #[test]
    fn list_shows_cluster_identity_and_expiry_never_the_token() {
        let now = datetime!(2026-01-01 00:00:00 UTC);
        let key = CacheKey::default()
            .with("cluster", Some("demo"))
            .with("region", Some("us-west-2"))
            .with("profile", Some("dev"))
            .with("role_arn", Some("arn:aws:iam::1:role/r"));
        let e = Entry::new(
            key,
            Secret::new("k8s-aws-v1.SECRET"),
            now + time::Duration::minutes(14),
            Default::default(),
        );
        let text = render(&[e], now);
        assert!(
            text.contains("demo") && text.contains("us-west-2"),
            "{text}"
        );
        assert!(
            text.contains("role arn:aws:iam::1:role/r, profile dev"),
            "{text}"
        );
        assert!(
            text.contains("2026-01-01T00:14:00Z (14m00s left)"),
            "{text}"
        );
        assert!(!text.contains("SECRET"));
    }
}
