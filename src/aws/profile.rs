//! Which AWS profile and region a call uses, read from the shared config
//! files without any network.
//!
//! The AWS CLI's precedence: `--profile`, then `AWS_PROFILE`, then
//! `AWS_DEFAULT_PROFILE`, then `default`; and for the region: `--region`,
//! `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`. The EC2
//! metadata service is never asked for a region: the token path must not
//! stall on it. Credential resolution itself is left to `aws::credentials`.

use crate::aws::Env;
use anyhow::{Context, Result};
use aws_config::profile::{Profile, ProfileSet};
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env as SdkEnv, Fs};
use std::borrow::Cow;

/// The profile this call uses and how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileChoice {
    /// The profile name.
    pub name: String,
    /// True when the user named it (flag or variable), so it must exist.
    pub explicit: bool,
    /// True when it came from `--profile` (which beats environment keys, as in the AWS CLI).
    pub from_flag: bool,
}

/// Picks the profile: flag, `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `default`.
pub fn choose_profile(flag: Option<&str>, env: &Env) -> ProfileChoice {
    if let Some(p) = flag.filter(|p| !p.is_empty()) {
        return ProfileChoice {
            name: p.to_string(),
            explicit: true,
            from_flag: true,
        };
    }
    for var in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"] {
        if let Some(p) = env.get(var) {
            return ProfileChoice {
                name: p,
                explicit: true,
                from_flag: false,
            };
        }
    }
    ProfileChoice {
        name: "default".into(),
        explicit: false,
        from_flag: false,
    }
}

/// The parsed `~/.aws/config` and `~/.aws/credentials` (or their overrides).
#[derive(Debug)]
pub struct Profiles {
    set: ProfileSet,
}

impl Profiles {
    /// Reads the shared config files as the SDK does (`AWS_CONFIG_FILE`,
    /// `AWS_SHARED_CREDENTIALS_FILE` honoured); missing files are empty.
    pub async fn load(profile: &str) -> Result<Self> {
        for (var, rel) in [
            ("AWS_CONFIG_FILE", ".aws/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
        ] {
            let path = std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(std::path::PathBuf::from)
                .or_else(|| crate::platform::home_dir().map(|h| h.join(rel)));
            if let Some(p) = path {
                crate::fsio::check_readable(&p, crate::fsio::CONFIG_LIMIT)
                    .context("could not read the AWS config files")?;
            }
        }
        let set = aws_config::profile::load(
            &Fs::real(),
            &SdkEnv::real(),
            &EnvConfigFiles::default(),
            Some(Cow::Owned(profile.to_string())),
        )
        .await
        .map_err(|e| anyhow::anyhow!("could not read the AWS config files: {e}"))?;
        Ok(Profiles { set })
    }

    /// Wraps an already parsed set (tests).
    #[cfg(test)]
    pub fn from_set(set: ProfileSet) -> Self {
        Profiles { set }
    }

    /// The named profile, if either file defines it.
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.set.get_profile(name)
    }

    /// Every profile name, sorted, for "did you mean" messages.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.set.profiles().map(str::to_string).collect();
        v.sort();
        v
    }

    /// An `[sso-session NAME]` section's property.
    pub fn sso_session_get(&self, session: &str, key: &str) -> Option<String> {
        self.set
            .sso_session(session)
            .and_then(|s| s.get(key))
            .map(str::to_string)
    }
}

/// Where the region came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionChoice {
    /// The region code.
    pub region: String,
    /// What supplied it (`--region`, `AWS_REGION`, `profile "x"`).
    pub source: String,
}

/// Picks the region: flag, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's.
pub fn choose_region(
    flag: Option<&str>,
    env: &Env,
    profile: Option<&Profile>,
) -> Option<RegionChoice> {
    if let Some(r) = flag.filter(|r| !r.is_empty()) {
        return Some(RegionChoice {
            region: r.into(),
            source: "--region".into(),
        });
    }
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(r) = env.get(var) {
            return Some(RegionChoice {
                region: r,
                source: var.into(),
            });
        }
    }
    let p = profile?;
    let r = p.get("region").filter(|r| !r.is_empty())?;
    Some(RegionChoice {
        region: r.into(),
        source: format!("profile {:?}", p.name()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_config::profile::Profile;
    use std::collections::HashMap;

    fn profile_with_region(region: &str) -> Profile {
        let mut props = HashMap::new();
        props.insert(
            "region".to_string(),
            aws_config::profile::Property::new("region".into(), region.into()),
        );
        Profile::new("dev", props)
    }

    #[test]
    fn profile_precedence_flag_then_aws_profile_then_default_profile() {
        let env = Env::from_pairs(&[("AWS_PROFILE", "a"), ("AWS_DEFAULT_PROFILE", "b")]);
        assert_eq!(choose_profile(Some("f"), &env).name, "f");
        assert!(choose_profile(Some("f"), &env).from_flag);
        assert_eq!(choose_profile(None, &env).name, "a");
        let env = Env::from_pairs(&[("AWS_DEFAULT_PROFILE", "b")]);
        assert_eq!(choose_profile(None, &env).name, "b");
        let none = choose_profile(None, &Env::from_pairs(&[]));
        assert_eq!((none.name.as_str(), none.explicit), ("default", false));
    }

    #[test]
    fn region_precedence_flag_env_default_env_profile() {
        let p = profile_with_region("eu-west-1");
        let both = Env::from_pairs(&[
            ("AWS_REGION", "us-east-2"),
            ("AWS_DEFAULT_REGION", "us-west-1"),
        ]);
        let cases: [(&str, Option<&str>, &Env, Option<&str>); 4] = [
            ("flag wins", Some("ap-south-1"), &both, Some("ap-south-1")),
            ("AWS_REGION next", None, &both, Some("us-east-2")),
            (
                "AWS_DEFAULT_REGION next",
                None,
                &Env::from_pairs(&[("AWS_DEFAULT_REGION", "us-west-1")]),
                Some("us-west-1"),
            ),
            (
                "profile last",
                None,
                &Env::from_pairs(&[]),
                Some("eu-west-1"),
            ),
        ];
        for (name, flag, env, want) in cases {
            let got = choose_region(flag, env, Some(&p)).map(|c| c.region);
            assert_eq!(got.as_deref(), want, "{name}");
        }
        assert_eq!(choose_region(None, &Env::from_pairs(&[]), None), None);
    }
}
