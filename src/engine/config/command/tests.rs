use super::*;

#[test]
fn a_command_line_splits_into_words_as_a_shell_would_without_one() {
    let words = |text: &str| split_words(text).unwrap();
    assert_eq!(
        words("python3 train.py --epochs 5"),
        ["python3", "train.py", "--epochs", "5"]
    );
    assert_eq!(
        words(r#"sh -c 'echo "$HOME" | wc'"#),
        ["sh", "-c", r#"echo "$HOME" | wc"#]
    );
    assert_eq!(words(r#"a "b c" d\ e "f\"g""#), ["a", "b c", "d e", "f\"g"]);
    assert_eq!(words("  "), Vec::<String>::new());
    assert_eq!(words("''"), [""]);
    assert!(split_words("python3 'x").is_err());
    assert!(split_words("python3 \"x").is_err());
    assert!(split_words("x\\").is_err());
}

#[test]
fn a_display_line_quotes_what_a_shell_would_split() {
    let command = CommandConfig::from_command_line("python3 'my script.py' --lr=0.1").unwrap();
    assert_eq!(command.display_line(), "python3 'my script.py' --lr=0.1");
    assert_eq!(split_words(&command.display_line()).unwrap(), command.argv);
}

#[test]
fn inputs_default_to_the_arguments_that_are_files_and_are_hashed_by_content() {
    let dir = std::env::temp_dir().join(format!("seedscope-cmd-inputs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("train.py"), "print(1)\n").unwrap();
    let command = CommandConfig::from_command_line("python3 train.py --out model.pt").unwrap();
    let resolved = command.resolve(&dir).unwrap();
    assert_eq!(
        resolved.input_hashes.keys().collect::<Vec<_>>(),
        ["train.py"],
        "model.pt does not exist, --out is no file"
    );
    std::fs::write(dir.join("train.py"), "print(2)\n").unwrap();
    let edited = command.resolve(&dir).unwrap();
    assert_ne!(resolved.input_hashes, edited.input_hashes);
    std::fs::remove_dir_all(&dir).unwrap();
}
