//! Which AWS credentials an exec entry's plugin meets first, read from the
//! entry and the environment kubectl passes on (field guide section 6).
//!
//! kubectl runs the plugin with its own environment plus the entry's `env`
//! (the entry's values win). The SDKs and the AWS CLI then take
//! `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` before a profile named by
//! `AWS_PROFILE`, but not before one named by `--profile`. Pure: no I/O,
//! and only the access key ID is kept, never the secret.

use crate::aws::Env;
use crate::why::evidence::{ExecEntry, ProfileSource, SignerFacts};

/// What the plugin of `entry` sees, with `env` as kubectl's environment.
pub fn facts(entry: &ExecEntry, env: &Env) -> SignerFacts {
    // The entry's value replaces kubectl's, even when empty (then unset).
    let set_by_entry = |k: &str| entry.env.iter().rev().find(|(n, _)| n == k);
    let own = |k: &str| {
        set_by_entry(k)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let seen = |k: &str| match set_by_entry(k) {
        Some(_) => own(k),
        None => env.get(k).filter(|v| !v.is_empty()),
    };
    let from_flag = flag_profile(&entry.args);
    let inherited = set_by_entry("AWS_PROFILE").is_none();
    let (profile, profile_source) = match (from_flag, seen("AWS_PROFILE")) {
        (Some(p), _) => (Some(p), Some(ProfileSource::Flag)),
        (None, Some(p)) if inherited => (Some(p), Some(ProfileSource::Inherited)),
        (None, Some(p)) => (Some(p), Some(ProfileSource::EntryEnv)),
        _ => (None, None),
    };
    let keys = seen("AWS_ACCESS_KEY_ID").zip(seen("AWS_SECRET_ACCESS_KEY"));
    SignerFacts {
        profile,
        profile_source,
        env_keys_in_entry: keys.is_some() && own("AWS_ACCESS_KEY_ID").is_some(),
        env_key_id: keys.map(|(id, _)| id),
    }
}

/// `--profile P` or `--profile=P` in the args.
fn flag_profile(args: &[String]) -> Option<String> {
    args.iter().enumerate().find_map(|(i, a)| match a.as_str() {
        "--profile" => args.get(i + 1).cloned(),
        _ => a.strip_prefix("--profile=").map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(args: &[&str], env: &[(&str, &str)]) -> ExecEntry {
        ExecEntry {
            command: "kubectl-eksauth".into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    const KEYS: [(&str, &str); 2] = [
        ("AWS_ACCESS_KEY_ID", "AKIAOTHER"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
    ];

    #[test]
    fn the_profile_source_and_the_keys_kubectl_passes_on() {
        let shell = Env::from_pairs(&KEYS);
        let f = facts(&entry(&["token"], &[("AWS_PROFILE", "dev")]), &shell);
        assert_eq!(f.profile.as_deref(), Some("dev"));
        assert_eq!(f.profile_source, Some(ProfileSource::EntryEnv));
        assert_eq!(f.env_key_id.as_deref(), Some("AKIAOTHER"));
        assert!(!f.env_keys_in_entry);
        let f = facts(&entry(&["token", "--profile", "dev"], &[]), &shell);
        assert_eq!(f.profile_source, Some(ProfileSource::Flag));
        let f = facts(&entry(&["token", "--profile=dev"], &[]), &shell);
        assert_eq!(f.profile.as_deref(), Some("dev"));
        let mut pairs = KEYS.to_vec();
        pairs.push(("AWS_PROFILE", "ops"));
        let f = facts(&entry(&["token"], &[]), &Env::from_pairs(&pairs));
        assert_eq!(f.profile_source, Some(ProfileSource::Inherited));
        assert_eq!(f.profile.as_deref(), Some("ops"));
    }

    #[test]
    fn keys_count_only_with_both_halves_and_the_entry_env_wins() {
        let half = Env::from_pairs(&[("AWS_ACCESS_KEY_ID", "AKIAHALF")]);
        assert_eq!(facts(&entry(&["token"], &[]), &half).env_key_id, None);
        let f = facts(&entry(&["token"], &KEYS), &half);
        assert_eq!(f.env_key_id.as_deref(), Some("AKIAOTHER"));
        assert!(f.env_keys_in_entry);
        let f = facts(
            &entry(&["token"], &[("AWS_ACCESS_KEY_ID", "")]),
            &Env::from_pairs(&KEYS),
        );
        assert_eq!(f.env_key_id, None, "an empty value in the entry unsets it");
    }
}
