//! The krew manifest: its structure (as krew's validation requires it) and
//! that every platform installs the binary of its own OS and architecture.

mod common;
use common::repo_file;
use serde_json::Value;

fn manifest() -> Value {
    let text = repo_file("krew/eksauth.yaml");
    serde_saphyr::from_str(&text).unwrap()
}

/// The target triple's words for each krew OS and architecture.
fn triple_words(os: &str, arch: &str) -> (&'static str, &'static str) {
    let o = match os {
        "linux" => "linux",
        "darwin" => "apple-darwin",
        "windows" => "windows",
        other => panic!("unexpected os {other}"),
    };
    let a = match arch {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        other => panic!("unexpected arch {other}"),
    };
    (o, a)
}

#[test]
fn krew_manifest_has_the_plugin_fields_krew_requires() {
    let m = manifest();
    assert_eq!(
        m["apiVersion"],
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(m["kind"], "Plugin");
    assert_eq!(m["metadata"]["name"], "eksauth");
    let spec = &m["spec"];
    assert_eq!(
        spec["version"],
        format!("v{}", env!("CARGO_PKG_VERSION")),
        "the manifest's version is the crate's"
    );
    assert!(spec["homepage"].as_str().unwrap().starts_with("https://"));
    let short = spec["shortDescription"].as_str().unwrap();
    assert!(
        !short.is_empty() && short.len() <= 80,
        "krew keeps it to one short line"
    );
    assert!(spec["description"].as_str().unwrap().len() > short.len());
    assert!(
        spec["caveats"]
            .as_str()
            .unwrap()
            .contains("kubectl eksauth setup")
    );
}

#[test]
fn every_platform_names_the_right_binary_and_archive() {
    let m = manifest();
    let platforms = m["spec"]["platforms"].as_array().unwrap();
    let mut seen = vec![];
    for p in platforms {
        let labels = &p["selector"]["matchLabels"];
        let (os, arch) = (
            labels["os"].as_str().unwrap(),
            labels["arch"].as_str().unwrap(),
        );
        seen.push(format!("{os}/{arch}"));
        let want_bin = if os == "windows" {
            "kubectl-eksauth.exe"
        } else {
            "kubectl-eksauth"
        };
        assert_eq!(p["bin"], want_bin, "{os}/{arch}");
        assert!(
            p["files"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["from"] == want_bin),
            "{os}/{arch}: the archive's binary is installed"
        );
        let uri = p["uri"].as_str().unwrap();
        let (o, a) = triple_words(os, arch);
        assert!(
            uri.starts_with("https://") && uri.contains(o) && uri.contains(a),
            "{os}/{arch}: {uri}"
        );
        let version = m["spec"]["version"].as_str().unwrap();
        assert!(
            uri.contains(&format!("/{version}/")),
            "{uri} is of {version}"
        );
        let ext_ok = if os == "windows" {
            uri.ends_with(".zip")
        } else {
            uri.ends_with(".tar.gz")
        };
        assert!(ext_ok, "{uri}");
        let sha = p["sha256"].as_str().unwrap();
        assert!(
            sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "{os}/{arch}: {sha}"
        );
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "darwin/amd64",
            "darwin/arm64",
            "linux/amd64",
            "linux/arm64",
            "windows/amd64",
            "windows/arm64"
        ]
    );
}
