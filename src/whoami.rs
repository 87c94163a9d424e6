//! `kubectl-eksauth whoami`: who the AWS credentials are, which ARN a
//! cluster must map for them, and the mappings ready to paste.
//!
//! The ARN arithmetic and the rendering are pure (tested from strings); the
//! two AWS calls (STS GetCallerIdentity, IAM GetRole for the role's path)
//! are made by [`run`]. GetRole is optional: without it the path is unknown
//! and said to be so.

use crate::aws::Env;
use crate::aws_session;
use crate::domain::access_policy;
use crate::domain::arn::{self, Arn};
use crate::domain::shell::quote;
use anyhow::{Result, bail};
use serde::Serialize;
use std::io::Write;

/// The command's inputs.
#[derive(Debug, Clone, Default)]
pub struct WhoamiArgs {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub json: bool,
    pub cluster_name: Option<String>,
    pub groups: Vec<String>,
    pub access_policy: String,
}

/// What kind of principal the caller is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    User,
    AssumedRole,
    Root,
    FederatedUser,
}

/// The caller, reduced to what a cluster maps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub kind: Kind,
    pub partition: String,
    pub account: String,
    /// User or role name (no path).
    pub name: String,
    /// The role session name of an assumed role.
    pub session: Option<String>,
    /// The ARN aws-auth must name: a role without its path, a user as is.
    pub principal_arn: String,
}

/// Reduces a GetCallerIdentity ARN to the principal to map.
pub fn principal(arn: &str) -> Result<Principal> {
    let Some(a) = Arn::parse(arn) else {
        bail!("{arn:?} is not an ARN");
    };
    let p = |kind, name: &str, principal_arn: String| Principal {
        kind,
        partition: a.partition.clone(),
        account: a.account.clone(),
        name: name.to_string(),
        session: a.session_name().map(str::to_string),
        principal_arn,
    };
    match (a.kind(), a.name()) {
        (arn::Kind::AssumedRole, Some(role)) => match a.session_role() {
            Some(iam) => Ok(p(Kind::AssumedRole, role, iam)),
            None => bail!("{arn:?} is not a user, assumed-role or root ARN"),
        },
        (arn::Kind::FederatedUser, Some(name)) => Ok(p(Kind::FederatedUser, name, arn.to_string())),
        (arn::Kind::User, Some(name)) => Ok(p(Kind::User, name, arn.to_string())),
        (arn::Kind::Root, _) if a.resource == "root" => Ok(p(Kind::Root, "root", arn.to_string())),
        _ => bail!("{arn:?} is not a user, assumed-role or root ARN"),
    }
}

/// The report, as `-o json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub arn: String,
    pub account: String,
    pub user_id: String,
    pub principal: Principal,
    /// The role's IAM path (`/aws-reserved/sso.amazonaws.com/us-east-2/`) when GetRole told it.
    pub iam_path: Option<String>,
    /// The role ARN with its path (what IAM shows), when known.
    pub iam_arn: Option<String>,
    /// Why the path is unknown (GetRole refused), if it is.
    pub iam_path_note: Option<String>,
    pub sso: bool,
    pub mappings: Mappings,
}

/// Ready-to-paste mappings.
#[derive(Debug, Clone, Serialize)]
pub struct Mappings {
    pub aws_auth_section: &'static str,
    pub aws_auth_entry: String,
    pub eksctl: String,
    pub access_entry: Vec<String>,
}

fn yaml_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// The mappings for `p` (pure). `iam_arn` is the role ARN with path, if known.
pub fn mappings(p: &Principal, iam_arn: Option<&str>, args: &WhoamiArgs, region: &str) -> Mappings {
    let cluster = args
        .cluster_name
        .clone()
        .unwrap_or_else(|| "CLUSTER_NAME".into());
    let role = p.kind == Kind::AssumedRole;
    let username = if role {
        format!("{}:{{{{SessionName}}}}", p.name)
    } else {
        p.name.clone()
    };
    let (section, key) = if role {
        ("mapRoles", "rolearn")
    } else {
        ("mapUsers", "userarn")
    };
    let mut entry = format!(
        "- {key}: {}\n  username: {}\n",
        p.principal_arn,
        yaml_quote(&username)
    );
    if !args.groups.is_empty() {
        entry.push_str("  groups:\n");
        for g in &args.groups {
            entry.push_str(&format!("    - {}\n", yaml_quote(g)));
        }
    }
    let mut eksctl = format!(
        "eksctl create iamidentitymapping --cluster {} --region {region} --arn {} --username {}",
        quote(&cluster),
        p.principal_arn,
        quote(&username)
    );
    for g in &args.groups {
        eksctl.push_str(&format!(" --group {}", quote(g)));
    }
    eksctl.push_str(" --no-duplicate-arns");
    // Access entries take a role ARN with its path; aws-auth never does.
    let entry_arn = iam_arn.unwrap_or(&p.principal_arn);
    let mut create = format!(
        "aws eks create-access-entry --cluster-name {} --region {region} --principal-arn {entry_arn} --type STANDARD",
        quote(&cluster)
    );
    let k8s_groups: Vec<&String> = args
        .groups
        .iter()
        .filter(|g| !g.starts_with("system:"))
        .collect();
    if !k8s_groups.is_empty() {
        create.push_str(" --kubernetes-groups");
        for g in k8s_groups {
            create.push_str(&format!(" {}", quote(g)));
        }
    }
    let associate = format!(
        "aws eks associate-access-policy --cluster-name {} --region {region} --principal-arn {entry_arn} \
         --policy-arn {} --access-scope type=cluster",
        quote(&cluster),
        access_policy::arn(&p.partition, &args.access_policy)
    );
    Mappings {
        aws_auth_section: section,
        aws_auth_entry: entry,
        eksctl,
        access_entry: vec![create, associate],
    }
}

/// The text rendering.
pub fn render_text(r: &Report) -> String {
    let mut s = String::new();
    s.push_str(&format!("caller:        {}\n", r.arn));
    s.push_str(&format!("account:       {}\n", r.account));
    s.push_str(&format!("user id:       {}\n", r.user_id));
    s.push_str(&format!("map this ARN:  {}\n", r.principal.principal_arn));
    match (&r.iam_path, &r.iam_path_note) {
        (Some(path), _) => s.push_str(&format!(
            "IAM path:      {path} (never part of the aws-auth ARN; {})\n",
            r.iam_arn.as_deref().unwrap_or("")
        )),
        (None, Some(note)) => s.push_str(&format!("IAM path:      unknown ({note})\n")),
        _ => {}
    }
    if r.sso {
        s.push_str("               an IAM Identity Center (SSO) role: map it without its /aws-reserved/ path\n");
    }
    if r.principal.kind == Kind::FederatedUser || r.principal.kind == Kind::Root {
        s.push_str("note:          this principal cannot be mapped reliably; use an IAM role\n");
    }
    s.push_str(&format!(
        "\naws-auth (kube-system/aws-auth, data.{}):\n",
        r.mappings.aws_auth_section
    ));
    for l in r.mappings.aws_auth_entry.lines() {
        s.push_str(&format!("  {l}\n"));
    }
    s.push_str(&format!("\neksctl:\n  {}\n", r.mappings.eksctl));
    s.push_str("\naccess entry (authentication mode API or API_AND_CONFIG_MAP):\n");
    for l in &r.mappings.access_entry {
        s.push_str(&format!("  {l}\n"));
    }
    s
}

/// Runs `whoami`.
pub fn run(args: &WhoamiArgs, env: &Env, out: &mut dyn Write) -> Result<()> {
    if !access_policy::NAMES.contains(&args.access_policy.as_str()) {
        bail!(
            "unknown access policy {:?}; one of {}",
            args.access_policy,
            access_policy::NAMES.join(", ")
        );
    }
    let rt = crate::rt::runtime()?;
    let report = rt.block_on(gather(args, env))?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{}", render_text(&report))?;
    }
    Ok(())
}

/// The region STS is asked in when nothing names one (any region answers
/// GetCallerIdentity for the whole partition).
const FALLBACK_REGION: &str = crate::domain::partition::GLOBAL_STS_REGION;

async fn gather(args: &WhoamiArgs, env: &Env) -> Result<Report> {
    let s = aws_session::open(
        args.profile.as_deref(),
        args.region.as_deref(),
        env,
        Some(FALLBACK_REGION),
    )
    .await?;
    let sts = aws_sdk_sts::Client::new(&s.sdk);
    let id = aws_session::bounded(
        "call STS GetCallerIdentity",
        sts.get_caller_identity().send(),
    )
    .await?;
    let arn = id.arn().unwrap_or_default().to_string();
    let p = principal(&arn)?;
    let (mut iam_path, mut iam_arn, mut note) = (None, None, None);
    if p.kind == Kind::AssumedRole {
        let iam = aws_sdk_iam::Client::new(&s.sdk);
        match aws_session::bounded("call IAM GetRole", iam.get_role().role_name(&p.name).send())
            .await
        {
            Ok(r) => {
                if let Some(role) = r.role() {
                    iam_path = Some(role.path().to_string());
                    iam_arn = Some(role.arn().to_string());
                }
            }
            Err(e) => note = Some(format!("{e:#}")),
        }
    }
    let sso = p.name.starts_with(arn::SSO_ROLE_PREFIX)
        || iam_path
            .as_deref()
            .is_some_and(|x| x.contains(arn::SSO_ROLE_PATH_PREFIX));
    let mappings = mappings(&p, iam_arn.as_deref(), args, &s.region);
    Ok(Report {
        schema: "eksauth.whoami/v1",
        account: id.account().unwrap_or_default().to_string(),
        user_id: id.user_id().unwrap_or_default().to_string(),
        arn,
        principal: p,
        iam_path,
        iam_arn,
        iam_path_note: note,
        sso,
        mappings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> WhoamiArgs {
        WhoamiArgs {
            cluster_name: Some("demo".into()),
            access_policy: "AmazonEKSViewPolicy".into(),
            ..Default::default()
        }
    }

    #[test]
    fn assumed_role_maps_to_the_role_without_session() {
        let p = principal("arn:aws:sts::111122223333:assumed-role/Dev/alice").unwrap();
        assert_eq!(p.principal_arn, "arn:aws:iam::111122223333:role/Dev");
        assert_eq!(p.session.as_deref(), Some("alice"));
    }

    #[test]
    fn sso_role_maps_without_its_aws_reserved_path() {
        let p = principal(
            "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123abcd/dev@example.com",
        )
        .unwrap();
        assert_eq!(
            p.principal_arn,
            "arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123abcd"
        );
        let m = mappings(
            &p,
            Some(
                "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_Admin_0123abcd",
            ),
            &args(),
            "us-west-2",
        );
        assert!(
            !m.aws_auth_entry.contains("aws-reserved"),
            "{}",
            m.aws_auth_entry
        );
        assert!(!m.eksctl.contains("aws-reserved"), "{}", m.eksctl);
        assert!(m.access_entry[0].contains("role/aws-reserved/sso.amazonaws.com/"));
    }

    #[test]
    fn user_keeps_its_arn_and_goes_under_map_users() {
        let p = principal("arn:aws:iam::111122223333:user/ops/alice").unwrap();
        assert_eq!(p.principal_arn, "arn:aws:iam::111122223333:user/ops/alice");
        assert_eq!(p.name, "alice");
        let m = mappings(&p, None, &args(), "us-west-2");
        assert_eq!(m.aws_auth_section, "mapUsers");
        assert!(
            m.aws_auth_entry
                .starts_with("- userarn: arn:aws:iam::111122223333:user/ops/alice")
        );
        assert!(m.eksctl.ends_with("--no-duplicate-arns"));
    }

    #[test]
    fn partitions_and_root_and_garbage() {
        let p = principal("arn:aws-cn:sts::1:assumed-role/R/s").unwrap();
        assert_eq!(p.principal_arn, "arn:aws-cn:iam::1:role/R");
        assert_eq!(principal("arn:aws:iam::1:root").unwrap().kind, Kind::Root);
        assert!(principal("nope").is_err());
    }

    #[test]
    fn system_groups_go_to_aws_auth_but_not_to_access_entries() {
        let p = principal("arn:aws:iam::1:user/a").unwrap();
        let mut a = args();
        a.groups = vec!["system:masters".into(), "dev-team".into()];
        let m = mappings(&p, None, &a, "us-west-2");
        assert!(m.aws_auth_entry.contains("\"system:masters\""));
        assert!(m.eksctl.contains("--group system:masters --group dev-team"));
        assert!(m.access_entry[0].ends_with("--kubernetes-groups dev-team"));
    }
}
