//! The layout's promises, read off the source: imports only point down the pipeline (engine ←
//! analysis ← records ← cli, gui; the app never imports the command line, nor the reverse),
//! and no module imports a module that imports it back, directly or round a longer circle.
//! A module here is a folder or file directly under a layer (`engine::data`,
//! `analysis::summary`, `gui::views`): what ARCHITECTURE.md's table of folders names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: src/engine/data/spec.rs → [engine, data, spec];
/// src/engine/data/mod.rs → [engine, data].
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// `text` without its comments: a comment may name a module it does not import.
fn code_only(text: &str) -> String {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What `super` names in `module`: of a mod.rs file its folder's parent, of a plain file its
/// folder.
fn super_base(module: &[String], is_mod_file: bool) -> Vec<String> {
    let mut parent = module.to_vec();
    parent.pop();
    if is_mod_file {
        parent.pop();
    }
    parent
}

/// The first path segments after `crate::` or `super::` in `text`, expanded over braces:
/// `crate::engine::{config::X, data}` gives engine::config and engine::data.
fn references(module: &[String], is_mod_file: bool, text: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let code = code_only(text);
    for (prefix, base) in [
        ("crate::", Vec::new()),
        ("super::", super_base(module, is_mod_file)),
    ] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().last();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            for path in expand(rest) {
                let mut full = base.clone();
                full.extend(path);
                found.push(full);
            }
        }
    }
    found
}

/// Up to two segments of a path at the start of `text`, braces expanded one level.
fn expand(text: &str) -> Vec<Vec<String>> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let first = ident(text);
    if first.is_empty() {
        if let Some(inner) = text.strip_prefix('{') {
            let end = inner.find('}').unwrap_or(inner.len());
            return inner[..end]
                .split(',')
                .map(|item| vec![ident(item.trim())])
                .filter(|p| !p[0].is_empty())
                .collect();
        }
        return Vec::new();
    }
    let after = &text[first.len()..];
    match after.strip_prefix("::") {
        Some(next) if next.starts_with('{') => {
            let inner = &next[1..];
            let end = inner.find('}').unwrap_or(inner.len());
            inner[..end]
                .split(',')
                .map(|item| ident(item.trim()))
                .filter(|s| !s.is_empty() && s != "self")
                .map(|second| vec![first.clone(), second])
                .chain(std::iter::once(vec![first.clone()]))
                .collect()
        }
        Some(next) if !ident(next).is_empty() => vec![vec![first.clone(), ident(next)]],
        _ => vec![vec![first]],
    }
}

const LAYERS: [&str; 5] = ["engine", "analysis", "records", "cli", "gui"];

fn layer_rank(layer: &str) -> Option<usize> {
    match layer {
        "engine" => Some(0),
        "analysis" => Some(1),
        "records" => Some(2),
        "cli" | "gui" => Some(3),
        _ => None,
    }
}

/// Module → the modules it refers to (other than itself), over every file of src/.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    // SEEDSCOPE_LAYOUT_SRC reads another tree (e.g. an older commit's, to see it fail there).
    let src = std::env::var_os("SEEDSCOPE_LAYOUT_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = module_of(&src, &file);
        if module.is_empty() || !LAYERS.contains(&module[0].as_str()) {
            continue; // lib.rs, main.rs: the crate's top, which may import anything
        }
        let unit = module[..module.len().min(2)].join("::");
        let is_mod_file = file.file_name().is_some_and(|n| n == "mod.rs");
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests may borrow from anywhere (a preset as a fixture); the shipped code may not.
        let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
        let targets = graph.entry(unit.clone()).or_default();
        for reference in references(&module, is_mod_file, text) {
            if reference.is_empty() || !LAYERS.contains(&reference[0].as_str()) {
                continue;
            }
            // A bare layer (`crate::engine`) names no module of its own.
            if reference.len() < 2 {
                continue;
            }
            let target = reference[..2].join("::");
            if target != unit {
                targets.insert(target);
            }
        }
    }
    graph
}

#[test]
fn imports_point_down_the_pipeline() {
    let mut wrong = Vec::new();
    for (from, targets) in import_graph() {
        let from_layer = from.split("::").next().unwrap();
        for to in &targets {
            let to_layer = to.split("::").next().unwrap();
            let (a, b) = (
                layer_rank(from_layer).unwrap(),
                layer_rank(to_layer).unwrap(),
            );
            let sideways = from_layer != to_layer && a == b;
            if b > a || sideways {
                wrong.push(format!("{from} imports {to}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point up or sideways:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    if let Some(cycle) = find_circle(&import_graph()) {
        panic!("an import circle: {}", cycle.join(" → "));
    }
}

/// Every path a file names after `crate::` or `super::`, as deep as it goes
/// (`crate::engine::data::csv_file::X` → engine, data, csv_file, X), braces expanded one level.
fn deep_references(module: &[String], is_mod_file: bool, text: &str) -> Vec<Vec<String>> {
    let code = code_only(text);
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (prefix, base) in [
        ("crate::", Vec::new()),
        ("super::", super_base(module, is_mod_file)),
    ] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().last();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut path = base.clone();
            let mut text = rest;
            loop {
                let segment = ident(text);
                if segment.is_empty() {
                    if let Some(inner) = text.strip_prefix('{') {
                        let end = inner.find('}').unwrap_or(inner.len());
                        for item in inner[..end].split(',') {
                            let first = ident(item.trim());
                            if !first.is_empty() && first != "self" {
                                let mut each = path.clone();
                                each.push(first);
                                found.push(each);
                            }
                        }
                    }
                    break;
                }
                text = &text[segment.len()..];
                path.push(segment);
                match text.strip_prefix("::") {
                    Some(next) => text = next,
                    None => break,
                }
            }
            found.push(path);
        }
    }
    found
}

/// File → the files it refers to, leaving out a file's own folder (`mod.rs`) and the files
/// of its own subfolders: what a "use" between two files of the same rank can form.
fn file_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(src, f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(src, file);
        if module.is_empty() || !LAYERS.contains(&module[0].as_str()) {
            continue;
        }
        let is_mod_file = file.file_name().is_some_and(|n| n == "mod.rs");
        let text = std::fs::read_to_string(file).unwrap();
        let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
        let edges = graph.entry(module.join("::")).or_default();
        for path in deep_references(&module, is_mod_file, text) {
            // The deepest file the path names.
            let Some(target) = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|prefix| modules.contains(prefix))
            else {
                continue;
            };
            let related = target.starts_with(&module) || module.starts_with(&target);
            if !related {
                edges.insert(target.join("::"));
            }
        }
    }
    graph
}

/// A circle in `graph`, as a path, if there is one.
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// Files of the same rank (two files of one folder, or of cousin folders) never import each
/// other round a circle: the module-level check above sees `engine::data` as one unit, and
/// missed csv_file.rs ↔ csv_target.rs. SEEDSCOPE_LAYOUT_SRC=<old tree>/src shows it there.
#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let src = std::env::var_os("SEEDSCOPE_LAYOUT_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    if let Some(circle) = find_circle(&file_graph(&src)) {
        panic!("a circle between files: {}", circle.join(" → "));
    }
}

/// The parser above sees what it must: a grouped import, a `super` path, a comment skipped.
#[test]
fn the_import_reader_reads_grouped_and_relative_paths() {
    let module: Vec<String> = ["engine", "train", "finish"].map(String::from).to_vec();
    let text =
        "use crate::engine::{config::X, data};\nuse super::fresh_score;\n// crate::gui::app\n";
    let found = references(&module, false, text);
    assert!(
        found.contains(&vec!["engine".into(), "config".into()]),
        "{found:?}"
    );
    assert!(
        found.contains(&vec!["engine".into(), "data".into()]),
        "{found:?}"
    );
    assert!(
        found.contains(&vec!["engine".into(), "train".into(), "fresh_score".into()]),
        "{found:?}"
    );
    assert!(!found.iter().any(|p| p[0] == "gui"), "{found:?}");
}

/// The docs a newcomer walks: the README stays short (what it is, the commands, the tour),
/// every relative link in it, in docs/ and in ARCHITECTURE.md names a file that exists, and
/// none points outside the repository.
#[test]
fn the_docs_links_resolve_and_the_readme_stays_short() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.len() <= 15 * 1024,
        "README.md is {} bytes; keep it ≤ 15 KB",
        readme.len()
    );
    let mut pages = vec![root.join("README.md"), root.join("ARCHITECTURE.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    let mut broken = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let folder = page.parent().unwrap();
        // Markdown links and images: ](target) — the target up to ')' or '#'.
        for piece in text.split("](").skip(1) {
            let target = piece.split([')', '#', ' ']).next().unwrap_or("");
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let resolved = folder.join(target);
            let inside = resolved
                .canonicalize()
                .is_ok_and(|p| p.starts_with(root.canonicalize().unwrap()));
            if !resolved.exists() || !inside {
                broken.push(format!("{}: {target}", page.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links that do not resolve inside the repository:\n{}",
        broken.join("\n")
    );
}

/// Every test binary links every dependency: with the dependencies' debug info the ~30 test
/// binaries came to ~540 MB apiece and filled CI's disk (the linker died of a Bus error). The
/// dev profile keeps it off for dependencies (and line tables only for this crate).
fn debug_info_problems(manifest: &str) -> Vec<String> {
    let section = |header: &str| -> Vec<String> {
        manifest
            .lines()
            .skip_while(|line| line.trim() != header)
            .skip(1)
            .take_while(|line| !line.trim_start().starts_with('['))
            .map(|line| line.split('#').next().unwrap().replace(' ', ""))
            .filter(|line| !line.is_empty())
            .collect()
    };
    let mut problems = Vec::new();
    let dependencies = section(r#"[profile.dev.package."*"]"#);
    if !dependencies.iter().any(|line| line == "debug=false") {
        problems.push(format!(
            "[profile.dev.package.\"*\"] has no `debug = false`: {dependencies:?}"
        ));
    }
    let own = section("[profile.dev]");
    if !own
        .iter()
        .any(|line| line == r#"debug="line-tables-only""# || line == "debug=false")
    {
        problems.push(format!("[profile.dev] keeps full debug info: {own:?}"));
    }
    problems
}

#[test]
fn dependencies_build_without_debug_info() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert_eq!(debug_info_problems(&manifest), Vec::<String>::new());
    // The check reads the sections it names: full debug info in either is caught.
    let full = manifest
        .replace("debug = false", "debug = true")
        .replace(r#"debug = "line-tables-only""#, "debug = true");
    assert_eq!(debug_info_problems(&full).len(), 2);
}
