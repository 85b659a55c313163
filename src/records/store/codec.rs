//! A run record as stored: JSON, deflated. JSON keeps the record readable by any SQLite
//! client after `zlib`-inflating it, and survives new optional fields; deflate brings the
//! default preset's ~5 KB record (a 1600-digit decision grid, curves, predictions) to about 1.4 KB.
//! Level 5: level 1 left 2.1 KB a run; level 6 compressed no smaller and cost more time.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

use super::StoreError;
use crate::engine::record::RunRecord;

pub fn encode(record: &RunRecord) -> Vec<u8> {
    let json = serde_json::to_vec(record).expect("a record serialises");
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::new(5));
    encoder.write_all(&json).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

pub fn decode(blob: &[u8]) -> Result<RunRecord, StoreError> {
    let mut json = Vec::new();
    DeflateDecoder::new(blob)
        .read_to_end(&mut json)
        .map_err(|e| StoreError::corrupt(format!("a stored run does not inflate: {e}")))?;
    serde_json::from_slice(&json)
        .map_err(|e| StoreError::corrupt(format!("a stored run does not parse: {e}")))
}
