//! The domain: what EKS authentication *is*, as pure functions and
//! constants. No I/O here (no files, no environment, no network, no
//! runtime), so every rule is tested from strings, and every other layer
//! may use it: commands -> infrastructure -> domain.
//!
//! Each rule is written once:
//! - [`arn`]: ARNs of IAM principals (parsing, the authenticator's
//!   canonical form, IAM paths, role names, SSO roles, EKS cluster ARNs).
//! - [`partition`]: the AWS partitions (by region) and the STS hosts EKS
//!   accepts, from one table.
//! - [`token`]: the EKS token's fixed facts (prefix, signed header,
//!   lifetime, size limit, X-Amz-Date layout).
//! - [`exec_entry`]: which tool a kubeconfig exec entry runs (`aws`,
//!   `aws-iam-authenticator`, this plugin), for paths of any OS.
//! - [`wildcard`]: IAM's and aws-auth's `*`/`?` matching.
//! - [`sso`]: the command that logs an IAM Identity Center profile in.

pub mod arn;
pub mod exec_entry;
pub mod partition;
pub mod sso;
pub mod token;
pub mod wildcard;

#[cfg(test)]
mod tests {
    /// The domain stays pure and at the bottom: no I/O, no runtime, no
    /// environment, and no other module of the crate.
    #[test]
    fn the_domain_does_no_io_and_uses_nothing_above_it() {
        let files = [
            ("arn.rs", include_str!("arn.rs")),
            ("exec_entry.rs", include_str!("exec_entry.rs")),
            ("partition.rs", include_str!("partition.rs")),
            ("sso.rs", include_str!("sso.rs")),
            ("token.rs", include_str!("token.rs")),
            ("wildcard.rs", include_str!("wildcard.rs")),
        ];
        // Spelled in pieces so that this file does not match itself.
        let banned = [
            ["std", "::fs"],
            ["std", "::env"],
            ["std", "::net"],
            ["std", "::process"],
            ["std", "::io"],
            ["tok", "io"],
            ["reqw", "est"],
            ["hyp", "er"],
            ["aws_", "sdk"],
            ["crate", "::aws"],
            ["crate", "::kube"],
            ["crate", "::why"],
            ["crate", "::token"],
            ["crate", "::platform"],
            ["crate", "::setup"],
            ["crate", "::login"],
            ["crate", "::fsio"],
            ["crate", "::child"],
        ];
        for (name, text) in files {
            for b in banned {
                let b = b.concat();
                assert!(!text.contains(&b), "src/domain/{name} uses {b}");
            }
        }
    }
}
