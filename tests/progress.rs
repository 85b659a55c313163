//! `run`'s and `merge`'s progress: a bar with the rate and what is left on a terminal (a
//! pseudo-terminal from `script`), the plain lines of old when piped (issue 46 item 3).

mod common;

use common::{binary, temp_dir};

#[test]
fn a_terminal_gets_a_bar_and_a_pipe_plain_lines() {
    let folder = temp_dir("progress");
    let args = "run --seed 1 --repeats 40 --conditions all-free --out";
    let seedscope = env!("CARGO_BIN_EXE_seedscope");
    let on_terminal = std::process::Command::new("script")
        .args(["-qec"])
        .arg(format!(
            "SEEDSCOPE_NO_STORE=1 {seedscope} {args} {}",
            folder.join("tty.json").display()
        ))
        .arg("/dev/null")
        .output()
        .expect("script (util-linux) runs a command on a pseudo-terminal");
    let text = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(on_terminal.status.success(), "{text}");
    assert!(text.contains("runs/s"), "a rate on the terminal: {text}");
    assert!(text.contains('█'), "a bar on the terminal: {text}");
    assert!(text.contains("40/40 runs"), "{text}");
    let piped = binary()
        .args(args.split(' '))
        .arg(folder.join("piped.json"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&piped.stderr);
    assert!(piped.status.success(), "{text}");
    assert!(!text.contains("runs/s") && !text.contains('█'), "{text}");
    assert!(
        text.contains("4/40 runs") && text.contains("40/40 runs"),
        "{text}"
    );
}

/// `merge` reads its parts under a bar on a terminal, and prints no more than before piped.
#[test]
fn merge_reads_its_parts_under_a_bar_on_a_terminal() {
    let folder = temp_dir("progress-merge");
    for index in 0..2 {
        let status = binary()
            .args(["run", "--quiet", "--seed", "2", "--repeats", "3", "--shard"])
            .arg(format!("{index}/2"))
            .arg("--out")
            .arg(folder.join(format!("part-{index}.json")))
            .output()
            .unwrap();
        assert!(status.status.success());
    }
    let merge = |out: &str| {
        format!(
            "merge {0}/part-0.json {0}/part-1.json --out {0}/{out}",
            folder.display()
        )
    };
    let seedscope = env!("CARGO_BIN_EXE_seedscope");
    let on_terminal = std::process::Command::new("script")
        .args(["-qec"])
        .arg(format!(
            "SEEDSCOPE_NO_STORE=1 {seedscope} {}",
            merge("tty.json")
        ))
        .arg("/dev/null")
        .output()
        .expect("script (util-linux) runs a command on a pseudo-terminal");
    let text = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(on_terminal.status.success(), "{text}");
    assert!(
        text.contains("2/2 parts") && text.contains("runs/s"),
        "{text}"
    );
    let piped = binary()
        .args(merge("piped.json").split(' '))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&piped.stderr);
    assert!(piped.status.success(), "{text}");
    assert!(!text.contains("parts ·") && !text.contains('█'), "{text}");
}
