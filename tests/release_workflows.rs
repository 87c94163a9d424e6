//! The GitHub Actions workflows and the krew-release-bot template, which
//! cannot run here: that they parse, that the release matrix builds the six
//! targets the README lists, each on a runner of its own OS and
//! architecture, that CI runs the full suite on Linux and the unit tests on
//! macOS and Windows, and that `.krew.yaml` renders to `krew/eksauth.yaml`.

mod common;
use common::repo_file;
use serde_json::Value;

fn yaml(text: &str, what: &str) -> Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{what} is not YAML: {e}"))
}

fn workflow(name: &str) -> Value {
    yaml(
        &repo_file(&format!(".github/workflows/{name}")),
        &format!("workflow {name}"),
    )
}

/// The targets of the README's release build loop (`for t in ...; do`).
fn readme_targets() -> Vec<String> {
    let readme = repo_file("README.md");
    let start = readme
        .find("for t in ")
        .expect("README has the release loop")
        + 9;
    let end = start + readme[start..].find("; do").expect("the loop's `; do`");
    readme[start..end]
        .split_whitespace()
        .filter(|w| *w != "\\")
        .map(str::to_string)
        .collect()
}

/// The `run` scripts of a job's steps, joined.
fn runs(job: &Value) -> String {
    let steps = job["steps"].as_array().expect("a job has steps");
    steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a GitHub-hosted runner label runs `target` natively.
fn runner_is_native(runner: &str, target: &str) -> bool {
    let arm = target.starts_with("aarch64");
    if target.contains("apple-darwin") {
        let intel = runner.contains("intel") || runner == "macos-13";
        runner.starts_with("macos") && intel != arm
    } else if target.contains("windows") {
        runner.starts_with("windows") && runner.contains("arm") == arm
    } else {
        runner.starts_with("ubuntu") && runner.contains("arm") == arm
    }
}

#[test]
fn release_matrix_builds_the_six_readme_targets_on_native_runners() {
    let want = readme_targets();
    assert_eq!(want.len(), 6, "README lists six targets: {want:?}");
    let wf = workflow("release.yml");
    let build = &wf["jobs"]["build"];
    let include = build["strategy"]["matrix"]["include"]
        .as_array()
        .expect("build matrix include");
    let mut got = vec![];
    for entry in include {
        let target = entry["target"].as_str().unwrap();
        let runner = entry["os"].as_str().unwrap();
        assert!(
            runner_is_native(runner, target),
            "{target} is built on {runner}, not natively"
        );
        got.push(target.to_string());
    }
    got.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(got, want_sorted);
    let script = runs(build);
    for packed_as_the_readme_says in [
        "--profile dist --locked -p kubectl-eksauth",
        "kubectl-eksauth-${GITHUB_REF_NAME}-${{ matrix.target }}",
        ".zip\" kubectl-eksauth.exe",
        ".tar.gz\" kubectl-eksauth",
        "sha256",
    ] {
        assert!(
            script.contains(packed_as_the_readme_says),
            "the build job does {packed_as_the_readme_says:?}"
        );
    }
}

#[test]
fn release_publishes_checksums_and_the_filled_krew_manifest() {
    let wf = workflow("release.yml");
    assert_eq!(wf["on"]["push"]["tags"][0], "v*", "runs on version tags");
    let script = runs(&wf["jobs"]["release"]);
    for part in ["checksums.txt", "krew/eksauth.yaml", "gh release create"] {
        assert!(script.contains(part), "the release job uses {part}");
    }
}

#[test]
fn ci_runs_the_full_suite_on_linux_and_unit_tests_on_macos_and_windows() {
    let wf = workflow("ci.yml");
    assert!(wf["on"].get("push").is_some(), "runs on every push");
    let jobs = wf["jobs"].as_object().expect("jobs");
    let full = jobs.values().any(|j| {
        j["runs-on"]
            .as_str()
            .is_some_and(|r| r.starts_with("ubuntu"))
            && runs(j).contains("bash tests/run.sh")
    });
    assert!(full, "a Linux job runs bash tests/run.sh");
    let portable = jobs
        .values()
        .find(|j| j["strategy"]["matrix"]["os"].is_array())
        .expect("a job over a matrix of OSes");
    let oses: Vec<&str> = portable["strategy"]["matrix"]["os"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(oses.iter().any(|o| o.starts_with("macos")), "{oses:?}");
    assert!(oses.iter().any(|o| o.starts_with("windows")), "{oses:?}");
    let script = runs(portable);
    assert!(
        script.contains("cargo build --workspace --locked"),
        "{script}"
    );
    // The unit tests live in the binary (a private module tree, no lib).
    assert!(
        script.contains("cargo test --workspace --locked --bins"),
        "{script}"
    );
}

/// Renders the krew-release-bot template as the bot would for `tag`, with
/// an empty checksum (the bot computes it from the archive).
fn render_template(template: &str, tag: &str) -> String {
    const OPEN: &str = "{{ addURIAndSha \"";
    template
        .lines()
        .map(|line| match line.find(OPEN) {
            Some(i) => {
                let rest = &line[i + OPEN.len()..];
                let uri = &rest[..rest.find('"').expect("closing quote")];
                let indent = &line[..i];
                format!("{indent}uri: {uri}\n{indent}sha256: \"\"")
            }
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        .replace("{{ .TagName }}", tag)
}

fn without_checksums(mut manifest: Value) -> Value {
    for p in manifest["spec"]["platforms"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("sha256");
    }
    manifest
}

#[test]
fn krew_release_bot_template_renders_to_the_manifest() {
    let manifest = yaml(&repo_file("krew/eksauth.yaml"), "krew/eksauth.yaml");
    let tag = manifest["spec"]["version"].as_str().unwrap().to_string();
    let rendered = render_template(&repo_file(".krew.yaml"), &tag);
    let from_template = yaml(&rendered, "the rendered .krew.yaml");
    assert_eq!(
        without_checksums(from_template),
        without_checksums(manifest),
        "rendered:\n{rendered}"
    );
}

#[test]
fn krew_manifest_and_readme_lead_with_why() {
    let manifest = yaml(&repo_file("krew/eksauth.yaml"), "krew/eksauth.yaml");
    let short = manifest["spec"]["shortDescription"].as_str().unwrap();
    assert!(short.starts_with("Explain EKS Unauthorized"), "{short}");
    let description = manifest["spec"]["description"].as_str().unwrap();
    assert!(
        description.starts_with("kubectl eksauth why"),
        "{description}"
    );
    let readme = repo_file("README.md");
    let why = readme
        .find("kubectl eksauth why")
        .expect("README names why");
    let token = readme
        .find("kubectl eksauth token")
        .expect("README names token");
    assert!(why < token, "README presents why before token");
}
