// The one list of supported versions. `build.rs` includes this file too (it indexes one schema
// bundle a version), so it holds nothing but the constant.

/// Oldest and newest supported Kubernetes minor versions (1.x).
pub const SUPPORTED_MINORS: (u32, u32) = (25, 37);
