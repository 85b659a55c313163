//! The built-in real data sets. iris, red wine quality and diabetes come from the
//! `linfa-datasets` crate (its own copies of the classic files); digits is scikit-learn's
//! copy of the UCI handwritten digits, embedded from `assets/datasets/digits.csv.gz`.
//! Sources and licences: docs/real-data.md.

use std::io::Read;

use super::table::{Table, Target};

/// One line on a built-in data set: what it is, its source and licence (tooltips, docs/real-data.md).
pub fn about(kind: crate::engine::data::spec::DatasetKind) -> &'static str {
    use crate::engine::data::spec::DatasetKind;
    match kind {
        DatasetKind::Iris => {
            "iris: 150 flowers × 4 measurements, 3 species. Fisher (1936), UCI Machine Learning Repository (CC BY 4.0); copy from the linfa-datasets crate (MIT/Apache-2.0)."
        }
        DatasetKind::WineQuality => {
            "Red wine quality: 1599 wines × 11 measurements, regression on quality (3–8). Cortez et al. (2009), UCI (CC BY 4.0); copy from linfa-datasets."
        }
        DatasetKind::WineClasses => {
            "Red wine quality as 3 classes: poor (≤ 5), average (6), good (≥ 7). Cortez et al. (2009), UCI (CC BY 4.0); copy from linfa-datasets."
        }
        DatasetKind::Diabetes => {
            "diabetes: 441 patients (of 442: linfa-datasets drops the first) × 10 measurements, regression on disease progression after a year. Efron et al. (2004), 'Least Angle Regression'; copy from linfa-datasets."
        }
        DatasetKind::Digits => {
            "digits: 1797 handwritten digits as 8 × 8 images, 10 classes. Alpaydin & Kaynak (1998), UCI 'Optical Recognition of Handwritten Digits' (CC BY 4.0); scikit-learn's copy, embedded."
        }
        _ => "",
    }
}

/// iris: 150 flowers × 4 measurements (cm), 3 species.
pub fn iris() -> Table {
    let set = linfa_datasets::iris();
    let labels: Vec<usize> = set.targets.iter().copied().collect();
    from_parts(
        &["sepal length", "sepal width", "petal length", "petal width"],
        set.records.iter().map(|&v| v as f32).collect(),
        Target::Classes {
            labels,
            names: ["setosa", "versicolor", "virginica"]
                .map(String::from)
                .to_vec(),
        },
    )
}

const WINE_FEATURES: [&str; 11] = [
    "fixed acidity",
    "volatile acidity",
    "citric acid",
    "residual sugar",
    "chlorides",
    "free sulfur dioxide",
    "total sulfur dioxide",
    "density",
    "pH",
    "sulphates",
    "alcohol",
];

/// Red wine quality: 1599 wines × 11 physico-chemical measurements; `quality` (3–8) as a
/// number to regress on.
pub fn wine_quality() -> Table {
    let set = linfa_datasets::winequality();
    from_parts(
        &WINE_FEATURES,
        set.records.iter().map(|&v| v as f32).collect(),
        Target::Values(set.targets.iter().map(|&q| q as f32).collect()),
    )
}

/// Red wine quality as three classes: poor (quality ≤ 5), average (6), good (≥ 7).
pub fn wine_classes() -> Table {
    let set = linfa_datasets::winequality();
    let labels = set
        .targets
        .iter()
        .map(|&q| match q {
            0..=5 => 0,
            6 => 1,
            _ => 2,
        })
        .collect();
    from_parts(
        &WINE_FEATURES,
        set.records.iter().map(|&v| v as f32).collect(),
        Target::Classes {
            labels,
            names: ["poor", "average", "good"].map(String::from).to_vec(),
        },
    )
}

/// diabetes: 441 patients × 10 baseline measurements (as linfa ships them: scaled), and
/// disease progression one year later. The original has 442: linfa-datasets 0.8.1 reads its
/// headerless file as if the first row were a header, so the first patient is dropped.
pub fn diabetes() -> Table {
    let set = linfa_datasets::diabetes();
    from_parts(
        &[
            "age",
            "sex",
            "body mass index",
            "blood pressure",
            "s1 (t-cells)",
            "s2 (LDL)",
            "s3 (HDL)",
            "s4 (TSH)",
            "s5 (lamotrigine)",
            "s6 (blood sugar)",
        ],
        set.records.iter().map(|&v| v as f32).collect(),
        Target::Values(set.targets.iter().map(|&v| v as f32).collect()),
    )
}

/// The digits file, compressed, in the binary.
const DIGITS_GZ: &[u8] = include_bytes!("../../../assets/datasets/digits.csv.gz");

/// Side of a digit image: 8 × 8 pixels, each 0–16.
pub const DIGIT_SIDE: usize = 8;

/// digits: 1797 images of 8 × 8 pixels (row by row, 0–16) and the digit 0–9.
pub fn digits() -> Table {
    let mut text = String::new();
    flate2::read::GzDecoder::new(DIGITS_GZ)
        .read_to_string(&mut text)
        .expect("the embedded digits file is valid gzip");
    let pixels = DIGIT_SIDE * DIGIT_SIDE;
    let (mut x, mut labels) = (Vec::new(), Vec::new());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let values: Vec<u8> = line
            .split(',')
            .map(|v| {
                v.trim()
                    .parse()
                    .expect("the embedded digits file is numeric")
            })
            .collect();
        assert_eq!(values.len(), pixels + 1, "embedded digits row width");
        x.extend(values[..pixels].iter().map(|&v| f32::from(v)));
        labels.push(usize::from(values[pixels]));
    }
    let names: Vec<String> = (0..pixels)
        .map(|i| format!("pixel {},{}", i / DIGIT_SIDE, i % DIGIT_SIDE))
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    from_parts(
        &names,
        x,
        Target::Classes {
            labels,
            names: (0..10).map(|d| d.to_string()).collect(),
        },
    )
}

fn from_parts(features: &[&str], x: Vec<f32>, target: Target) -> Table {
    let sha256 = Table::checksum_of_values(&x, &target);
    Table {
        feature_names: features.iter().map(|s| s.to_string()).collect(),
        x,
        target,
        sha256,
    }
}
