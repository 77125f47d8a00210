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
pub use tavolo_board::labels;
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

pub use jiff::tz::TimeZone;

/// The zone exports write times in unless configured otherwise (`--time-zone`).
pub const DEFAULT_TIME_ZONE: &str = "Europe/Rome";

/// An instant (ms since 1970) as the date and time on the wall clock of `tz`.
pub fn local_time(ms: i64, tz: &TimeZone) -> jiff::civil::DateTime {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(tz.clone())
        .datetime()
}

/// `dd/mm/yyyy hh:mm` on the wall clock of `tz`, as Italian readers write dates, with the
/// zone's abbreviation (`CET`, `CEST`, `UTC`) so that a reader elsewhere is not misled.
pub fn format_time(ms: i64, tz: &TimeZone) -> String {
    let at = jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    at.to_zoned_datetime(tz.clone())
        .strftime("%d/%m/%Y %H:%M %Z")
        .to_string()
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
    if out.len() > max {
        // cut at the last word boundary that fits, not in the middle of a word (a single
        // word longer than `max` is cut all the same)
        let cut = out[..=max].rfind('-').filter(|&i| i > 0).unwrap_or(max);
        out.truncate(cut);
    }
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
        let rome = TimeZone::get(DEFAULT_TIME_ZONE).unwrap();
        // summer (CEST, UTC+2) and winter (CET, UTC+1) in Rome
        assert_eq!(
            format_time(1_780_000_000_000, &rome),
            "28/05/2026 22:26 CEST"
        );
        assert_eq!(
            format_time(1_767_225_600_000, &rome),
            "01/01/2026 01:00 CET"
        );
        assert_eq!(
            format_time(1_780_000_000_000, &TimeZone::UTC),
            "28/05/2026 20:26 UTC"
        );
        let leap = local_time(951_782_400_000, &TimeZone::UTC);
        assert_eq!((leap.month(), leap.day()), (2, 29), "29 Feb 2000");
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slug("Perché l'Attività? «Sì»", 40, "x"),
            "perche-l-attivita-si"
        );
        assert_eq!(slug("!!!", 40, "lavagna"), "lavagna");
        assert_eq!(slug("abcdefghij-klm", 11, "x"), "abcdefghij");
        // cut between words, not inside one
        assert_eq!(
            slug("Mappa degli attori del quartiere", 20, "x"),
            "mappa-degli-attori"
        );
        assert_eq!(slug("Sovraindebitamento", 10, "x"), "sovraindeb");
        assert_eq!(slug("日本", 10, "lavagna"), "lavagna");
    }
}
