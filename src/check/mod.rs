//! `stsc check` beyond the compiler's own findings: `--against` compares the objects a cluster (or
//! an earlier build) holds with a new compilation and reports what the API server would refuse.

pub mod against;
