//! Writing an edited kubeconfig back with as much of its text kept as
//! possible: comments, quoting and layout of everything setup did not change.
//!
//! The tree in [`super::yaml`] has no comments, so printing it drops them.
//! Instead, the old text is cut into its top-level sections (a key with the
//! comment lines above it) and, inside a changed block list such as
//! `clusters:`, into its items. An unchanged section or item is copied as
//! it was; only a changed or new one is printed from the tree. The result
//! is parsed again and must equal the edited tree exactly, else the whole
//! document is printed from the tree as before: keeping a comment is never
//! worth a wrong file. Flow-style top levels and multi-document files take
//! that fallback.

use super::yaml::{self, Node};

/// `after`, printed by reusing the text of `old` where nothing changed;
/// `None` when the text cannot be cut safely (the caller prints the tree).
pub fn render(old: &str, after: &Node) -> Option<String> {
    let Node::Map(before) = yaml::parse(old).ok()? else {
        return None;
    };
    let Node::Map(entries) = after else {
        return None;
    };
    let (preamble, sections) = sections(old)?;
    let keys: Vec<&str> = sections.iter().map(|s| s.key.as_str()).collect();
    let old_keys: Vec<&str> = before.iter().map(|(k, _)| k.as_str()).collect();
    if keys != old_keys {
        return None;
    }
    let mut out = preamble;
    for (key, value) in entries {
        let old = before.iter().position(|(k, _)| k == key);
        out.push_str(&match old {
            Some(i) if &before[i].1 == value => sections[i].text(),
            Some(i) => {
                sections[i].leading.clone() + &changed(&sections[i], &before[i].1, key, value)?
            }
            None => whole(key, value)?,
        });
    }
    (yaml::parse(&out).ok()? == *after).then_some(out)
}

/// One top-level key: the comment and blank lines above it, its own line,
/// and the lines of its value.
struct Section {
    key: String,
    leading: String,
    line: String,
    body: Vec<String>,
}

impl Section {
    fn text(&self) -> String {
        let mut t = self.leading.clone() + &self.line;
        for l in &self.body {
            t.push_str(l);
        }
        t
    }
}

/// The lines before the first key, and each top-level section.
fn sections(text: &str) -> Option<(String, Vec<Section>)> {
    let mut preamble = String::new();
    let mut out: Vec<Section> = vec![];
    let mut pending = String::new();
    for line in text.split_inclusive('\n') {
        let first = line.chars().next().unwrap_or('\n');
        let marker = line.starts_with("---") || line.starts_with("...") || first == '%';
        if marker && out.is_empty() {
            preamble.push_str(&std::mem::take(&mut pending));
            preamble.push_str(line);
            continue;
        }
        if marker || first == '{' || first == '[' {
            return None;
        }
        let comment_or_blank = line.trim().is_empty() || line.trim_start().starts_with('#');
        if comment_or_blank {
            pending.push_str(line);
            continue;
        }
        if " \t-".contains(first) {
            let s = out.last_mut()?;
            s.body
                .extend(pending.split_inclusive('\n').map(str::to_string));
            pending.clear();
            s.body.push(line.to_string());
            continue;
        }
        let key = key_of(line)?;
        if out.is_empty() {
            preamble.push_str(&pending);
            pending.clear();
        }
        out.push(Section {
            key,
            leading: std::mem::take(&mut pending),
            line: line.to_string(),
            body: vec![],
        });
    }
    if let Some(s) = out.last_mut() {
        s.body
            .extend(pending.split_inclusive('\n').map(str::to_string));
    }
    Some((preamble, out))
}

/// The key of a `key: ...` line (plain or simply quoted).
fn key_of(line: &str) -> Option<String> {
    let (k, _) = line.split_once(':')?;
    let k = k.trim();
    let unquoted = k
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| k.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(k);
    Some(unquoted.to_string())
}

/// A changed section: item by item when it is a block list of the same
/// length or longer (setup appends and edits in place), else whole.
fn changed(s: &Section, old: &Node, key: &str, value: &Node) -> Option<String> {
    let (Node::Seq(old_items), Node::Seq(new_items)) = (old, value) else {
        return whole(key, value);
    };
    let bare_key = s
        .line
        .split('#')
        .next()
        .unwrap_or("")
        .trim_end()
        .ends_with(':');
    let items = items(&s.body);
    match items {
        Some((head, indent, texts))
            if bare_key && texts.len() == old_items.len() && new_items.len() >= texts.len() =>
        {
            let mut out = s.line.clone() + &head;
            for (i, item) in new_items.iter().enumerate() {
                match texts.get(i) {
                    Some(t) if old_items[i] == *item => out.push_str(t),
                    _ => out.push_str(&indented(
                        &yaml::render(&Node::Seq(vec![item.clone()])).ok()?,
                        indent,
                    )),
                }
            }
            Some(out)
        }
        _ => whole(key, value),
    }
}

/// A block list's lines cut into the lines before the first item, the
/// items' indentation, and each item's text.
fn items(body: &[String]) -> Option<(String, usize, Vec<String>)> {
    let first = body.iter().position(|l| l.trim_start().starts_with('-'))?;
    let indent = body[first].len() - body[first].trim_start().len();
    let is_item = |l: &str| {
        l.len() > indent
            && l[..indent].trim().is_empty()
            && (l[indent..].starts_with("- ") || l[indent..].trim_end() == "-")
    };
    let head: String = body[..first].concat();
    let mut texts: Vec<String> = vec![];
    for l in &body[first..] {
        match texts.last_mut() {
            Some(t) if !is_item(l) => t.push_str(l),
            _ => texts.push(l.clone()),
        }
    }
    Some((head, indent, texts))
}

fn indented(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    text.split_inclusive('\n')
        .map(|l| format!("{pad}{l}"))
        .collect()
}

/// `key: value` printed from the tree.
fn whole(key: &str, value: &Node) -> Option<String> {
    yaml::render(&Node::Map(vec![(key.to_string(), value.clone())])).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "# my clusters, do not share\napiVersion: v1\nkind: Config\n\
        clusters:\n# prod first\n- name: prod # the big one\n  cluster: {server: 'https://p'}\n\
        - name: dev\n  cluster: {server: https://d}\n\
        # who I am\nusers: []\ncurrent-context: prod\npreferences: {} # none yet\n";

    #[test]
    fn comments_of_unchanged_sections_and_items_are_kept() {
        let mut doc = yaml::parse(OLD).unwrap();
        let mut e = Node::map();
        e.set("name", Node::str("new"));
        doc.seq_mut("clusters").push(e);
        doc.set("current-context", Node::str("new"));
        let out = render(OLD, &doc).unwrap();
        for kept in [
            "# my clusters, do not share",
            "# prod first",
            "- name: prod # the big one",
            "# who I am",
            "preferences: {} # none yet",
            "'https://p'",
        ] {
            assert!(out.contains(kept), "{kept}:\n{out}");
        }
        assert_eq!(yaml::parse(&out).unwrap(), doc);
    }

    #[test]
    fn an_item_changed_in_place_is_printed_and_its_neighbours_kept() {
        let mut doc = yaml::parse(OLD).unwrap();
        if let Some(Node::Seq(items)) = doc.get_mut("clusters") {
            items[1].set("cluster", Node::map());
        }
        let out = render(OLD, &doc).unwrap();
        assert!(out.contains("- name: prod # the big one"), "{out}");
        assert_eq!(yaml::parse(&out).unwrap(), doc);
    }

    #[test]
    fn a_flow_or_multi_document_file_falls_back() {
        let doc = yaml::parse("a: 2").unwrap();
        assert_eq!(render("{a: 1}\n", &doc), None);
        assert_eq!(render("a: 1\n---\nb: 2\n", &doc), None);
    }
}
