//! Which credentials sign the token: access keys in the environment beat
//! a profile named by `AWS_PROFILE` (field guide section 6).
//!
//! Code: credentials-env-overrides-profile, an error when the identity the
//! keys stand for is not let in, a warning when it is. The fix is
//! `--profile P` in the args (the plugin, like the AWS CLI, then ignores
//! environment keys), or unsetting the keys.

use super::{accepted, caller, cluster_args, rejected, sh};
use crate::why::evidence::{Evidence, ExecKind, ProfileSource};
use crate::why::finding::{Area, Code, Finding, Rule, Severity};
use serde_json::json;

/// The credentials findings about the environment and the profile.
pub fn check(e: &Evidence) -> Vec<Finding> {
    env_overrides_profile(e).into_iter().collect()
}

/// credentials-env-overrides-profile: access keys in the environment win over the profile named by AWS_PROFILE.
pub static CREDENTIALS_ENV_OVERRIDES_PROFILE: Rule = Rule::new(
    "credentials-env-overrides-profile",
    Severity::Error,
    Area::Credentials,
)
.rank(370);

fn env_overrides_profile(e: &Evidence) -> Option<Finding> {
    let s = e.signer.as_ref()?;
    let exec = e.kubeconfig.exec.as_ref()?;
    let source = s.profile_source.filter(|p| *p != ProfileSource::Flag)?;
    let (profile, key_id) = (s.profile.clone()?, s.env_key_id.clone()?);
    if exec.kind == ExecKind::Other || e.request.token_from_flag {
        return None;
    }
    let signer = caller(e).map(|c| c.arn);
    let let_in = accepted(e);
    let keys_from = match s.env_keys_in_entry {
        true => "the entry's own env",
        false => "the environment kubectl passes on",
    };
    let who = match &signer {
        Some(arn) => format!("so the token is signed by {arn}, not by profile {profile}"),
        None => format!("so the token is signed with those keys, not with profile {profile}"),
    };
    let outcome = match (let_in, rejected(e)) {
        (true, _) => {
            " The cluster lets that identity in all the same, but it is not the one the entry names."
        }
        (false, true) => " The cluster refuses that identity.",
        (false, false) => "",
    };
    Some(
        Finding::new(
            Code::CredentialsEnvOverridesProfile,
            format!("Access keys in the environment win over profile {profile}"),
        )
        .severity(if let_in {
            Severity::Warning
        } else {
            Severity::Error
        })
        .detail(format!(
            "The exec entry names profile {profile} through {}, but AWS_ACCESS_KEY_ID ({key_id}) \
             and AWS_SECRET_ACCESS_KEY are set in {keys_from}, and the AWS SDKs and the AWS CLI \
             take environment keys before a profile named by AWS_PROFILE, {who}.{outcome}",
            source.describe()
        ))
        .remedy(remedy(e, &profile, s.env_keys_in_entry))
        .evidence(
            json!({"profile": profile, "profile_source": format!("{source:?}"),
            "env_access_key_id": key_id, "keys_in_entry_env": s.env_keys_in_entry,
            "signed_by": signer, "let_in": let_in}),
        ),
    )
}

/// `--profile P` in the args, or the keys unset.
fn remedy(e: &Evidence, profile: &str, keys_in_entry: bool) -> String {
    let setup = format!(
        "kubectl eksauth setup {} --profile {}",
        cluster_args(e),
        sh(profile)
    );
    let unset = match keys_in_entry {
        true => "remove AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the entry's env",
        false => {
            "unset the keys in the shell that runs kubectl:\n\
             unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN"
        }
    };
    format!(
        "Name the profile with --profile in the entry's args, which wins over environment keys \
         (setup writes it so):\n{setup}\nor, to sign with the profile, {unset}"
    )
}

#[cfg(test)]
mod tests {
    use crate::why::checks::fixtures::*;
    use crate::why::checks::run_all;
    use crate::why::evidence::{ProfileSource, Review, SignerFacts, StsAnswer};
    use crate::why::finding::{Code, Severity};

    /// The healthy fixture, but with keys of user/other in the shell and
    /// the entry naming profile dev through `source`.
    fn shadowed(source: ProfileSource) -> crate::why::evidence::Evidence {
        let mut e = healthy();
        e.signer = Some(SignerFacts {
            profile: Some("dev".into()),
            profile_source: Some(source),
            env_key_id: Some("AKIAOTHEREXAMPLE".into()),
            env_keys_in_entry: false,
        });
        e
    }

    fn refused(e: &mut crate::why::evidence::Evidence) {
        e.sts.as_mut().unwrap().answer = StsAnswer::Caller {
            arn: "arn:aws:iam::111122223333:user/other".into(),
            account: "111122223333".into(),
            user_id: "AIDAOTHER".into(),
        };
        e.eks.as_mut().unwrap().access_entry = Some(crate::why::evidence::EksCall::Ok(None));
        e.server.as_mut().unwrap().review = Some(Review::Unauthorized);
    }

    #[test]
    fn env_keys_over_aws_profile_is_an_error_when_refused() {
        let mut e = shadowed(ProfileSource::EntryEnv);
        refused(&mut e);
        let f = expect(
            &e,
            Code::CredentialsEnvOverridesProfile,
            Severity::Error,
            "credentials-env-overrides-profile",
        );
        assert!(
            f.detail.contains("arn:aws:iam::111122223333:user/other"),
            "{}",
            f.detail
        );
        assert!(f.detail.contains("AKIAOTHEREXAMPLE") && f.detail.contains("refuses"));
        assert!(
            f.remedy.contains(
                "kubectl eksauth setup --cluster-name demo --region us-west-2 --profile dev"
            ),
            "{}",
            f.remedy
        );
        assert!(f.remedy.contains("unset AWS_ACCESS_KEY_ID"));
    }

    #[test]
    fn env_keys_over_aws_profile_is_a_warning_when_let_in() {
        let e = shadowed(ProfileSource::Inherited);
        let f = expect(
            &e,
            Code::CredentialsEnvOverridesProfile,
            Severity::Warning,
            "ok",
        );
        assert!(f.detail.contains("inherited") && f.detail.contains("all the same"));
    }

    #[test]
    fn a_profile_given_by_flag_beats_the_keys() {
        let e = shadowed(ProfileSource::Flag);
        assert!(
            run_all(&e)
                .iter()
                .all(|f| f.code != Code::CredentialsEnvOverridesProfile)
        );
        let mut e = shadowed(ProfileSource::EntryEnv);
        e.signer.as_mut().unwrap().env_key_id = None;
        assert!(
            run_all(&e)
                .iter()
                .all(|f| f.code != Code::CredentialsEnvOverridesProfile)
        );
    }
}
