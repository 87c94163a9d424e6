//! The repository stands alone and builds for every OS the manifest
//! promises: nothing it compiles or runs reads a file outside it (issue 9:
//! `finding.rs` once included the contract from a folder beside the
//! clone), and no
//! Unix-only crate is an unconditional dependency.

mod common;
use common::{files, repo};

/// The string literals passed to `include_str!` / `include_bytes!` in `text`.
fn included(text: &str) -> Vec<&str> {
    let mut out = vec![];
    for mac in ["include_str!(\"", "include_bytes!(\""] {
        for (i, _) in text.match_indices(mac) {
            let rest = &text[i + mac.len()..];
            out.push(&rest[..rest.find('"').unwrap_or(0)]);
        }
    }
    out
}

#[test]
fn every_included_file_is_inside_the_repository() {
    let root = repo();
    let mut sources = vec![];
    for dir in ["src", "sim/src", "tests"] {
        files(&root.join(dir), &[".rs"], &mut sources);
    }
    assert!(sources.len() > 20, "found the sources: {}", sources.len());
    let mut seen = 0;
    for src in &sources {
        let text = std::fs::read_to_string(src).unwrap();
        for rel in included(&text) {
            if rel.is_empty() {
                continue;
            }
            seen += 1;
            let target = src.parent().unwrap().join(rel);
            let resolved = target
                .canonicalize()
                .unwrap_or_else(|e| panic!("{}: {rel} does not resolve: {e}", src.display()));
            assert!(
                resolved.starts_with(&root),
                "{} includes {rel}, outside the repository",
                src.display()
            );
        }
    }
    assert!(seen > 0, "the contract and README includes were checked");
}

#[test]
fn no_script_or_source_names_the_shared_folder_beside_the_repository() {
    let root = repo();
    let needle = concat!("..", "/shared/");
    let mut all = vec![];
    for dir in ["src", "sim", "tests", "scripts", ".ci", ".github"] {
        files(
            &root.join(dir),
            &[".rs", ".sh", ".py", ".yml", ".yaml", "run"],
            &mut all,
        );
    }
    for f in all {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        assert!(!text.contains(needle), "{} reads {needle}", f.display());
    }
}

#[test]
fn unix_only_crates_are_dependencies_of_unix_targets_only() {
    let manifest = common::repo_file("Cargo.toml");
    let mut section = "";
    let mut libc_sections = vec![];
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
        } else if ["libc", "nix", "rustix"]
            .iter()
            .any(|c| line.starts_with(&format!("{c} ")) || line.starts_with(&format!("{c}=")))
        {
            libc_sections.push(section);
        }
    }
    assert_eq!(
        libc_sections,
        ["[target.'cfg(unix)'.dependencies]"],
        "Unix-only crates are declared only for Unix targets"
    );
}
