//! A settings study: one experiment run under several settings, every setting with the same
//! master seed, so run r of each draws the same seed for every source (common random
//! numbers) and two settings differ run by run by the setting alone.
//!
//! `--vary training.learning_rate=0.01,0.003` names a field of the experiment by its path in
//! the experiment file and the values it takes; for a command, `--vary lr=0.1,0.01` fills the
//! `{lr}` of its command line. Several `--vary` make a grid, every combination a setting.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::config::ExperimentConfig;

/// One field and the values a study gives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vary {
    /// A dotted path into the experiment (`model.dropout`), or a command's placeholder name.
    pub field: String,
    /// The values as written (`0.01`, `[16,16]`, `sgd`).
    pub values: Vec<String>,
}

/// Why a `--vary` cannot be taken.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StudyError {
    #[error("--vary {0:?}: write FIELD=V1,V2 (e.g. training.learning_rate=0.01,0.003)")]
    Shape(String),
    #[error("--vary {field}: gives {field} {count}; a comparison needs at least 2 distinct values")]
    TooFewValues { field: String, count: String },
    #[error("--vary {field}: the value {value} is given twice")]
    Repeated { field: String, value: String },
    #[error("--vary {field}: named twice; give all its values in one --vary")]
    FieldTwice { field: String },
    #[error("--vary {field}: the experiment has no such field; {known}")]
    UnknownField { field: String, known: String },
    #[error("--vary {field}={value}: {reason}")]
    BadValue {
        field: String,
        value: String,
        reason: String,
    },
    #[error(
        "--vary {field}: the command line has no {{{field}}} to fill; write it where the value goes, e.g. --lr {{{field}}}"
    )]
    NoPlaceholder { field: String },
    #[error("--vary: {settings} settings × the sweep is more than the {limit} a study may hold")]
    TooMany { settings: usize, limit: usize },
}

/// At most this many settings in one study (a grid grows as the product of its fields).
pub const MAX_SETTINGS: usize = 64;

impl std::str::FromStr for Vary {
    type Err = StudyError;

    fn from_str(text: &str) -> Result<Vary, StudyError> {
        let (field, values) = text
            .split_once('=')
            .ok_or_else(|| StudyError::Shape(text.to_string()))?;
        let field = field.trim();
        if field.is_empty() || values.trim().is_empty() {
            return Err(StudyError::Shape(text.to_string()));
        }
        let values = split_values(values);
        for (i, value) in values.iter().enumerate() {
            if values[..i].contains(value) {
                return Err(StudyError::Repeated {
                    field: field.to_string(),
                    value: value.clone(),
                });
            }
        }
        if values.len() < 2 {
            return Err(StudyError::TooFewValues {
                field: field.to_string(),
                count: format!("one value ({})", values.join("")),
            });
        }
        Ok(Vary {
            field: field.to_string(),
            values,
        })
    }
}

/// Values split at commas outside brackets, so `[16,16],[32]` is two values.
fn split_values(text: &str) -> Vec<String> {
    let (mut values, mut current, mut depth) = (Vec::new(), String::new(), 0i32);
    for c in text.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                values.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    values.push(current.trim().to_string());
    values
}

/// One combination of the varied fields' values, in the order the fields were given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    pub values: BTreeMap<String, String>,
    /// `lr=0.01` or `training.learning_rate=0.01 model.dropout=0`, in the fields' order.
    pub label: String,
}

/// Every combination of the fields' values, the first field varying slowest.
pub fn grid(vary: &[Vary]) -> Result<Vec<Setting>, StudyError> {
    for (i, v) in vary.iter().enumerate() {
        if vary[..i].iter().any(|earlier| earlier.field == v.field) {
            return Err(StudyError::FieldTwice {
                field: v.field.clone(),
            });
        }
    }
    let count: usize = vary.iter().map(|v| v.values.len()).product();
    if count > MAX_SETTINGS {
        return Err(StudyError::TooMany {
            settings: count,
            limit: MAX_SETTINGS,
        });
    }
    let mut settings = vec![Vec::<(String, String)>::new()];
    for v in vary {
        settings = settings
            .into_iter()
            .flat_map(|chosen| {
                v.values.iter().map(move |value| {
                    let mut next = chosen.clone();
                    next.push((v.field.clone(), value.clone()));
                    next
                })
            })
            .collect();
    }
    Ok(settings
        .into_iter()
        .map(|pairs| Setting {
            label: pairs
                .iter()
                .map(|(field, value)| format!("{}={value}", short_name(field)))
                .collect::<Vec<_>>()
                .join(" "),
            values: pairs.into_iter().collect(),
        })
        .collect())
}

/// A field's last part (`learning_rate` of `training.learning_rate`): what a label shows.
fn short_name(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}

/// `config` with `field` (a dotted path) set to `value` (read as JSON where it parses, else
/// as a string: `sgd`), checked as any experiment is.
pub fn with_field(
    config: &ExperimentConfig,
    field: &str,
    value: &str,
) -> Result<ExperimentConfig, StudyError> {
    let mut tree = serde_json::to_value(config).expect("a config serialises");
    let mut node = &mut tree;
    let parts: Vec<&str> = field.split('.').collect();
    for (depth, part) in parts.iter().enumerate() {
        let known = || match &*node {
            Value::Object(map) => map.keys().cloned().collect::<Vec<_>>().join(", "),
            _ => "none (it is a value)".to_string(),
        };
        let here = match &*node {
            Value::Object(map) => map.contains_key(*part),
            _ => false,
        };
        if !here {
            let prefix = parts[..depth].join(".");
            return Err(StudyError::UnknownField {
                field: field.to_string(),
                known: if prefix.is_empty() {
                    format!("its fields: {}", known())
                } else {
                    format!("the fields under {prefix}: {}", known())
                },
            });
        }
        node = node.get_mut(*part).expect("checked above");
    }
    *node = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
    let bad = |reason: String| StudyError::BadValue {
        field: field.to_string(),
        value: value.to_string(),
        reason,
    };
    let changed: ExperimentConfig = serde_json::from_value(tree).map_err(|e| bad(e.to_string()))?;
    changed.validate().map_err(|e| bad(e.to_string()))?;
    Ok(changed)
}

/// `line` with every `{name}` filled with `value`; `None` when it has no `{name}`.
pub fn fill_placeholder(line: &str, name: &str, value: &str) -> Option<String> {
    let placeholder = format!("{{{name}}}");
    line.contains(&placeholder)
        .then(|| line.replace(&placeholder, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_holds_every_combination_first_field_slowest() {
        let vary: Vec<Vary> = [
            "training.learning_rate=0.01,0.003",
            "model.hidden=[16,16],[32]",
        ]
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
        let labels: Vec<String> = grid(&vary).unwrap().into_iter().map(|s| s.label).collect();
        assert_eq!(
            labels,
            [
                "learning_rate=0.01 hidden=[16,16]",
                "learning_rate=0.01 hidden=[32]",
                "learning_rate=0.003 hidden=[16,16]",
                "learning_rate=0.003 hidden=[32]"
            ]
        );
    }

    #[test]
    fn a_bad_vary_names_what_is_wrong() {
        assert!(matches!("lr".parse::<Vary>(), Err(StudyError::Shape(_))));
        assert!(matches!(
            "lr=0.1".parse::<Vary>(),
            Err(StudyError::TooFewValues { .. })
        ));
        assert!(matches!(
            "lr=0.1,0.1".parse::<Vary>(),
            Err(StudyError::Repeated { .. })
        ));
    }

    #[test]
    fn a_field_is_set_by_its_path_and_checked() {
        let base = crate::engine::presets::default_config();
        let changed = with_field(&base, "training.learning_rate", "0.001").unwrap();
        assert_eq!(changed.training.learning_rate, 0.001);
        let unknown = with_field(&base, "training.lr", "0.1").unwrap_err();
        assert!(
            unknown.to_string().contains("the fields under training: ")
                && unknown.to_string().contains("learning_rate"),
            "{unknown}"
        );
        let bad = with_field(&base, "model.dropout", "1.5").unwrap_err();
        assert!(bad.to_string().contains("dropout"), "{bad}");
    }

    #[test]
    fn a_placeholder_is_filled_only_where_it_is() {
        assert_eq!(
            fill_placeholder("python3 t.py --lr {lr} --seed {seed}", "lr", "0.1").as_deref(),
            Some("python3 t.py --lr 0.1 --seed {seed}")
        );
        assert_eq!(fill_placeholder("python3 t.py", "lr", "0.1"), None);
    }
}
