//! Word (`.docx`) papers → items.

pub(crate) mod archive;
pub(crate) mod xml;
