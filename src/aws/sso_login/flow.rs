//! Which login flow to use, and why, as a pure function of what the caller
//! knows (flags, profile style, the session's surroundings), so that every
//! rule is a one-line test.
//!
//! The browser flow (authorization code with PKCE) redirects to 127.0.0.1
//! on this machine, so it only works where a browser runs on this machine:
//! not over SSH, not without a display on Linux, not in a container without
//! one. Legacy profiles (no `sso_session`) only have the device-code flow,
//! as in the AWS CLI v2.

/// The two IAM Identity Center login flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Authorization code with PKCE, through a browser on this machine.
    Browser,
    /// Device authorization: a code entered in any browser.
    DeviceCode,
}

/// What the choice depends on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs {
    /// `--use-device-code`.
    pub use_device_code: bool,
    /// The profile has `sso_start_url` without `sso_session`.
    pub legacy: bool,
    /// `SSH_CONNECTION` or `SSH_TTY` is set.
    pub ssh: bool,
    /// Running on Linux (other systems always have a display).
    pub linux: bool,
    /// `DISPLAY` or `WAYLAND_DISPLAY` is set.
    pub display: bool,
    /// Running in a container (`/.dockerenv`, `/run/.containerenv`, a pod).
    pub container: bool,
}

/// The flow, with the reason said to the user.
pub fn choose(i: Inputs) -> (Flow, &'static str) {
    if i.use_device_code {
        return (Flow::DeviceCode, "--use-device-code was given");
    }
    if i.legacy {
        return (
            Flow::DeviceCode,
            "the profile uses legacy settings (sso_start_url without sso_session), which only the device-code flow serves",
        );
    }
    if i.ssh {
        return (
            Flow::DeviceCode,
            "this is an SSH session: a browser on another machine cannot reach this one's 127.0.0.1",
        );
    }
    if i.container && !i.display {
        return (
            Flow::DeviceCode,
            "this runs in a container without a display",
        );
    }
    if i.linux && !i.display {
        return (
            Flow::DeviceCode,
            "there is no display (DISPLAY and WAYLAND_DISPLAY are unset)",
        );
    }
    (
        Flow::Browser,
        "an sso_session profile on a machine with a browser (--use-device-code for the other flow)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DESKTOP: Inputs = Inputs {
        use_device_code: false,
        legacy: false,
        ssh: false,
        linux: true,
        display: true,
        container: false,
    };

    #[test]
    fn flow_choice_rules() {
        let cases: [(&str, Inputs, Flow); 8] = [
            ("linux_desktop_uses_the_browser", DESKTOP, Flow::Browser),
            (
                "mac_without_display_variable_uses_the_browser",
                Inputs {
                    linux: false,
                    display: false,
                    ..DESKTOP
                },
                Flow::Browser,
            ),
            (
                "the_flag_forces_device_code",
                Inputs {
                    use_device_code: true,
                    ..DESKTOP
                },
                Flow::DeviceCode,
            ),
            (
                "legacy_profiles_use_device_code",
                Inputs {
                    legacy: true,
                    ..DESKTOP
                },
                Flow::DeviceCode,
            ),
            (
                "ssh_uses_device_code",
                Inputs {
                    ssh: true,
                    ..DESKTOP
                },
                Flow::DeviceCode,
            ),
            (
                "linux_without_display_uses_device_code",
                Inputs {
                    display: false,
                    ..DESKTOP
                },
                Flow::DeviceCode,
            ),
            (
                "a_container_without_display_uses_device_code",
                Inputs {
                    container: true,
                    display: false,
                    linux: false,
                    ..DESKTOP
                },
                Flow::DeviceCode,
            ),
            (
                "a_container_with_a_display_uses_the_browser",
                Inputs {
                    container: true,
                    ..DESKTOP
                },
                Flow::Browser,
            ),
        ];
        for (name, inputs, want) in cases {
            assert_eq!(choose(inputs).0, want, "{name}");
        }
    }

    #[test]
    fn the_reason_names_what_decided() {
        assert!(
            choose(Inputs {
                ssh: true,
                ..DESKTOP
            })
            .1
            .contains("SSH")
        );
        assert!(
            choose(Inputs {
                display: false,
                ..DESKTOP
            })
            .1
            .contains("DISPLAY")
        );
        assert!(
            choose(Inputs {
                legacy: true,
                ..DESKTOP
            })
            .1
            .contains("sso_session")
        );
    }
}
