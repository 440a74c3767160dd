//! One module per format: each writes a prepared sheet (sorted, merged, coloured) and, where the
//! format is importable, reads a file into markers. Each module's doc says what it writes, what
//! text it replaces or cuts, and what it reads.

pub mod ae_jsx;
pub mod avid_txt;
pub mod csv;
pub mod fcp7_xml;
pub mod fcpxml;
pub mod otio;
pub mod resolve_edl;
pub mod txt;
mod xml;
