//! IAM Identity Center (SSO): the command that logs a profile in, as every
//! message that asks for a login names it. (SSO roles' names and paths are
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_command_names_the_profile() {
        assert_eq!(login_command("dev"), "aws sso login --profile dev");
        assert_eq!(login_command("default"), "aws sso login");
    }
}
