//! The Spin edge: the only file that names spin_sdk. (Being written.)
