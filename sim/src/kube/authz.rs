//! Authorization as on EKS: members of `system:masters` may do anything
//! (Kubernetes' privileged-group shortcut); otherwise RBAC or one of the
//! caller's EKS access policies (within its scope) must allow the request.

use super::access_policy;
use super::authn::UserInfo;
use super::rbac::RbacSet;
use super::request_info::RequestAttributes;

/// The group that bypasses authorization.
const MASTERS: &str = "system:masters";

/// Whether the user may make the request.
pub fn allowed(user: &UserInfo, request: &RequestAttributes, rbac: &RbacSet) -> bool {
    user.groups.iter().any(|g| g == MASTERS)
        || rbac.allows(&user.username, &user.groups, request)
        || user
            .policies
            .iter()
            .any(|(policy, scope)| access_policy::allows(*policy, scope, request))
}
