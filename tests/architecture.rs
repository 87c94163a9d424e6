//! The layering of `src/`, kept by a test: arrows point one way.
//!
//! main -> commands -> cli/infrastructure -> domain. A module may use its
//! own layer's infrastructure and any lower layer, never a higher one; a
//! command never uses another command; the domain does no I/O. The README's
//! "Development" section draws the same map.

mod common;
use common::{files, repo};
use std::collections::BTreeMap;
use std::path::Path;

/// The layer of each top-level module of the crate (a file or folder of
/// `src/`). A new module must be placed here, or the test fails.
const LAYERS: &[(&str, Layer)] = &[
    ("domain", Layer::Domain),
    ("aws", Layer::Infra),
    ("aws_session", Layer::Infra),
    ("cache", Layer::Infra),
    ("child", Layer::Infra),
    ("exec_credential", Layer::Infra),
    ("fsio", Layer::Infra),
    ("kube", Layer::Infra),
    ("platform", Layer::Infra),
    ("redact", Layer::Infra),
    ("rt", Layer::Infra),
    ("secret", Layer::Infra),
    ("cli", Layer::Cli),
    ("cache_cmd", Layer::Command),
    ("completion", Layer::Command),
    ("login", Layer::Command),
    ("setup", Layer::Command),
    ("token", Layer::Command),
    ("whoami", Layer::Command),
    ("why", Layer::Command),
    ("main", Layer::Main),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Domain,
    Infra,
    Cli,
    Command,
    Main,
}

fn layer_of(module: &str) -> Option<Layer> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The top-level module a source file belongs to: `src/aws/eks.rs` -> `aws`.
fn module_of(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// The top-level modules a file's code names through `crate::` paths
/// (comments left out).
fn uses(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in source.lines() {
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let before = rest[..i].chars().last();
            rest = &rest[i + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue; // `$crate::`, `my_crate::`
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
        // `use crate::{a, b::c}` names several modules at once.
        if let Some(i) = code.find("crate::{") {
            let inner = &code[i + "crate::{".len()..];
            for part in inner.split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        }
    }
    out
}

/// The arrows of one file that break the layering, as messages.
fn violations(rel: &Path, source: &str) -> Vec<String> {
    let from = module_of(rel);
    let Some(from_layer) = layer_of(&from) else {
        return vec![format!(
            "{}: module `{from}` has no layer in tests/architecture.rs",
            rel.display()
        )];
    };
    let mut out = Vec::new();
    for to in uses(source) {
        if to == from {
            continue;
        }
        let Some(to_layer) = layer_of(&to) else {
            continue; // an item of the crate root (main.rs)
        };
        let bad = to_layer > from_layer
            || (to_layer == from_layer && matches!(from_layer, Layer::Command | Layer::Domain));
        if bad {
            out.push(format!(
                "{}: `{from}` ({from_layer:?}) uses `crate::{to}` ({to_layer:?})",
                rel.display()
            ));
        }
    }
    if from_layer == Layer::Domain {
        for io in ["std::fs", "std::net", "std::process", "std::env", "tokio"] {
            if source.contains(io) {
                out.push(format!(
                    "{}: the domain does no I/O, but names `{io}`",
                    rel.display()
                ));
            }
        }
    }
    out
}

#[test]
fn arrows_point_one_way() {
    let src = repo().join("src");
    let mut sources = Vec::new();
    files(&src, &[".rs"], &mut sources);
    assert!(sources.len() > 50, "found only {} files", sources.len());
    let mut all = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for path in &sources {
        let rel = path.strip_prefix(&src).unwrap();
        let source = std::fs::read_to_string(path).unwrap();
        *seen.entry(module_of(rel)).or_default() += 1;
        all.extend(violations(rel, &source));
    }
    assert!(
        all.is_empty(),
        "upward or sideways arrows:\n{}",
        all.join("\n")
    );
    for (m, _) in LAYERS {
        assert!(
            seen.contains_key(*m),
            "tests/architecture.rs names `{m}`, which src/ lacks"
        );
    }
}

#[test]
fn an_upward_import_is_caught() {
    // The rules above, fed the arrows the issue names, must refuse them.
    let cases = [
        ("aws/eks.rs", "use crate::why::evidence::EksFacts;"),
        (
            "kube/probe.rs",
            "let s = crate::why::checks::network::x(p);",
        ),
        (
            "why/checks/cluster.rs",
            "let p = crate::token::partition(r);",
        ),
        ("cache_cmd.rs", "use crate::{token::cache::Entry, fsio};"),
        ("domain/arn.rs", "use crate::aws::Env;"),
        ("domain/arn.rs", "let s = std::fs::read_to_string(p);"),
        ("cli.rs", "use crate::why::run::EXIT_USAGE;"),
        ("newthing.rs", "fn f() {}"),
    ];
    for (file, source) in cases {
        assert!(
            !violations(Path::new(file), source).is_empty(),
            "{file}: `{source}` was let through"
        );
    }
    // And lets through what points down, and comments.
    let fine = [
        ("why/gather.rs", "use crate::aws::eks::ClusterInfo;"),
        ("token/mod.rs", "use crate::domain::partition;"),
        (
            "aws/role.rs",
            "use crate::{cache::TokenCache, domain::arn};",
        ),
        ("aws/eks.rs", "// not crate::why::evidence any more"),
        ("main.rs", "crate::why::run::run(w)"),
    ];
    for (file, source) in fine {
        let v = violations(Path::new(file), source);
        assert!(v.is_empty(), "{file}: `{source}` refused: {v:?}");
    }
}
