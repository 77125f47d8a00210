//! The fonts shipped with Tavolo (DejaVu Sans and DejaVu Sans Bold, `fonts/`), their
//! metrics, and line breaking as the browser does it for `white-space: pre-wrap;
//! overflow-wrap: anywhere`: SVG text does not wrap, so every line is laid out here with the
//! same font that then draws it.

use std::sync::{Arc, OnceLock};

pub const FAMILY: &str = "DejaVu Sans";
static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

struct Faces {
    regular: ttf_parser::Face<'static>,
    bold: ttf_parser::Face<'static>,
}

fn faces() -> &'static Faces {
    static FACES: OnceLock<Faces> = OnceLock::new();
    FACES.get_or_init(|| Faces {
        regular: ttf_parser::Face::parse(REGULAR, 0).expect("the shipped font parses (tested)"),
        bold: ttf_parser::Face::parse(BOLD, 0).expect("the shipped font parses (tested)"),
    })
}

/// The font database for usvg: only the shipped faces, so exports look the same on a
/// machine with no fonts installed and never depend on what a server happens to have.
pub fn fontdb() -> Arc<resvg::usvg::fontdb::Database> {
    static DB: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_font_data(REGULAR.to_vec());
        db.load_font_data(BOLD.to_vec());
        db.set_sans_serif_family(FAMILY);
        db.set_serif_family(FAMILY);
        db.set_monospace_family(FAMILY);
        db.set_cursive_family(FAMILY);
        db.set_fantasy_family(FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// A font: face, size in px, letter spacing in px.
#[derive(Clone, Copy, Debug)]
pub struct Font {
    pub bold: bool,
    pub size: f64,
    pub spacing: f64,
}

impl Font {
    pub const fn new(size: f64, bold: bool) -> Font {
        Font {
            bold,
            size,
            spacing: 0.0,
        }
    }

    fn face(&self) -> &'static ttf_parser::Face<'static> {
        if self.bold {
            &faces().bold
        } else {
            &faces().regular
        }
    }

    fn scale(&self) -> f64 {
        self.size / f64::from(self.face().units_per_em())
    }

    /// The advance of one character (a missing glyph counts as the .notdef box).
    pub fn advance(&self, c: char) -> f64 {
        let face = self.face();
        let gid = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
        f64::from(face.glyph_hor_advance(gid).unwrap_or(0)) * self.scale() + self.spacing
    }

    pub fn width(&self, s: &str) -> f64 {
        s.chars().map(|c| self.advance(c)).sum()
    }

    /// Ascent and descent (positive), in px.
    pub fn ascent(&self) -> f64 {
        f64::from(self.face().ascender()) * self.scale()
    }

    pub fn descent(&self) -> f64 {
        -f64::from(self.face().descender()) * self.scale()
    }

    /// Where the baseline sits in a CSS line box of `line_height` px starting at `top`.
    pub fn baseline(&self, top: f64, line_height: f64) -> f64 {
        let content = self.ascent() + self.descent();
        top + (line_height - content) / 2.0 + self.ascent()
    }
}

/// Whether a character may appear in XML 1.0 text.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// User text made safe for layout and XML: characters XML cannot carry are dropped, tabs
/// become spaces, `\r\n` and `\r` become `\n`.
pub fn clean(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    s.chars()
        .filter(|c| xml_char(*c))
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect()
}

/// Breaks `text` into lines no wider than `max` px: at spaces where possible, anywhere
/// inside a word that does not fit on a line of its own; explicit newlines are kept.
/// Trailing spaces hang, as in CSS.
pub fn wrap(text: &str, font: &Font, max: f64) -> Vec<String> {
    let mut lines = Vec::new();
    for para in clean(text).split('\n') {
        wrap_paragraph(para, font, max.max(font.size), &mut lines);
    }
    lines
}

fn wrap_paragraph(para: &str, font: &Font, max: f64, out: &mut Vec<String>) {
    // words with their following spaces
    let mut words: Vec<&str> = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in para.char_indices() {
        if c == ' ' {
            in_space = true;
        } else if in_space {
            words.push(&para[start..i]);
            start = i;
            in_space = false;
        }
    }
    words.push(&para[start..]);
    let mut line = String::new();
    let mut width = 0.0; // without trailing spaces
    let mut full = 0.0; // with them
    for word in words {
        let bare = word.trim_end_matches(' ');
        let bare_w = font.width(bare);
        let word_w = font.width(word);
        if !line.is_empty() && full + bare_w > max {
            out.push(line.trim_end_matches(' ').to_owned());
            line.clear();
            full = 0.0;
        }
        if line.is_empty() && bare_w > max {
            // overflow-wrap: anywhere
            for c in bare.chars() {
                let w = font.advance(c);
                if !line.is_empty() && full + w > max {
                    out.push(std::mem::take(&mut line));
                    full = 0.0;
                }
                line.push(c);
                full += w;
            }
            line.push_str(&word[bare.len()..]);
            full += word_w - bare_w;
            width = full;
            continue;
        }
        line.push_str(word);
        width = full + bare_w;
        full += word_w;
    }
    let _ = width;
    out.push(line.trim_end_matches(' ').to_owned());
}

/// Cuts `line` so that it and an ellipsis fit in `max` px.
pub fn with_ellipsis(line: &str, font: &Font, max: f64) -> String {
    let ell = font.advance('…');
    let mut out = String::new();
    let mut w = 0.0;
    for c in line.chars() {
        let a = font.advance(c);
        if w + a + ell > max {
            break;
        }
        out.push(c);
        w += a;
    }
    format!("{}…", out.trim_end())
}

/// `s` on one line, cut with an ellipsis only if it is wider than `max` px.
pub fn with_ellipsis_if(s: &str, font: &Font, max: f64) -> String {
    let s = clean(s).replace('\n', " ");
    if font.width(&s) <= max {
        s
    } else {
        with_ellipsis(&s, font, max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonts_parse_and_cover_italian() {
        let f = Font::new(18.0, false);
        let b = Font::new(18.0, true);
        for c in "àèéìòùÀÈÉÌÒÙ«»’…€".chars() {
            assert!(faces().regular.glyph_index(c).is_some(), "{c}");
            assert!(faces().bold.glyph_index(c).is_some(), "{c}");
        }
        assert!(b.width("Perché") > f.width("Perché"));
        assert_eq!(fontdb().len(), 2);
    }

    #[test]
    fn wraps_at_spaces_and_inside_long_words() {
        let f = Font::new(18.0, false);
        let lines = wrap("Perché non un servizio di quartiere?", &f, 156.0);
        assert!(lines.len() >= 2, "{lines:?}");
        for l in &lines {
            assert!(f.width(l) <= 156.0, "{l}");
        }
        assert_eq!(
            lines.join(" "),
            "Perché non un servizio di quartiere?",
            "breaks only replace spaces"
        );
        let long = wrap("Supercalifragilistichespiralidoso", &f, 100.0);
        assert!(long.len() >= 3);
        assert_eq!(long.concat(), "Supercalifragilistichespiralidoso");
        assert_eq!(wrap("a\n\nb", &f, 100.0), vec!["a", "", "b"]);
        assert_eq!(wrap("", &f, 100.0), vec![""]);
    }

    #[test]
    fn clean_drops_what_xml_cannot_carry() {
        assert_eq!(clean("a\u{0}b\u{1b}c\td\r\ne"), "abc d\ne");
    }
}
