//! How a view names the condition whose runs it wants.

use crate::engine::seeds::Condition;

/// How a view names a condition: as the typed value, or as the name a persisted view
/// setting holds (an unknown or stale name has no runs).
pub trait ConditionKey {
    fn condition(&self) -> Option<Condition>;
}

impl ConditionKey for Condition {
    fn condition(&self) -> Option<Condition> {
        Some(*self)
    }
}

impl ConditionKey for &Condition {
    fn condition(&self) -> Option<Condition> {
        Some(**self)
    }
}

impl ConditionKey for &str {
    fn condition(&self) -> Option<Condition> {
        self.parse().ok()
    }
}

impl ConditionKey for &String {
    fn condition(&self) -> Option<Condition> {
        self.parse().ok()
    }
}
