//! `run`'s progress: a bar with the rate and what is left on a terminal (a pseudo-terminal
//! from `script`), the plain lines of old when piped (issue 46 item 3).

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
