//! Mapping cases: access entries vs aws-auth, modes, paths, templates.

use std::collections::BTreeMap;

use super::*;
use crate::fixture::{AccessEntry, AccessPolicyAssociation, AuthenticationMode};
use crate::kube::rbac::RbacSet;
use crate::partition::Partition;

const SSO_ROLE_WITH_PATH: &str = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-2/AWSReservedSSO_Admin_0123abcd";
const SSO_ROLE: &str = "arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123abcd";

fn sso_identity() -> Identity {
    Identity {
        arn:
            "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123abcd/alice@example.com"
                .into(),
        canonical_arn: SSO_ROLE.into(),
        account: "111122223333".into(),
        user_id: "AROAEXAMPLE".into(),
        session_name: "alice@example.com".into(),
        access_key_id: "ASIAEXAMPLE".into(),
    }
}

fn cluster(mode: AuthenticationMode, map_roles: &str, entries: Vec<AccessEntry>) -> ClusterState {
    let data = BTreeMap::from([("mapRoles".to_string(), map_roles.to_string())]);
    ClusterState {
        name: "demo".into(),
        region: "us-west-2".into(),
        account_id: "111122223333".into(),
        partition: Partition::Aws,
        status: "ACTIVE".into(),
        kubernetes_version: "1.32".into(),
        mode,
        creator_arn: None,
        access_entries: entries,
        aws_auth: parse_aws_auth(Some(&data)),
        rbac: RbacSet::default(),
        oidc_issuer_id: "0".repeat(32),
        objects: Default::default(),
        pod_identity_associations: vec![],
        addons: vec![],
        endpoint_access: Default::default(),
        custom_resources: vec![],
    }
}

fn map_roles(arn: &str) -> String {
    format!(
        "- rolearn: {arn}\n  username: sso-admin:{{{{SessionName}}}}\n  groups:\n    - system:masters\n"
    )
}

fn entry(arn: &str) -> AccessEntry {
    AccessEntry {
        principal_arn: arn.into(),
        entry_type: "STANDARD".into(),
        username: None,
        kubernetes_groups: vec!["admins".into()],
        access_policies: vec![AccessPolicyAssociation {
            policy: "AmazonEKSViewPolicy".into(),
            scope: AccessScope::Cluster,
        }],
        created_at: None,
        principal_id: None,
    }
}

/// An entry made for the principal with unique ID `id`.
fn entry_for(arn: &str, id: &str) -> AccessEntry {
    AccessEntry {
        principal_id: Some(id.into()),
        ..entry(arn)
    }
}

#[test]
fn the_endpoint_admits_only_public_access_from_its_cidrs() {
    use crate::fixture::EndpointAccess;
    let local: std::net::IpAddr = "127.0.0.1".parse().unwrap();
    let access = |public, cidrs: &[&str]| EndpointAccess {
        public,
        private: true,
        public_cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
    };
    assert!(
        EndpointAccess::default().admits(local),
        "default: public to all"
    );
    assert!(access(true, &["10.0.0.0/8", "127.0.0.0/8"]).admits(local));
    assert!(
        !access(true, &["203.0.113.0/24"]).admits(local),
        "outside the CIDRs"
    );
    assert!(!access(false, &["0.0.0.0/0"]).admits(local), "private only");
}

#[test]
#[rustfmt::skip]
fn mapping_cases() {
    use AuthenticationMode::*;
    let session_arn = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123abcd/alice-example.com";
    let upper = SSO_ROLE.to_uppercase().replace("ARN:AWS:IAM", "arn:aws:iam");
    type Case = (&'static str, ClusterState, Result<(&'static str, MappedBy), ()>);
    let cases: Vec<Case> = vec![
        ("sso_role_mapped_without_path_matches", cluster(ConfigMap, &map_roles(SSO_ROLE), vec![]), Ok(("sso-admin:alice-example.com", MappedBy::MapRoles))),
        ("sso_role_mapped_with_path_is_unmapped", cluster(ConfigMap, &map_roles(SSO_ROLE_WITH_PATH), vec![]), Err(())),
        ("comparison_is_case_insensitive", cluster(ConfigMap, &map_roles(&upper), vec![]), Ok(("sso-admin:alice-example.com", MappedBy::MapRoles))),
        ("mode_api_ignores_aws_auth", cluster(Api, &map_roles(SSO_ROLE), vec![]), Err(())),
        ("access_entry_with_path_matches", cluster(Api, "", vec![entry(SSO_ROLE_WITH_PATH)]), Ok((session_arn, MappedBy::AccessEntry(0)))),
        ("access_entry_wins_over_aws_auth", cluster(ApiAndConfigMap, &map_roles(SSO_ROLE), vec![entry(SSO_ROLE)]), Ok((session_arn, MappedBy::AccessEntry(0)))),
        ("both_modes_fall_back_to_aws_auth", cluster(ApiAndConfigMap, &map_roles(SSO_ROLE), vec![]), Ok(("sso-admin:alice-example.com", MappedBy::MapRoles))),
        ("assumed_role_arn_in_aws_auth_never_matches", cluster(ConfigMap, &map_roles(&sso_identity().arn), vec![]), Err(())),
        ("entry_of_the_same_principal_id_matches", cluster(Api, "", vec![entry_for(SSO_ROLE, "AROAEXAMPLE")]), Ok((session_arn, MappedBy::AccessEntry(0)))),
        ("entry_of_an_earlier_role_never_matches", cluster(Api, "", vec![entry_for(SSO_ROLE, "AROADELETEDROLE")]), Err(())),
        ("entry_of_an_earlier_role_falls_back_to_aws_auth", cluster(ApiAndConfigMap, &map_roles(SSO_ROLE), vec![entry_for(SSO_ROLE, "AROADELETEDROLE")]), Ok(("sso-admin:alice-example.com", MappedBy::MapRoles))),
    ];
    for (name, c, want) in cases {
        let got = map_identity(&sso_identity(), &c);
        let got = got.as_ref().map(|m| (m.username.as_str(), m.by.clone())).map_err(|_| ());
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn map_accounts_maps_to_canonical_arn_without_groups() {
    let data = BTreeMap::from([(
        "mapAccounts".to_string(),
        "- \"111122223333\"\n".to_string(),
    )]);
    let mut c = cluster(AuthenticationMode::ConfigMap, "", vec![]);
    c.aws_auth = parse_aws_auth(Some(&data));
    let m = map_identity(&sso_identity(), &c).unwrap();
    assert_eq!(
        (m.username.as_str(), m.groups.len(), m.by),
        (SSO_ROLE, 0, MappedBy::MapAccounts)
    );
}

#[test]
#[rustfmt::skip]
fn aws_auth_parsing_cases() {
    // (name, mapRoles text, entries kept, errors reported)
    let cases = [
        ("valid_entry", "- rolearn: arn:aws:iam::1:role/a\n  username: a\n", 1, 0),
        ("keys_are_case_insensitive", "- roleARN: arn:aws:iam::1:role/a\n  UserName: a\n", 1, 0),
        ("userarn_under_maproles_is_dropped", "- userarn: arn:aws:iam::1:user/a\n  username: a\n", 0, 1),
        ("not_yaml_drops_section", "- rolearn: [unclosed\n", 0, 1),
        ("not_a_list", "rolearn: arn:aws:iam::1:role/a\n", 0, 1),
        ("groups_as_string_is_dropped_field", "- rolearn: arn:aws:iam::1:role/a\n  groups: system:masters\n", 1, 1),
        ("duplicate_last_one_wins", "- rolearn: arn:aws:iam::1:role/a\n  username: x\n- rolearn: arn:aws:iam::1:role/A\n  username: y\n", 1, 0),
    ];
    for (name, text, entries, errors) in cases {
        let data = BTreeMap::from([("mapRoles".to_string(), text.to_string())]);
        let parsed = parse_aws_auth(Some(&data));
        assert_eq!((parsed.roles.len(), parsed.errors.len()), (entries, errors), "{name}: {:?}", parsed.errors);
    }
}

#[test]
fn template_cases() {
    let id = sso_identity();
    let cases = [
        ("account", "{{AccountID}}", Ok("111122223333")),
        (
            "session_name_replaces_at",
            "{{SessionName}}",
            Ok("alice-example.com"),
        ),
        (
            "session_name_raw",
            "{{SessionNameRaw}}",
            Ok("alice@example.com"),
        ),
        ("access_key", "k:{{AccessKeyID}}", Ok("k:ASIAEXAMPLE")),
        ("ec2_dns_not_simulated", "{{EC2PrivateDNSName}}", Err(())),
    ];
    for (name, template, want) in cases {
        assert_eq!(
            render(template, &id).as_deref().map_err(|_| ()),
            want,
            "{name}"
        );
    }
}
