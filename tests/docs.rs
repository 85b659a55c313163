//! Every command example in docs/ is what the current build prints: a ```console block is
//! run (trycmd) and its output compared, so an example that stops being true fails CI.
//!
//! A page's commands run in a copy of `<page>.in/` (the files they read) when the page has
//! a `<page>.out/` (files they must leave), never in the repository. `[..]` in an expected
//! line stands for text that differs between machines (free memory, timings, paths); `...`
//! on a line of its own for lines that do. `TRYCMD=overwrite cargo test --test docs` writes
//! what the build prints back into the pages, to be reviewed like any change.

#[test]
fn the_docs_command_examples_are_what_the_binary_prints() {
    trycmd::TestCases::new()
        .register_bin(
            "seedscope",
            std::path::Path::new(env!("CARGO_BIN_EXE_seedscope")),
        )
        // No user's run store, seed or scheduler leaks into an example.
        .env("SEEDSCOPE_NO_STORE", "1")
        .case("docs/*.md");
}
