//! IAM Identity Center (SSO): the commands that log a profile in, as every
//! message that asks for a login names them. (SSO roles' names and paths are
//! ARN facts: [`crate::domain::arn::is_sso_role`].) Pure.

/// The AWS CLI command that logs `profile` in (`aws sso login`, with
/// `--profile` unless it is the default profile).
pub fn login_command(profile: &str) -> String {
    if profile == "default" {
        "aws sso login".to_string()
    } else {
        format!("aws sso login --profile {profile}")
    }
}

/// This plugin's own login command for `profile` (what a failed
/// `kubectl eksauth login` says to rerun).
pub fn eksauth_login_command(profile: &str) -> String {
    if profile == "default" {
        "kubectl eksauth login".to_string()
    } else {
        format!("kubectl eksauth login --profile {profile}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_command_names_the_profile() {
        assert_eq!(login_command("dev"), "aws sso login --profile dev");
        assert_eq!(login_command("default"), "aws sso login");
    }
}
