//! What a run's result measures: its name as files write it, which way is better, and the
//! values it can take. The built-in trainer reports accuracy (classification) or MSE
//! (regression); a user's command may report a metric seedscope has never heard of, so the
//! type has room for any name, and every "is higher better?" question asks it.

use std::fmt;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

/// The largest MSE a built-in run can have: its predictions and targets are f32, and a
/// difference beyond `f32::MAX` makes the run diverged, so a squared error is at most
/// `f32::MAX²`.
pub const MAX_MSE: f64 = f32::MAX as f64 * f32::MAX as f64;

/// A result's metric. Written in files as its name alone (`"accuracy"`, `"mse"`), exactly as
/// before it was a type; a metric a command named is written with the direction it stated
/// (`{"name": "f1", "higher_is_better": true}`), so it reads back as it was reported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "Written", into = "Written")]
pub enum Metric {
    /// The share of test points classified right: 0 to 1, higher is better.
    Accuracy,
    /// Mean squared error: 0 to [`MAX_MSE`], lower is better.
    Mse,
    /// Any other name (a failed run records the empty name). Read from a file it is taken as
    /// higher-is-better with no known range; a results file refuses it (`check_metric`)
    /// until a producer that states its direction writes it.
    Named {
        name: String,
        higher_is_better: bool,
    },
}

impl Metric {
    pub fn name(&self) -> &str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::Mse => "mse",
            Metric::Named { name, .. } => name,
        }
    }

    pub fn higher_is_better(&self) -> bool {
        match self {
            Metric::Accuracy => true,
            Metric::Mse => false,
            Metric::Named {
                higher_is_better, ..
            } => *higher_is_better,
        }
    }

    /// The values a finished run can report, where the metric says (None: any finite value).
    pub fn range(&self) -> Option<RangeInclusive<f64>> {
        match self {
            Metric::Accuracy => Some(0.0..=1.0),
            Metric::Mse => Some(0.0..=MAX_MSE),
            Metric::Named { .. } => None,
        }
    }

    /// A share of test points: spreads read in percentage points, test-set noise as coin
    /// flips, disagreement between runs as churn.
    pub fn is_share_of_points(&self) -> bool {
        matches!(self, Metric::Accuracy)
    }

    /// The metric of runs without one yet (the views' axis before any run arrives).
    pub fn unknown() -> Metric {
        Metric::Named {
            name: String::new(),
            higher_is_better: true,
        }
    }
}

impl Metric {
    /// The metric a file names with its direction: the built-in metric where name and
    /// direction are one's, else a named one (a failed run's empty name too).
    pub fn stated(name: &str, higher_is_better: bool) -> Metric {
        Metric::from(Written::Stated {
            name: name.to_string(),
            higher_is_better,
        })
    }
}

/// A metric as files write it.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Written {
    Name(String),
    Stated {
        name: String,
        higher_is_better: bool,
    },
}

impl From<Written> for Metric {
    fn from(written: Written) -> Metric {
        match written {
            Written::Name(name) => Metric::from(name),
            Written::Stated {
                name,
                higher_is_better,
            } => match (name.as_str(), higher_is_better) {
                ("accuracy", true) => Metric::Accuracy,
                ("mse", false) => Metric::Mse,
                _ => Metric::Named {
                    name,
                    higher_is_better,
                },
            },
        }
    }
}

impl From<Metric> for Written {
    fn from(metric: Metric) -> Written {
        match metric {
            Metric::Named {
                name,
                higher_is_better,
            } if !name.is_empty() => Written::Stated {
                name,
                higher_is_better,
            },
            other => Written::Name(other.name().to_string()),
        }
    }
}

impl Metric {
    /// Whether the direction of this metric was stated by whoever reported it (a built-in
    /// metric, or a command's named one); false for a bare unknown name read from a file.
    pub fn is_stated(&self) -> bool {
        !matches!(self, Metric::Named { name, .. } if name.is_empty())
    }
}

impl From<String> for Metric {
    fn from(name: String) -> Metric {
        match name.as_str() {
            "accuracy" => Metric::Accuracy,
            "mse" => Metric::Mse,
            _ => Metric::Named {
                name,
                higher_is_better: true,
            },
        }
    }
}

impl From<Metric> for String {
    fn from(metric: Metric) -> String {
        metric.name().to_string()
    }
}

/// A metric equals its name (`"accuracy"`).
impl PartialEq<&str> for Metric {
    fn eq(&self, name: &&str) -> bool {
        self.name() == *name
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_metric_is_written_as_its_name_and_read_back() {
        for (metric, text) in [
            (Metric::Accuracy, "\"accuracy\""),
            (Metric::Mse, "\"mse\""),
            (Metric::unknown(), "\"\""),
        ] {
            assert_eq!(serde_json::to_string(&metric).unwrap(), text);
            assert_eq!(serde_json::from_str::<Metric>(text).unwrap(), metric);
        }
        assert!(!Metric::Mse.higher_is_better());
        assert!(Metric::Accuracy.is_share_of_points());
    }

    /// A command's own metric keeps the direction it stated through a file.
    #[test]
    fn a_named_metric_is_written_with_its_direction() {
        let f1 = Metric::Named {
            name: "log_loss".into(),
            higher_is_better: false,
        };
        let text = serde_json::to_string(&f1).unwrap();
        assert_eq!(text, r#"{"name":"log_loss","higher_is_better":false}"#);
        assert_eq!(serde_json::from_str::<Metric>(&text).unwrap(), f1);
        let stated_accuracy = r#"{"name":"accuracy","higher_is_better":true}"#;
        assert_eq!(
            serde_json::from_str::<Metric>(stated_accuracy).unwrap(),
            Metric::Accuracy
        );
    }
}
