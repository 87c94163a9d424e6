//! Whether this machine is an EC2 instance, so that the instance role is
//! asked for only where one can exist and a laptop never waits on
//! 169.254.169.254.
//!
//! Linux says so without a network call: the DMI vendor (`Amazon EC2` on
//! Nitro), the board asset tag (the instance id, `i-...`) or, on the older
//! Xen instances, `/sys/hypervisor/uuid` starting with `ec2`. A Linux
//! machine that shows none of them is not an instance (EC2 Linux always
//! shows one). macOS and Windows have no such file readable without
//! privileges or a subprocess, so there the answer is [`Hardware::Unknown`]:
//! the caller then asks the metadata service last, with a short connect
//! timeout (an instance answers in milliseconds).

use std::io::Read;
use std::path::Path;

/// What the hardware says about being an EC2 instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hardware {
    /// An EC2 instance.
    Ec2,
    /// Known not to be one.
    NotEc2,
    /// Cannot tell without asking the metadata service.
    Unknown,
}

/// The most read from one identification file (they hold one short line).
const MAX_ID_FILE: u64 = 256;

/// This machine's answer.
pub fn ec2_hardware() -> Hardware {
    if !cfg!(target_os = "linux") {
        return Hardware::Unknown;
    }
    linux_hardware(
        read_id(Path::new("/sys/devices/virtual/dmi/id/sys_vendor")).as_deref(),
        read_id(Path::new("/sys/devices/virtual/dmi/id/board_asset_tag")).as_deref(),
        read_id(Path::new("/sys/hypervisor/uuid")).as_deref(),
    )
}

/// The rule for Linux, given the contents of the identification files
/// (None when absent or unreadable).
pub fn linux_hardware(
    sys_vendor: Option<&str>,
    board_asset_tag: Option<&str>,
    hypervisor_uuid: Option<&str>,
) -> Hardware {
    let vendor = sys_vendor.unwrap_or("").trim();
    let asset = board_asset_tag.unwrap_or("").trim();
    let uuid = hypervisor_uuid.unwrap_or("").trim();
    if vendor.contains("Amazon EC2")
        || asset.starts_with("i-")
        || uuid.to_ascii_lowercase().starts_with("ec2")
    {
        Hardware::Ec2
    } else {
        Hardware::NotEc2
    }
}

fn read_id(path: &Path) -> Option<String> {
    let mut s = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_ID_FILE)
        .read_to_string(&mut s)
        .ok()?;
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_ec2_is_told_by_vendor_asset_tag_or_xen_uuid() {
        let cases = [
            (
                "nitro vendor",
                Some("Amazon EC2\n"),
                None,
                None,
                Hardware::Ec2,
            ),
            (
                "nitro asset tag",
                Some("Amazon"),
                Some("i-0123456789abcdef0\n"),
                None,
                Hardware::Ec2,
            ),
            (
                "xen uuid",
                Some("Xen"),
                None,
                Some("EC2e1916-9099-7caf-fd21-012345abcdef"),
                Hardware::Ec2,
            ),
            (
                "laptop",
                Some("LENOVO"),
                Some("No Asset Tag"),
                None,
                Hardware::NotEc2,
            ),
            (
                "other xen",
                Some("Xen"),
                None,
                Some("a1b2c3"),
                Hardware::NotEc2,
            ),
            ("nothing readable", None, None, None, Hardware::NotEc2),
        ];
        for (name, vendor, tag, uuid, want) in cases {
            assert_eq!(linux_hardware(vendor, tag, uuid), want, "{name}");
        }
    }

    #[test]
    fn this_machine_is_answered_without_waiting() {
        let start = std::time::Instant::now();
        let hw = ec2_hardware();
        assert!(start.elapsed() < std::time::Duration::from_millis(500));
        if !cfg!(target_os = "linux") {
            assert_eq!(hw, Hardware::Unknown);
        }
    }
}
