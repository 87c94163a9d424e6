//! EKS access policies: the managed policies an access entry is associated
//! with, by name and by ARN. Pure.

/// The managed access policies.
pub const NAMES: [&str; 5] = [
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSAdminPolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSViewPolicy",
    "AmazonEKSAdminViewPolicy",
];

/// The policy that makes a principal cluster-admin.
pub const CLUSTER_ADMIN: &str = "AmazonEKSClusterAdminPolicy";

/// What follows the partition in every access policy ARN.
const AFTER_PARTITION: &str = ":eks::aws:cluster-access-policy/";

/// The ARN of the policy `name` in `partition` (`aws`, `aws-cn`, ...).
pub fn arn(partition: &str, name: &str) -> String {
    format!("arn:{partition}{AFTER_PARTITION}{name}")
}

/// The policy name of an access policy ARN of any partition.
pub fn name(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:")?;
    let (_, after) = rest.split_once(AFTER_PARTITION)?;
    (!after.is_empty()).then_some(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_arns_and_names_round_trip_in_every_partition() {
        assert_eq!(
            arn("aws", CLUSTER_ADMIN),
            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
        );
        for partition in ["aws", "aws-cn", "aws-us-gov"] {
            for n in NAMES {
                assert_eq!(name(&arn(partition, n)), Some(n));
            }
        }
        assert_eq!(name("arn:aws:iam::aws:policy/ReadOnlyAccess"), None);
        assert_eq!(name("arn:aws:eks::aws:cluster-access-policy/"), None);
        assert_eq!(name("AmazonEKSViewPolicy"), None);
    }
}
