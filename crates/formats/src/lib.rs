//! Vector file formats (to be filled in).
