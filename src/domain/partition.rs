//! The AWS partitions, in one table: which regions each holds (by the
//! region's prefix) and the DNS domains of its STS hosts. The partition of
//! a region changes the STS host, and so the token; the authenticator
//! accepts a caller ARN only from one of these partitions, and a token only
//! for an STS host of one of them. Pure.

/// One AWS partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// `aws`, `aws-cn`, ...
    pub id: &'static str,
    /// The prefix of its regions' names (None: every other region, `aws`).
    pub region_prefix: Option<&'static str>,
    /// The domain of its regular STS hosts, `sts.REGION.DOMAIN`.
    pub domain: &'static str,
    /// The domain of its dual-stack STS hosts, if it has them.
    pub dual_stack_domain: Option<&'static str>,
}

/// Every partition the authenticator knows, `aws` first.
pub const PARTITIONS: [Partition; 7] = [
    Partition {
        id: "aws",
        region_prefix: None,
        domain: "amazonaws.com",
        dual_stack_domain: Some("api.aws"),
    },
    Partition {
        id: "aws-cn",
        region_prefix: Some("cn-"),
        domain: "amazonaws.com.cn",
        dual_stack_domain: Some("api.amazonwebservices.com.cn"),
    },
    Partition {
        id: "aws-us-gov",
        region_prefix: Some("us-gov-"),
        domain: "amazonaws.com",
        dual_stack_domain: Some("api.aws"),
    },
    Partition {
        id: "aws-iso",
        region_prefix: Some("us-iso-"),
        domain: "c2s.ic.gov",
        dual_stack_domain: None,
    },
    Partition {
        id: "aws-iso-b",
        region_prefix: Some("us-isob-"),
        domain: "sc2s.sgov.gov",
        dual_stack_domain: None,
    },
    Partition {
        id: "aws-iso-e",
        region_prefix: Some("eu-isoe-"),
        domain: "cloud.adc-e.uk",
        dual_stack_domain: None,
    },
    Partition {
        id: "aws-iso-f",
        region_prefix: Some("us-isof-"),
        domain: "csp.hci.ic.gov",
        dual_stack_domain: None,
    },
];

/// The legacy global STS host (partition `aws` only).
pub const GLOBAL_STS_HOST: &str = "sts.amazonaws.com";

/// The region the global STS host stands for, and the one a client signs
/// for when nothing names a region (aws-iam-authenticator's default; any
/// region answers GetCallerIdentity for the whole partition).
pub const GLOBAL_STS_REGION: &str = "us-east-1";

/// True when `id` is one of the partitions (the authenticator refuses a
/// caller ARN of any other).
pub fn is_known(id: &str) -> bool {
    PARTITIONS.iter().any(|p| p.id == id)
}

/// The partition of a region, by its prefix (`aws` for any region no other
/// partition claims): it changes the STS host and so the token.
pub fn partition(region: &str) -> &'static str {
    PARTITIONS
        .iter()
        .find(|p| p.region_prefix.is_some_and(|pre| region.starts_with(pre)))
        .map_or("aws", |p| p.id)
}

/// The partition and region of an STS host EKS accepts: the legacy global
/// `sts.amazonaws.com` (aws only), or `sts[-fips].<region>.<domain>` with
/// the regular or dual-stack domain of the region's partition. A port makes
/// any host invalid (the authenticator compares `host[:port]`).
pub fn sts_host(host: &str) -> Option<(&'static str, String)> {
    if host == GLOBAL_STS_HOST {
        return Some(("aws", GLOBAL_STS_REGION.into()));
    }
    let (first, rest) = host.split_once('.')?;
    if first != "sts" && first != "sts-fips" {
        return None;
    }
    let (region, domain) = rest.split_once('.')?;
    if !is_region(region) {
        return None;
    }
    let id = partition(region);
    let p = PARTITIONS.iter().find(|p| p.id == id)?;
    (domain == p.domain || Some(domain) == p.dual_stack_domain).then(|| (p.id, region.to_string()))
}

/// True when `host` is in the DNS domain of a partition (any AWS host, not
/// only STS): such a host is the real service, which an endpoint override
/// stands in for.
pub fn is_aws_host(host: &str) -> bool {
    PARTITIONS.iter().any(|p| {
        std::iter::once(p.domain)
            .chain(p.dual_stack_domain)
            .any(|d| host.strip_suffix(d).is_some_and(|h| h.ends_with('.')))
    })
}

/// `us-west-2`, `us-gov-west-1`, `eu-isoe-west-1`: lowercase words and a number.
pub fn is_region(s: &str) -> bool {
    let words: Vec<&str> = s.split('-').collect();
    words.len() >= 3
        && words[..words.len() - 1]
            .iter()
            .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
        && words
            .last()
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_hosts_are_those_of_a_partitions_domains() {
        for host in [
            "sts.us-west-2.amazonaws.com",
            "sts.amazonaws.com",
            "sts.cn-north-1.amazonaws.com.cn",
            "sts.us-west-2.api.aws",
            "sts.us-iso-east-1.c2s.ic.gov",
        ] {
            assert!(is_aws_host(host), "{host}");
        }
        for host in [
            "127.0.0.1:5000",
            "amazonaws.com",
            "evilamazonaws.com",
            "sts.example.com",
        ] {
            assert!(!is_aws_host(host), "{host}");
        }
    }

    #[test]
    fn partitions_by_region_prefix() {
        for (r, p) in [
            ("us-west-2", "aws"),
            ("cn-north-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
        ] {
            assert_eq!(partition(r), p, "{r}");
        }
    }

    #[test]
    fn every_partition_is_found_by_its_regions_and_known() {
        for (r, p) in [
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isof-south-1", "aws-iso-f"),
            ("cn-northwest-1", "aws-cn"),
            ("ap-southeast-7", "aws"),
            ("", "aws"),
        ] {
            assert_eq!(partition(r), p, "{r}");
        }
        for p in PARTITIONS {
            assert!(is_known(p.id), "{}", p.id);
        }
        assert!(!is_known("aws-mars"));
        assert!(!is_known(""));
    }

    #[test]
    fn regions_are_words_and_a_number() {
        for (s, want) in [
            ("us-west-2", true),
            ("us-gov-west-1", true),
            ("eu-isoe-west-1", true),
            ("us-west", false),
            ("US-west-2", false),
            ("us--2", false),
            ("us-west-2a", false),
            ("cn", false),
        ] {
            assert_eq!(is_region(s), want, "{s}");
        }
    }

    #[test]
    fn sts_hosts_of_every_partition() {
        let cases = [
            ("sts.amazonaws.com", Some("aws")),
            ("sts.us-east-1.amazonaws.com", Some("aws")),
            ("sts-fips.us-east-2.amazonaws.com", Some("aws")),
            ("sts.eu-west-1.api.aws", Some("aws")),
            ("sts.cn-north-1.amazonaws.com.cn", Some("aws-cn")),
            (
                "sts.cn-northwest-1.api.amazonwebservices.com.cn",
                Some("aws-cn"),
            ),
            ("sts.us-gov-west-1.amazonaws.com", Some("aws-us-gov")),
            ("sts.us-iso-east-1.c2s.ic.gov", Some("aws-iso")),
            ("sts.us-isob-east-1.sc2s.sgov.gov", Some("aws-iso-b")),
            ("sts.eu-isoe-west-1.cloud.adc-e.uk", Some("aws-iso-e")),
            ("sts.us-isof-south-1.csp.hci.ic.gov", Some("aws-iso-f")),
            ("sts.us-west-2.amazonaws.com.cn", None),
            ("sts.us-iso-east-1.amazonaws.com", None),
            ("sts.cn.amazonaws.com", None),
            ("ec2.us-west-2.amazonaws.com", None),
            ("sts.us-west-2.amazonaws.com.evil.com", None),
            ("127.0.0.1:4566", None),
        ];
        for (host, want) in cases {
            assert_eq!(sts_host(host).map(|(p, _)| p), want, "{host}");
        }
        assert_eq!(
            sts_host("sts.amazonaws.com"),
            Some(("aws", "us-east-1".to_string()))
        );
        assert_eq!(
            sts_host("sts-fips.us-gov-east-1.amazonaws.com"),
            Some(("aws-us-gov", "us-gov-east-1".to_string()))
        );
    }
}
