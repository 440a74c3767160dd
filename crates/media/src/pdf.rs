//! PDFs: page count and page images, with poppler's `pdfinfo` and `pdftoppm` (through the same
//! process door as ffmpeg: timeouts, process-group kill, bounded concurrency).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::process::{ProcessError, Program, Tools};

/// Pages rendered at most (a 2 000-page manual gets its first pages, not a full disk).
pub const MAX_PAGES: u32 = 500;

/// Why reading a PDF failed.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("reading the PDF failed")]
    Run(#[source] ProcessError),
    #[error("the PDF has no pages we could read")]
    NoPages,
    #[error("listing the rendered pages failed")]
    Io(#[source] std::io::Error),
}

/// Whether a file starts like a PDF (`%PDF-`).
pub async fn is_pdf(path: &Path) -> bool {
    use tokio::io::AsyncReadExt;
    let mut head = [0u8; 5];
    match tokio::fs::File::open(path).await {
        Ok(mut f) => f.read_exact(&mut head).await.is_ok() && &head == b"%PDF-",
        Err(_) => false,
    }
}

/// Reads `Pages: N` from pdfinfo's report.
pub fn parse_page_count(report: &str) -> Option<u32> {
    report.lines().find_map(|l| l.strip_prefix("Pages:")).and_then(|n| n.trim().parse().ok())
}

/// The number of pages.
pub async fn page_count(tools: &Tools, path: &Path) -> Result<u32, PdfError> {
    let out = tools
        .run(Program::Pdfinfo, &[path.as_os_str().to_owned()], Duration::from_secs(60), None)
        .await
        .map_err(PdfError::Run)?;
    parse_page_count(&String::from_utf8_lossy(&out.stdout)).filter(|n| *n > 0).ok_or(PdfError::NoPages)
}

/// Renders pages 1..=`pages` (capped at [`MAX_PAGES`]) as JPEGs whose longer side is `size`
/// pixels into `dir`; answers their paths in page order.
pub async fn render_pages(
    tools: &Tools,
    path: &Path,
    pages: u32,
    dir: &Path,
    size: u32,
) -> Result<Vec<PathBuf>, PdfError> {
    let last = pages.clamp(1, MAX_PAGES);
    let prefix = dir.join("page");
    let args: Vec<OsString> = vec![
        "-jpeg".into(),
        "-jpegopt".into(),
        "quality=85".into(),
        "-scale-to".into(),
        size.to_string().into(),
        "-f".into(),
        "1".into(),
        "-l".into(),
        last.to_string().into(),
        path.as_os_str().to_owned(),
        prefix.as_os_str().to_owned(),
    ];
    let timeout = Duration::from_secs(60 + 10 * u64::from(last));
    tools.run(Program::Pdftoppm, &args, timeout, None).await.map_err(PdfError::Run)?;
    // pdftoppm names pages page-1.jpg or page-01.jpg … depending on the page count.
    let mut found: Vec<(u32, PathBuf)> = Vec::new();
    let mut entries = tokio::fs::read_dir(dir).await.map_err(PdfError::Io)?;
    while let Some(e) = entries.next_entry().await.map_err(PdfError::Io)? {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(n) = name.strip_prefix("page-").and_then(|r| r.strip_suffix(".jpg")).and_then(|n| n.parse().ok()) {
            found.push((n, e.path()));
        }
    }
    found.sort();
    if found.is_empty() {
        return Err(PdfError::NoPages);
    }
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_count_from_the_report() {
        assert_eq!(parse_page_count("Title:  x\nPages:          12\nEncrypted: no\n"), Some(12));
        assert_eq!(parse_page_count("Syntax Error"), None);
    }
}
