//! Gathering for EKS Pod Identity (`--service-account NS/NAME`): the
//! service account's associations (EKS API, with the exec entry's AWS
//! identity), then at once the agent (the `eks-pod-identity-agent` add-on,
//! else its DaemonSet in kube-system, read as the reader) and each
//! association's role (IAM GetRole). Nothing here judges.

use super::{Budget, Reader};
use crate::aws::{eks, iam};
use crate::kube::objects;
use crate::why::evidence::{AssociationInfo, EksCall, KubeRead, PodIdentityFacts, RoleInfo};

/// The EKS add-on and the DaemonSet of the agent.
pub const AGENT: &str = "eks-pod-identity-agent";

/// The service account `namespace/name` as Pod Identity sees it.
pub(super) async fn read(
    service_account: (&str, &str),
    cluster: Option<&str>,
    sdk: Option<&Result<aws_types::SdkConfig, String>>,
    reader: Option<&Reader>,
    budget: Budget,
) -> PodIdentityFacts {
    let mut facts = PodIdentityFacts {
        associations: EksCall::Ok(vec![]),
        addon: None,
        daemonset: None,
        roles: vec![],
    };
    let sdk = match (sdk, cluster) {
        (Some(Ok(s)), Some(_)) => s,
        (Some(Err(e)), _) => {
            facts.associations =
                EksCall::Failed(format!("no AWS credentials for the EKS API: {e}"));
            return facts;
        }
        _ => {
            facts.associations =
                EksCall::Failed("the EKS cluster name or region is unknown".into());
            return facts;
        }
    };
    let cluster = cluster.unwrap_or_default();
    let client = aws_sdk_eks::Client::new(sdk);
    let (ns, name) = service_account;
    facts.associations = tokio::time::timeout(
        budget.left(),
        eks::pod_identity_associations(&client, cluster, ns, name),
    )
    .await
    .unwrap_or_else(|_| EksCall::Failed("listing Pod Identity associations timed out".into()));
    let associations = match &facts.associations {
        EksCall::Ok(a) if !a.is_empty() => a.clone(),
        _ => return facts,
    };
    let iam = aws_sdk_iam::Client::new(sdk);
    let (agent, roles) = tokio::join!(
        agent(&client, cluster, reader, budget),
        roles(&iam, &associations, budget)
    );
    (facts.addon, facts.daemonset) = agent;
    facts.roles = roles;
    facts
}

/// The add-on's status; the DaemonSet when the add-on API did not say it
/// is installed (not installed, denied, failed).
async fn agent(
    client: &aws_sdk_eks::Client,
    cluster: &str,
    reader: Option<&Reader>,
    budget: Budget,
) -> (Option<EksCall<String>>, Option<KubeRead<bool>>) {
    let addon = tokio::time::timeout(budget.left(), eks::addon_status(client, cluster, AGENT))
        .await
        .unwrap_or_else(|_| EksCall::Failed("DescribeAddon timed out".into()));
    if matches!(addon, EksCall::Ok(_)) {
        return (Some(addon), None);
    }
    let ds = match reader {
        Some((Ok(c), _)) => objects::daemonset_exists(c, "kube-system", AGENT, budget.left()).await,
        Some((Err(e), _)) => KubeRead::Failed(e.clone()),
        None => KubeRead::Failed(
            "the diagnosed identity is not let in, and --admin-context was not given".into(),
        ),
    };
    (Some(addon), Some(ds))
}

/// GetRole of each association's role (once per role).
async fn roles(
    client: &aws_sdk_iam::Client,
    associations: &[AssociationInfo],
    budget: Budget,
) -> Vec<(String, EksCall<RoleInfo>)> {
    let mut out: Vec<(String, EksCall<RoleInfo>)> = Vec::new();
    for a in associations {
        if out.iter().any(|(arn, _)| *arn == a.role_arn) {
            continue;
        }
        let answer = match crate::domain::arn::role_name(&a.role_arn) {
            Some(name) => tokio::time::timeout(budget.left(), iam::get_role(client, name))
                .await
                .unwrap_or_else(|_| EksCall::Failed("GetRole timed out".into())),
            None => EksCall::Failed(format!("{} is not an IAM role ARN", a.role_arn)),
        };
        out.push((a.role_arn.clone(), answer));
    }
    out
}
