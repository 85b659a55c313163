//! Every command example in README.md and docs/ is what the current build prints: a
//! ```console block is run (trycmd) and its output compared, so an example that stops being
//! true fails CI.
//!
//! A page's commands run in a copy of `<page>.in/` (the files they read) when the page has
//! a `<page>.out/` (files they must leave), never in the repository. The README lives at the
//! top level, where no such folder belongs, so its examples run on a copy of it in a
//! temporary folder. `[..]` in an expected line stands for text that differs between machines
//! (free memory, timings, worker counts, the rows of runs that race); `...` on a line of its
//! own for lines that do (progress). `TRYCMD=overwrite cargo test --test docs` writes what the
//! build prints back into the pages (the README's copy is written back too), to be reviewed
//! like any change.

mod common;

use std::path::Path;

fn cases() -> trycmd::TestCases {
    let cases = trycmd::TestCases::new();
    cases
        .register_bin("seedscope", Path::new(env!("CARGO_BIN_EXE_seedscope")))
        // No user's run store, seed or scheduler leaks into an example.
        .env("SEEDSCOPE_NO_STORE", "1");
    cases
}

#[test]
fn the_docs_command_examples_are_what_the_binary_prints() {
    cases().case("docs/*.md").run();
}

#[test]
fn the_readme_command_examples_are_what_the_binary_prints() {
    let dir = common::temp_dir("readme");
    let copy = dir.join("README.md");
    std::fs::copy("README.md", &copy).unwrap();
    // Present and empty: the commands run in a sandbox, and no file they leave is compared.
    std::fs::create_dir(dir.join("README.in")).unwrap();
    std::fs::create_dir(dir.join("README.out")).unwrap();
    cases().case(&copy).run();
    if std::env::var_os("TRYCMD").is_some_and(|mode| mode == "overwrite") {
        std::fs::copy(&copy, "README.md").unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
