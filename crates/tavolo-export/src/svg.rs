//! A board as SVG, drawn as the web client draws it (`web/src/render/Scene.tsx`,
//! `Background.tsx`, `web/src/app/styles.css`): the template background, the items in z
//! order, then the connectors. Text is laid out here (SVG text does not wrap) with the
//! shipped font, one `<text>` per line, and every piece of user text is escaped.

use crate::labels;
use crate::text::{self, Font, FAMILY};
use std::fmt::Write;
use tavolo_board::{Board, Item, ItemType, LinkKind};

pub const TEXT_COLOR: &str = "#1A1A1A";
const LABEL: &str = "#2B2B2B";
/// The canvas colour behind the board (`.canvas` in styles.css, without the dots).
pub const CANVAS: &str = "#FBFBF9";
/// Empty space around the content.
pub const MARGIN: f64 = 40.0;

/// The palette: name → fill (`schema/README.md`); unknown names are yellow, as in the client.
pub fn color_hex(name: &str) -> &'static str {
    match name {
        "orange" => "#FFB570",
        "pink" => "#FFADC6",
        "green" => "#B5E8A0",
        "blue" => "#A8D8FF",
        "purple" => "#D4BBFF",
        "grey" => "#E0E0E0",
        "white" => "#FFFFFF",
        _ => "#FFE066",
    }
}

/// The stroke colour of ink of a palette colour.
fn darker(name: &str) -> &'static str {
    match name {
        "yellow" => "#8A6D00",
        "orange" => "#A34700",
        "pink" => "#A3244F",
        "green" => "#2E6B1A",
        "blue" => "#1D5A99",
        "purple" => "#5B2BB5",
        "grey" => "#4A4A4A",
        _ => "#1A1A1A",
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    fn union(self, o: Rect) -> Rect {
        let x0 = self.x.min(o.x);
        let y0 = self.y.min(o.y);
        let x1 = (self.x + self.w).max(o.x + o.w);
        let y1 = (self.y + self.h).max(o.y + o.h);
        Rect {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
        }
    }

    fn finite(&self) -> bool {
        [
            self.x,
            self.y,
            self.w,
            self.h,
            self.x + self.w,
            self.y + self.h,
        ]
        .iter()
        .all(|v| v.is_finite())
    }
}

/// XML-escapes text for element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in text::clean(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A number for SVG: at most two decimals, no trailing zeros.
pub(crate) fn n(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let r = (v * 100.0).round() / 100.0;
    if r.fract() == 0.0 && r.abs() < 1e15 {
        format!("{}", r as i64)
    } else {
        let s = format!("{r:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn geom(item: &Item) -> Option<Rect> {
    let r = Rect {
        x: item.x,
        y: item.y,
        w: item.w.max(0.0),
        h: item.h.max(0.0),
    };
    r.finite().then_some(r)
}

fn template_rect(v: &serde_json::Value) -> Option<Rect> {
    let f = |k: &str| v.get(k).and_then(serde_json::Value::as_f64);
    let r = Rect {
        x: f("x").unwrap_or(0.0),
        y: f("y").unwrap_or(0.0),
        w: f("w")?.max(0.0),
        h: f("h")?.max(0.0),
    };
    r.finite().then_some(r)
}

/// The horizontal extent drawn for problem-tree bands and the height of ToC lanes
/// (`BAND_SPAN`, `LANE_SPAN` in web/src/model/templates.ts).
const BAND_SPAN: (f64, f64) = (-200.0, 2000.0);
const LANE_SPAN: (f64, f64) = (-100.0, 1100.0);

fn lanes(board: &Board) -> Vec<(String, f64, f64)> {
    board
        .meta
        .template
        .get("lanes")
        .and_then(|l| l.as_array())
        .into_iter()
        .flatten()
        .filter_map(|l| {
            Some((
                l.get("level")?.as_str()?.to_owned(),
                l.get("x")?.as_f64().filter(|v| v.is_finite())?,
                l.get("w")?.as_f64().filter(|v| v.is_finite() && *v > 0.0)?,
            ))
        })
        .collect()
}

fn bands(board: &Board) -> Vec<(String, f64, f64)> {
    board
        .meta
        .template
        .get("bands")
        .and_then(|l| l.as_array())
        .into_iter()
        .flatten()
        .filter_map(|b| {
            Some((
                b.get("role")?.as_str()?.to_owned(),
                b.get("y")?.as_f64().filter(|v| v.is_finite())?,
                b.get("h")?.as_f64().filter(|v| v.is_finite() && *v > 0.0)?,
            ))
        })
        .collect()
}

fn sections(board: &Board) -> Vec<(String, Rect)> {
    board
        .meta
        .template
        .get("sections")
        .and_then(|l| l.as_array())
        .into_iter()
        .flatten()
        .filter_map(|s| Some((s.get("section")?.as_str()?.to_owned(), template_rect(s)?)))
        .collect()
}

fn grid(board: &Board) -> Option<Rect> {
    board
        .meta
        .template
        .get("grid")
        .and_then(template_rect)
        .filter(|g| g.w > 0.0 && g.h > 0.0)
}

/// What the template draws, with its labels.
fn template_bounds(board: &Board) -> Option<Rect> {
    if let Some(g) = grid(board) {
        return Some(Rect {
            x: g.x - 100.0,
            y: g.y,
            w: g.w + 100.0,
            h: g.h + 100.0,
        });
    }
    let b = bands(board);
    if !b.is_empty() {
        let y0 = b.iter().map(|b| b.1).fold(f64::MAX, f64::min);
        let y1 = b.iter().map(|b| b.1 + b.2).fold(f64::MIN, f64::max);
        return Some(Rect {
            x: BAND_SPAN.0,
            y: y0,
            w: BAND_SPAN.1,
            h: y1 - y0,
        });
    }
    let l = lanes(board);
    if !l.is_empty() {
        let x0 = l.iter().map(|l| l.1).fold(f64::MAX, f64::min);
        let x1 = l.iter().map(|l| l.1 + l.2).fold(f64::MIN, f64::max);
        return Some(Rect {
            x: x0,
            y: LANE_SPAN.0,
            w: x1 - x0,
            h: LANE_SPAN.1,
        });
    }
    sections(board).into_iter().map(|s| s.1).reduce(Rect::union)
}

/// The part of the board plane the picture shows: the template and every item (frames with
/// their titles), with a margin.
pub fn bounds(board: &Board) -> Rect {
    let mut r: Option<Rect> = template_bounds(board).filter(Rect::finite);
    for item in board.items.values() {
        let Some(mut g) = geom(item) else { continue };
        if item.item_type == ItemType::Frame {
            g = g.union(Rect {
                x: g.x,
                y: g.y - 34.0,
                w: g.w,
                h: 34.0,
            });
        }
        if item.item_type == ItemType::Ink {
            if let Some(ink) = ink_bounds(item) {
                g = ink;
            }
        }
        r = Some(match r {
            Some(r) => r.union(g),
            None => g,
        });
    }
    let r = r.filter(Rect::finite).unwrap_or(Rect {
        x: 0.0,
        y: 0.0,
        w: 800.0,
        h: 600.0,
    });
    Rect {
        x: r.x - MARGIN,
        y: r.y - MARGIN,
        w: r.w.max(1.0) + 2.0 * MARGIN,
        h: r.h.max(1.0) + 2.0 * MARGIN,
    }
}

fn ink_bounds(item: &Item) -> Option<Rect> {
    let pts = &item.points;
    let mut r: Option<Rect> = None;
    for p in pts.chunks_exact(2) {
        let q = Rect {
            x: item.x + p[0] - 2.0,
            y: item.y + p[1] - 2.0,
            w: 4.0,
            h: 4.0,
        };
        if q.finite() {
            r = Some(r.map_or(q, |r| r.union(q)));
        }
    }
    r
}

/// The whole board as a standalone SVG document, one unit per board pixel.
pub fn svg(board: &Board) -> String {
    let b = bounds(board);
    let mut out = String::with_capacity(4096 + board.items.len() * 600);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="{x} {y} {w} {h}" font-family="{FAMILY}, sans-serif">"#,
        x = n(b.x),
        y = n(b.y),
        w = n(b.w),
        h = n(b.h),
    );
    let _ = write!(out, "<title>{}</title>", esc(&board.meta.title));
    let _ = write!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{CANVAS}"/>"#,
        n(b.x),
        n(b.y),
        n(b.w),
        n(b.h)
    );
    body(board, &mut out);
    out.push_str("</svg>");
    out
}

/// The board's drawing (background, items, connectors) in board coordinates.
pub(crate) fn body(board: &Board, out: &mut String) {
    background(board, out, BAND_SPAN, LANE_SPAN);
    out.push_str(r#"<g class="items">"#);
    let grid = grid(board);
    for item in board.items_in_z_order() {
        item_svg(item, grid, out);
    }
    out.push_str(r#"</g><g class="links">"#);
    for link in board.links.values() {
        let (Some(a), Some(b)) = (board.items.get(&link.from), board.items.get(&link.to)) else {
            continue;
        };
        link_svg(link, a, b, out);
    }
    out.push_str("</g>");
}

/// One line of text. `anchor` is `start`, `middle` or `end`.
pub(crate) fn text_line(
    out: &mut String,
    x: f64,
    y: f64,
    s: &str,
    font: &Font,
    fill: &str,
    anchor: &str,
) {
    if s.is_empty() {
        return;
    }
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="{}"{}{}{} fill="{fill}" xml:space="preserve">{}</text>"#,
        n(x),
        n(y),
        n(font.size),
        if font.bold {
            r#" font-weight="bold""#
        } else {
            ""
        },
        if font.spacing != 0.0 {
            format!(r#" letter-spacing="{}""#, n(font.spacing))
        } else {
            String::new()
        },
        if anchor == "start" {
            String::new()
        } else {
            format!(r#" text-anchor="{anchor}""#)
        },
        esc(s)
    );
}

// ------------------------------------------------------------------ background

fn arrow_head(out: &mut String, a: (f64, f64), b: (f64, f64), scale: f64, fill: &str) {
    // the client's marker: viewBox 0 0 10 10, path M0,0 L10,5 L0,10 z, refX 9 refY 5
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt();
    if len == 0.0 || !len.is_finite() {
        return;
    }
    let (ux, uy) = (dx / len, dy / len);
    let p = |mx: f64, my: f64| {
        let (lx, ly) = ((mx - 9.0) * scale, (my - 5.0) * scale);
        (b.0 + lx * ux - ly * uy, b.1 + lx * uy + ly * ux)
    };
    let (p0, p1, p2) = (p(0.0, 0.0), p(10.0, 5.0), p(0.0, 10.0));
    let _ = write!(
        out,
        r#"<path d="M{},{} L{},{} L{},{} Z" fill="{fill}"/>"#,
        n(p0.0),
        n(p0.1),
        n(p1.0),
        n(p1.1),
        n(p2.0),
        n(p2.1)
    );
}

/// The template's geometry: `band_span` is the bands' horizontal extent `(x, w)`, `lane_span`
/// the lanes' vertical one `(y, h)` — the board's (`BAND_SPAN`, `LANE_SPAN`), or a group
/// frame's own size when it draws its board's geometry inside it.
fn background(board: &Board, out: &mut String, band_span: (f64, f64), lane_span: (f64, f64)) {
    if let Some(g) = grid(board) {
        let (hw, hh) = (g.w / 2.0, g.h / 2.0);
        let big = Font::new(30.0, true);
        out.push_str(r#"<g class="bg bg-grid">"#);
        let quads = [
            (
                "keep_satisfied",
                "#EEF3FB",
                g.x,
                g.y,
                "start",
                g.x + 24.0,
                g.y + 44.0,
            ),
            (
                "manage_closely",
                "#E9F5E6",
                g.x + hw,
                g.y,
                "end",
                g.x + g.w - 24.0,
                g.y + 44.0,
            ),
            (
                "monitor",
                "#F4F4F4",
                g.x,
                g.y + hh,
                "start",
                g.x + 24.0,
                g.y + g.h - 24.0,
            ),
            (
                "keep_informed",
                "#FBF3E6",
                g.x + hw,
                g.y + hh,
                "end",
                g.x + g.w - 24.0,
                g.y + g.h - 24.0,
            ),
        ];
        for (key, fill, qx, qy, anchor, tx, ty) in quads {
            let _ = write!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"/>"#,
                n(qx),
                n(qy),
                n(hw),
                n(hh)
            );
            text_line(out, tx, ty, labels::quadrant(key), &big, LABEL, anchor);
        }
        let _ = write!(
            out,
            r##"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" stroke="#7A7A7A" stroke-width="2"/><line x1="{mx}" y1="{y}" x2="{mx}" y2="{y1}" stroke="#9A9A9A" stroke-width="2" stroke-dasharray="10 8"/><line x1="{x}" y1="{my}" x2="{x1}" y2="{my}" stroke="#9A9A9A" stroke-width="2" stroke-dasharray="10 8"/>"##,
            x = n(g.x),
            y = n(g.y),
            w = n(g.w),
            h = n(g.h),
            mx = n(g.x + hw),
            my = n(g.y + hh),
            x1 = n(g.x + g.w),
            y1 = n(g.y + g.h),
        );
        // axes
        let ax = ((g.x, g.y + g.h + 40.0), (g.x + g.w, g.y + g.h + 40.0));
        let ay = ((g.x - 40.0, g.y + g.h), (g.x - 40.0, g.y));
        for (a, b) in [ax, ay] {
            let _ = write!(
                out,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{LABEL}" stroke-width="3"/>"#,
                n(a.0),
                n(a.1),
                n(b.0),
                n(b.1)
            );
            arrow_head(out, a, b, 2.4, "#3A3A3A");
        }
        let axis = Font::new(26.0, false);
        text_line(
            out,
            g.x + g.w / 2.0,
            g.y + g.h + 80.0,
            "Interesse →",
            &axis,
            LABEL,
            "middle",
        );
        let (px, py) = (g.x - 64.0, g.y + g.h / 2.0);
        let _ = write!(out, r#"<g transform="rotate(-90 {} {})">"#, n(px), n(py));
        text_line(out, px, py, "Potere / influenza →", &axis, LABEL, "middle");
        out.push_str("</g></g>");
        return;
    }
    let bands = bands(board);
    if !bands.is_empty() {
        let fills = ["#FBEFF3", "#FFF4E8", "#FFFBE6"];
        let font = Font::new(28.0, true);
        out.push_str(r#"<g class="bg bg-bands">"#);
        for (i, (role, y, h)) in bands.iter().enumerate() {
            let _ = write!(
                out,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#C8C8C8"/>"##,
                n(band_span.0),
                n(*y),
                n(band_span.1),
                n(*h),
                fills[i % fills.len()]
            );
            text_line(
                out,
                band_span.0 + 24.0,
                y + 40.0,
                labels::band(role),
                &font,
                LABEL,
                "start",
            );
        }
        out.push_str("</g>");
        return;
    }
    let lanes = lanes(board);
    if !lanes.is_empty() {
        let font = Font::new(22.0, true);
        let lh = 22.0 * 1.15;
        out.push_str(r#"<g class="bg bg-lanes">"#);
        for (i, (level, x, w)) in lanes.iter().enumerate() {
            let _ = write!(
                out,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#C8C8C8"/>"##,
                n(*x),
                n(lane_span.0),
                n(*w),
                n(lane_span.1),
                if i % 2 == 1 { "#F2F5FA" } else { "#FAFAF7" }
            );
            let lines = text::wrap(labels::role(level), &font, w - 16.0);
            for (k, line) in lines.iter().take(2).enumerate() {
                let top = lane_span.0 + 8.0 + k as f64 * lh;
                text_line(
                    out,
                    x + 8.0,
                    font.baseline(top, lh),
                    line,
                    &font,
                    LABEL,
                    "start",
                );
            }
        }
        out.push_str("</g>");
        return;
    }
    let sections = sections(board);
    if !sections.is_empty() {
        let font = Font::new(26.0, true);
        out.push_str(r#"<g class="bg bg-sections">"#);
        for (section, r) in &sections {
            let _ = write!(
                out,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#F7F9F4" stroke="#A8B59A" stroke-width="2" rx="6"/>"##,
                n(r.x),
                n(r.y),
                n(r.w),
                n(r.h)
            );
            text_line(
                out,
                r.x + 20.0,
                r.y + 38.0,
                labels::section(section),
                &font,
                LABEL,
                "start",
            );
        }
        out.push_str("</g>");
    }
}

// ------------------------------------------------------------------ items

/// The lines of a block of text that fit in `max_lines`, the last one cut with an
/// ellipsis when text is left over (the browser clips it: here it is said).
fn fit_lines(text: &str, font: &Font, width: f64, max_lines: usize) -> Vec<String> {
    let mut lines = text::wrap(text, font, width);
    while lines.len() > 1 && lines.last().is_some_and(String::is_empty) && lines.len() > max_lines {
        lines.pop();
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            *last = text::with_ellipsis(last, font, width);
        }
    }
    lines
}

struct Foot {
    left: String,
    right: String,
    bold: bool,
    color: &'static str,
}

fn item_svg(item: &Item, grid: Option<Rect>, out: &mut String) {
    let Some(g) = geom(item) else { return };
    let fill = color_hex(&item.color);
    let _ = write!(
        out,
        r#"<g class="item item-{}" id="item-{}">"#,
        esc(item.item_type.as_str()),
        esc(&item.id)
    );
    match item.item_type.as_str() {
        "ink" => {
            let mut d = String::new();
            for (i, p) in item.points.chunks_exact(2).enumerate() {
                let _ = write!(
                    d,
                    "{}{},{}",
                    if i == 0 { "M" } else { " L" },
                    n(g.x + p[0]),
                    n(g.y + p[1])
                );
            }
            if !d.is_empty() {
                let _ = write!(
                    out,
                    r#"<path d="{d}" fill="none" stroke="{}" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>"#,
                    darker(&item.color)
                );
            }
        }
        "frame" => {
            let _ = write!(
                out,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}" fill-opacity="0.75" stroke="#8C8C8C" stroke-width="1.5" rx="4"/>"##,
                n(g.x),
                n(g.y),
                n(g.w),
                n(g.h)
            );
            // a gathered group's frame draws its board's template inside it
            if let Some(t) = item.data.get("template").filter(|t| t.is_object()) {
                let mut group = Board::template(tavolo_board::BoardKind::Free, "");
                group.meta.template = t.clone();
                let _ = write!(
                    out,
                    r#"<g class="frame-bg" transform="translate({} {})">"#,
                    n(g.x),
                    n(g.y)
                );
                background(&group, out, (0.0, g.w), (0.0, g.h));
                out.push_str("</g>");
            }
            let title = text::clean(&item.text);
            let title = title.lines().next().unwrap_or("").trim();
            let title = if title.is_empty() {
                labels::item_type("frame")
            } else {
                title
            };
            text_line(
                out,
                g.x + 4.0,
                g.y - 10.0,
                title,
                &Font::new(18.0, true),
                TEXT_COLOR,
                "start",
            );
        }
        _ => content_item(item, g, fill, grid, out),
    }
    out.push_str("</g>");
}

fn content_item(item: &Item, g: Rect, fill: &str, grid: Option<Rect>, out: &mut String) {
    let t = item.item_type.as_str();
    let ellipse = t == "shape" && item.shape.as_deref() == Some("ellipse");
    let rewrite = item
        .data
        .get("rewrite")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    if ellipse {
        let _ = write!(
            out,
            r##"<ellipse cx="{}" cy="{}" rx="{}" ry="{}" fill="{fill}" stroke="#5A5A5A" stroke-width="1.5"/>"##,
            n(g.x + g.w / 2.0),
            n(g.y + g.h / 2.0),
            n(g.w / 2.0),
            n(g.h / 2.0)
        );
    } else if t != "text" {
        if t == "sticky" {
            // the client's drop-shadow(0 2px 2px rgba(0,0,0,.18)), without a filter
            let _ = write!(
                out,
                r##"<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="#000000" fill-opacity="0.12"/>"##,
                n(g.x),
                n(g.y + 2.0),
                n(g.w),
                n(g.h)
            );
        }
        let stroke = if rewrite {
            r##" stroke="#A34700" stroke-width="3" stroke-dasharray="8 5""##
        } else if t == "sticky" {
            ""
        } else {
            r##" stroke="#5A5A5A" stroke-width="1.2""##
        };
        let _ = write!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="{}" fill="{fill}"{stroke}/>"#,
            n(g.x),
            n(g.y),
            n(g.w),
            n(g.h),
            if t == "sticky" { 2 } else { 8 }
        );
    }

    // the text block (`.it` in styles.css)
    let (size, pad_top, pad_side, pad_bottom) = match t {
        "sticky" => (18.0, 12.0, 12.0, 12.0),
        "card" => (16.0, 8.0, 12.0, 12.0),
        "text" => (22.0, 6.0, 4.0, 6.0),
        _ => (16.0, 12.0, 12.0, 12.0),
    };
    let inner_x = g.x + pad_side;
    let inner_w = (g.w - 2.0 * pad_side).max(1.0);
    let mut top = g.y + pad_top;
    let bottom = g.y + g.h - pad_bottom;
    if t == "card" {
        if let Some(role) = item.role.as_deref() {
            let mut font = Font::new(11.0, true);
            font.spacing = 0.44;
            let label = labels::role(role).to_uppercase();
            let lh = 11.0 * 1.25;
            let label = if font.width(&label) > inner_w {
                text::with_ellipsis(&label, &font, inner_w)
            } else {
                label
            };
            text_line(
                out,
                inner_x,
                font.baseline(top, lh),
                &label,
                &font,
                TEXT_COLOR,
                "start",
            );
            top += lh + 4.0;
        }
    }
    // the feet, from the bottom up
    let mut feet: Vec<Foot> = Vec::new();
    if item.role.as_deref() == Some("stakeholder") && grid.is_some() {
        feet.push(Foot {
            left: labels::category(item.data_str("category")).to_owned(),
            right: labels::attitude_mark(item.data_str("attitude")).to_owned(),
            bold: false,
            color: TEXT_COLOR,
        });
    }
    if item.role.as_deref() == Some("report_item")
        && (!item.data_str("audience").is_empty() || !item.data_str("period").is_empty())
    {
        let parts: Vec<&str> = ["audience", "channel", "period"]
            .iter()
            .map(|k| item.data_str(k))
            .filter(|s| !s.is_empty())
            .collect();
        feet.push(Foot {
            left: parts.join(" · "),
            right: String::new(),
            bold: false,
            color: TEXT_COLOR,
        });
    }
    let indicators = item
        .data
        .get("indicators")
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len);
    if indicators > 0 {
        feet.push(Foot {
            left: format!("Indicatori: {indicators}"),
            right: String::new(),
            bold: false,
            color: TEXT_COLOR,
        });
    }
    if rewrite {
        feet.push(Foot {
            left: "da riscrivere".into(),
            right: String::new(),
            bold: true,
            color: "#7A2E00",
        });
    }
    let foot_font = Font::new(12.0, false);
    let foot_h = |f: &Foot| 4.0 + if f.right.is_empty() { 15.0 } else { 20.0 };
    let feet_h: f64 = feet.iter().map(foot_h).sum();
    let mut y = bottom - feet_h;
    for f in &feet {
        let h = foot_h(f) - 4.0;
        let line_top = y + 4.0;
        let mut font = foot_font;
        font.bold = f.bold;
        let left = if font.width(&f.left) > inner_w - 20.0 {
            text::with_ellipsis(&f.left, &font, inner_w - 20.0)
        } else {
            f.left.clone()
        };
        text_line(
            out,
            inner_x,
            font.baseline(line_top, h),
            &left,
            &font,
            f.color,
            "start",
        );
        if !f.right.is_empty() {
            let mark = Font::new(16.0, true);
            text_line(
                out,
                inner_x + inner_w,
                mark.baseline(line_top, h),
                &f.right,
                &mark,
                TEXT_COLOR,
                "end",
            );
        }
        y += foot_h(f);
    }
    let text_bottom = bottom - feet_h;

    // the text itself; an empty card stays empty (the editor's placeholder, "Qual è il
    // problema centrale?", is a prompt on screen, and printed it reads as content)
    let font = Font::new(size, false);
    let lh = size * 1.25;
    let (content, color) = (item.text.as_str(), TEXT_COLOR);
    if content.is_empty() {
        return;
    }
    let max_lines = (((text_bottom - top) / lh).floor().max(0.0) as usize).max(1);
    let lines = fit_lines(content, &font, inner_w, max_lines);
    if t == "shape" {
        let total = lines.len() as f64 * lh;
        let start = (g.y + (g.h - total) / 2.0).max(top);
        for (k, line) in lines.iter().enumerate() {
            let baseline = font.baseline(start + k as f64 * lh, lh);
            text_line(out, g.x + g.w / 2.0, baseline, line, &font, color, "middle");
        }
    } else {
        for (k, line) in lines.iter().enumerate() {
            let baseline = font.baseline(top + k as f64 * lh, lh);
            text_line(out, inner_x, baseline, line, &font, color, "start");
        }
    }
}

// ------------------------------------------------------------------ connectors

/// Where the segment from the centre of `item` towards `toward` leaves its outline
/// (`outlinePoint` in web/src/model/geometry.ts).
pub fn outline_point(item: &Item, toward: (f64, f64)) -> (f64, f64) {
    let (cx, cy) = item.center();
    let (dx, dy) = (toward.0 - cx, toward.1 - cy);
    if dx == 0.0 && dy == 0.0 {
        return (cx, cy);
    }
    let rx = (item.w / 2.0).max(0.5);
    let ry = (item.h / 2.0).max(0.5);
    let t = if item.item_type == ItemType::Shape && item.shape.as_deref() == Some("ellipse") {
        1.0 / ((dx * dx) / (rx * rx) + (dy * dy) / (ry * ry)).sqrt()
    } else {
        let tx = if dx == 0.0 {
            f64::INFINITY
        } else {
            rx / dx.abs()
        };
        let ty = if dy == 0.0 {
            f64::INFINITY
        } else {
            ry / dy.abs()
        };
        tx.min(ty)
    };
    let t = t.min(1.0);
    (cx + dx * t, cy + dy * t)
}

fn link_svg(link: &tavolo_board::Link, from: &Item, to: &Item, out: &mut String) {
    let a = outline_point(from, to.center());
    let b = outline_point(to, from.center());
    if ![a.0, a.1, b.0, b.1].iter().all(|v| v.is_finite()) {
        return;
    }
    let causal = link.kind == LinkKind::Causal;
    let relation = link.kind == LinkKind::Relation;
    let (color, width) = if causal {
        ("#8A3B00", 3.0)
    } else {
        ("#3A3A3A", 2.0)
    };
    let _ = write!(
        out,
        r#"<g class="link link-{}"><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{color}" stroke-width="{}"{}/>"#,
        esc(link.kind.as_str()),
        n(a.0),
        n(a.1),
        n(b.0),
        n(b.1),
        n(width),
        if relation {
            r#" stroke-dasharray="8 6""#
        } else {
            ""
        }
    );
    if !relation {
        // marker size 8 (9 for causal links) in stroke widths, as the client's markers
        let scale = if causal {
            9.0 * 3.0 / 10.0
        } else {
            8.0 * 2.0 / 10.0
        };
        arrow_head(out, a, b, scale, color);
    }
    if let Some(label) = link.label.as_deref().filter(|l| !l.trim().is_empty()) {
        let font = Font::new(14.0, false);
        let label = text::clean(label).replace('\n', " ");
        let (mx, my) = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        let w = font.width(&label) + 16.0;
        let _ = write!(
            out,
            r##"<rect x="{}" y="{}" width="{}" height="26" rx="6" fill="#FFFFFF" stroke="#BBBBBB"/>"##,
            n(mx - w / 2.0),
            n(my - 13.0),
            n(w)
        );
        text_line(out, mx, my + 5.0, &label, &font, TEXT_COLOR, "middle");
    }
    out.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(n(1.0), "1");
        assert_eq!(n(-200.0), "-200");
        assert_eq!(n(1.234), "1.23");
        assert_eq!(n(0.5), "0.5");
        assert_eq!(n(f64::NAN), "0");
    }

    #[test]
    fn an_empty_card_prints_no_placeholder() {
        let board = Board::template(tavolo_board::BoardKind::ProblemTree, "Albero");
        assert!(board
            .items
            .values()
            .any(|i| i.role.as_deref() == Some("core_problem") && i.text.trim().is_empty()));
        let out = svg(&board);
        assert!(!out.contains("Qual è il problema centrale?"), "{out}");
    }

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<script>alert(1)</script> & \"'"),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;&apos;"
        );
    }
}
