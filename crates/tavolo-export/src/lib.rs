//! Exports of boards and meetings, drawn on the server as the browser draws them.
//!
//! - [`svg::svg`]: a board as SVG (the template background, items in z order, connectors,
//!   text laid out with the shipped font and escaped); [`render::png`] and
//!   [`render::board_pdf`] from it (resvg, svg2pdf). Only the fonts in `fonts/` (DejaVu
//!   Sans, regular and bold) are ever loaded, so exports are the same on every machine.
//! - [`tables`]: the structured content of template boards as CSV and Markdown.
//! - [`minutes`]: a meeting's minutes, one ZIP: a PDF with a cover and a page per board,
//!   plus each board's PNG, SVG, JSON and tables.
//! - [`import`]: boards from a backup (Yjs state or schema JSON), validated.
//! - [`zip`]: the small ZIP writer the minutes use.
//!
//! Everything here is synchronous and CPU-bound: callers on an async runtime run it on a
//! blocking thread.

pub mod import;
pub mod labels;
pub mod minutes;
pub mod render;
pub mod svg;
pub mod tables;
pub mod text;
pub mod zip;

pub use render::{board_pdf, png, PageHeader};
pub use svg::svg;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExportError {
    /// The input is not a board (import): the message says why, for the user.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    TooLarge(String),
    /// Rendering failed (a bug, or a board too large to draw).
    #[error("export failed: {0}")]
    Render(String),
}

/// A UTC instant (ms since 1970) as (year, month, day, hour, minute, second).
pub fn utc(ms: i64) -> (i64, u32, u32, u32, u32, u32) {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil from days (H. Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
    )
}

/// `dd/mm/yyyy hh:mm UTC`, as Italian readers write dates.
pub fn format_utc(ms: i64) -> String {
    let (y, mo, d, h, mi, _) = utc(ms);
    format!("{d:02}/{mo:02}/{y} {h:02}:{mi:02} UTC")
}

/// An ASCII file-name piece from a title: accents dropped, anything else a dash, at most
/// `max` characters; `fallback` when nothing is left.
pub fn slug(s: &str, max: usize, fallback: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    out.truncate(max);
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        fallback.to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(format_utc(1_780_000_000_000), "28/05/2026 20:26 UTC");
        assert_eq!(utc(951_782_400_000).1, 2, "29 Feb 2000");
        assert_eq!(utc(951_782_400_000).2, 29);
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slug("Perché l'Attività? «Sì»", 40, "x"),
            "perche-l-attivita-si"
        );
        assert_eq!(slug("!!!", 40, "lavagna"), "lavagna");
        assert_eq!(slug("abcdefghij-klm", 11, "x"), "abcdefghij");
        assert_eq!(slug("日本", 10, "lavagna"), "lavagna");
    }
}
