//! AWS partitions as the token checks need them: which partition a region
//! belongs to, and the domains of its STS hosts (regular and dual-stack).

/// An AWS partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partition {
    /// The commercial partition, `aws`.
    Aws,
    /// China, `aws-cn`.
    AwsCn,
    /// GovCloud (US), `aws-us-gov`.
    AwsUsGov,
    /// `aws-iso` (US ISO East/West).
    AwsIso,
    /// `aws-iso-b`.
    AwsIsoB,
    /// `aws-iso-e`.
    AwsIsoE,
    /// `aws-iso-f`.
    AwsIsoF,
}

impl Partition {
    /// The partition a region belongs to. Regions that match no special
    /// prefix are commercial, as the SDK endpoint resolver assumes.
    pub fn of_region(region: &str) -> Partition {
        const PREFIXES: [(&str, Partition); 6] = [
            ("cn-", Partition::AwsCn),
            ("us-gov-", Partition::AwsUsGov),
            ("us-isob-", Partition::AwsIsoB),
            ("us-isof-", Partition::AwsIsoF),
            ("eu-isoe-", Partition::AwsIsoE),
            ("us-iso-", Partition::AwsIso),
        ];
        PREFIXES
            .iter()
            .find(|(prefix, _)| region.starts_with(prefix))
            .map_or(Partition::Aws, |(_, p)| *p)
    }

    /// The partition id used in ARNs.
    pub fn id(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
            Partition::AwsIso => "aws-iso",
            Partition::AwsIsoB => "aws-iso-b",
            Partition::AwsIsoE => "aws-iso-e",
            Partition::AwsIsoF => "aws-iso-f",
        }
    }

    /// The partition named by an ARN's partition field.
    pub fn from_id(id: &str) -> Option<Partition> {
        [
            Partition::Aws,
            Partition::AwsCn,
            Partition::AwsUsGov,
            Partition::AwsIso,
            Partition::AwsIsoB,
            Partition::AwsIsoE,
            Partition::AwsIsoF,
        ]
        .into_iter()
        .find(|p| p.id() == id)
    }

    /// The domain of regional STS hosts: `sts.<region>.<domain>`.
    pub fn domain(self) -> &'static str {
        match self {
            Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
            Partition::AwsCn => "amazonaws.com.cn",
            Partition::AwsIso => "c2s.ic.gov",
            Partition::AwsIsoB => "sc2s.sgov.gov",
            Partition::AwsIsoE => "cloud.adc-e.uk",
            Partition::AwsIsoF => "csp.hci.ic.gov",
        }
    }

    /// The dual-stack domain, where the partition has one.
    pub fn dual_stack_domain(self) -> Option<&'static str> {
        match self {
            Partition::Aws | Partition::AwsUsGov => Some("api.aws"),
            Partition::AwsCn => Some("api.amazonwebservices.com.cn"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_partitions() {
        let cases = [
            ("us-west-2", Partition::Aws),
            ("eu-central-1", Partition::Aws),
            ("cn-north-1", Partition::AwsCn),
            ("us-gov-west-1", Partition::AwsUsGov),
            ("us-iso-east-1", Partition::AwsIso),
            ("us-isob-east-1", Partition::AwsIsoB),
        ];
        for (region, want) in cases {
            assert_eq!(Partition::of_region(region), want, "{region}");
        }
    }
}
