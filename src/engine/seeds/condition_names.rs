//! A condition compared with its name, for tests and messages that hold text.

use super::Condition;

/// A condition equals a name that reads as it (`all-fixed`; `free:shuffle+init` equals
/// `free:init+shuffle`), so tests and messages can compare with text.
impl PartialEq<str> for Condition {
    fn eq(&self, name: &str) -> bool {
        name.parse::<Condition>().is_ok_and(|c| c == *self)
    }
}

impl PartialEq<&str> for Condition {
    fn eq(&self, name: &&str) -> bool {
        *self == **name
    }
}

impl PartialEq<String> for Condition {
    fn eq(&self, name: &String) -> bool {
        *self == *name.as_str()
    }
}
