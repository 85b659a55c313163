//! Every command example in README.md and docs/ is what the current build prints: a
//! ```console block is run (trycmd) and its output compared, so an example that stops being
//! true fails CI.
//!
//! Every page runs on a copy in a temporary folder, never in the repository: its commands
//! start in a copy of `<page>.in/` (the files they read) when the page has one, else in an
//! empty folder, and when the page has a `<page>.out/`, the files there are what the
//! commands must leave. `[..]` in an expected line stands for text that differs between
//! machines (free memory, timings, worker counts, dates, the rows of runs that race); `...`
//! on a line of its own for lines that do (progress). `TRYCMD=overwrite cargo test --test
//! docs` writes what the build prints back into the pages, to be reviewed like any change.

mod common;

use std::path::{Path, PathBuf};

/// Copies `from` (a folder of plain files) to `to`.
fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Runs the console blocks of `pages` (paths from the repository root) on copies in a
/// temporary folder named after `name`; `files` (repository paths) are copied into each
/// page's sandbox at the same relative paths.
fn run_pages(name: &str, pages: &[PathBuf], files: &[&str]) {
    let dir = common::temp_dir(name);
    let mut copies = Vec::new();
    for page in pages {
        let copy = dir.join(page.file_name().unwrap());
        std::fs::copy(page, &copy).unwrap();
        for sandbox in ["in", "out"] {
            let (from, to) = (page.with_extension(sandbox), copy.with_extension(sandbox));
            if from.is_dir() {
                copy_folder(&from, &to);
            } else {
                // Present and empty: the commands run in a sandbox, and nothing they leave is
                // compared.
                std::fs::create_dir(&to).unwrap();
            }
        }
        for file in files {
            let to = copy.with_extension("in").join(file);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(file, to).unwrap();
        }
        copies.push((page, copy));
    }
    let cases = trycmd::TestCases::new();
    cases
        .register_bin("seedscope", Path::new(env!("CARGO_BIN_EXE_seedscope")))
        // No user's run store, seed or scheduler leaks into an example.
        .env("SEEDSCOPE_NO_STORE", "1");
    for (_, copy) in &copies {
        cases.case(copy);
    }
    cases.run();
    if std::env::var_os("TRYCMD").is_some_and(|mode| mode == "overwrite") {
        for (page, copy) in &copies {
            std::fs::copy(copy, page).unwrap();
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_docs_command_examples_are_what_the_binary_prints() {
    let mut pages: Vec<PathBuf> = std::fs::read_dir("docs")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    pages.sort();
    assert!(pages.len() > 5, "the docs pages were not found");
    run_pages("docs", &pages, &[]);
}

#[test]
fn the_readme_command_examples_are_what_the_binary_prints() {
    // The README's command example runs the example script from the repository.
    run_pages(
        "readme",
        &[PathBuf::from("README.md")],
        &[
            "examples/python-stdlib/train.py",
            "assets/command/seedscope_run.py",
        ],
    );
}
