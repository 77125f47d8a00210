//! SVG to PNG (resvg) and to PDF (svg2pdf: vector, text kept as text with the shipped font
//! embedded as a subset, so the PDF can be searched and copied from). Several SVG pages
//! make one PDF: each page is converted into a form XObject and placed on its own page.

use crate::svg::{self, bounds, n, Rect, CANVAS, TEXT_COLOR};
use crate::text::{self, Font, FAMILY};
use crate::ExportError;
use pdf_writer::{Content, Finish, Name, Pdf, Rect as PdfRect, Ref, TextStr};
use resvg::usvg;
use std::collections::HashMap;
use std::fmt::Write;
use tavolo_board::Board;

/// The largest PNG side and area: what a 2-core server with a few GiB can render for
/// several people at once (an RGBA pixmap of 16 Mpx is 64 MiB, about 150 MiB with the PNG encoding). Larger boards are scaled
/// down to fit.
pub const MAX_PNG_SIDE: f64 = 8192.0;
pub const MAX_PNG_PIXELS: f64 = 16_000_000.0;

fn options() -> usvg::Options<'static> {
    let mut opt = usvg::Options {
        font_family: FAMILY.to_owned(),
        fontdb: text::fontdb(),
        ..usvg::Options::default()
    };
    // Exports draw no images; refuse any (no file or data is ever read through an SVG).
    opt.image_href_resolver = usvg::ImageHrefResolver {
        resolve_data: Box::new(|_, _, _| None),
        resolve_string: Box::new(|_, _| None),
    };
    opt
}

pub fn parse(svg: &str) -> Result<usvg::Tree, ExportError> {
    usvg::Tree::from_str(svg, &options()).map_err(|e| ExportError::Render(e.to_string()))
}

/// The scale a PNG of a picture `w`×`h` gets for a requested scale: capped by
/// [`MAX_PNG_SIDE`] and [`MAX_PNG_PIXELS`].
pub fn png_scale(w: f64, h: f64, requested: f64) -> f64 {
    let mut s = if requested.is_finite() && requested > 0.0 {
        requested.min(4.0)
    } else {
        1.0
    };
    s = s
        .min(MAX_PNG_SIDE / w.max(1.0))
        .min(MAX_PNG_SIDE / h.max(1.0));
    let area = w * h * s * s;
    if area > MAX_PNG_PIXELS {
        s *= (MAX_PNG_PIXELS / area).sqrt();
    }
    s
}

/// The pixel size of a board's PNG at a requested scale.
pub fn png_size(board: &Board, requested: f64) -> (u32, u32) {
    let b = bounds(board);
    let s = png_scale(b.w, b.h, requested);
    (
        ((b.w * s).ceil() as u32).max(1),
        ((b.h * s).ceil() as u32).max(1),
    )
}

/// Renders an SVG document to PNG at `requested` scale (see [`png_scale`]).
pub fn svg_to_png(svg: &str, requested: f64) -> Result<Vec<u8>, ExportError> {
    let tree = parse(svg)?;
    let size = tree.size();
    let (w, h) = (f64::from(size.width()), f64::from(size.height()));
    let s = png_scale(w, h, requested);
    let (pw, ph) = (
        ((w * s).ceil() as u32).max(1),
        ((h * s).ceil() as u32).max(1),
    );
    let mut pixmap = resvg::tiny_skia::Pixmap::new(pw, ph)
        .ok_or_else(|| ExportError::Render(format!("cannot allocate {pw}x{ph} pixels")))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(s as f32, s as f32),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| ExportError::Render(e.to_string()))
}

/// A board as PNG.
pub fn png(board: &Board, scale: f64) -> Result<Vec<u8>, ExportError> {
    svg_to_png(&svg::svg(board), scale)
}

// ------------------------------------------------------------------ pages

/// A4 in points.
pub const A4: (f64, f64) = (595.28, 841.89);
const PAGE_MARGIN: f64 = 32.0;

/// What a board's page says above the picture.
#[derive(Clone, Debug, Default)]
pub struct PageHeader {
    pub title: String,
    /// Smaller lines under the title (room, kind, which state is shown).
    pub lines: Vec<String>,
}

/// One PDF page as SVG, one unit per point: the header and the board scaled to fit (A4,
/// landscape for wide boards, portrait for tall ones).
pub fn board_page(board: &Board, header: &PageHeader) -> String {
    let b = bounds(board);
    let (pw, ph) = if b.w >= b.h { (A4.1, A4.0) } else { A4 };
    let mut out = String::with_capacity(4096 + board.items.len() * 600);
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FAMILY}, sans-serif"><rect width="{w}" height="{h}" fill="#FFFFFF"/>"##,
        w = n(pw),
        h = n(ph)
    );
    let title_font = Font::new(16.0, true);
    let mut y = PAGE_MARGIN + 14.0;
    let title = text::with_ellipsis_if(&header.title, &title_font, pw - 2.0 * PAGE_MARGIN);
    svg::text_line(
        &mut out,
        PAGE_MARGIN,
        y,
        &title,
        &title_font,
        TEXT_COLOR,
        "start",
    );
    let small = Font::new(9.5, false);
    for l in &header.lines {
        y += 13.0;
        let l = text::with_ellipsis_if(l, &small, pw - 2.0 * PAGE_MARGIN);
        svg::text_line(&mut out, PAGE_MARGIN, y, &l, &small, "#444444", "start");
    }
    let area = Rect {
        x: PAGE_MARGIN,
        y: y + 12.0,
        w: pw - 2.0 * PAGE_MARGIN,
        h: ph - (y + 12.0) - PAGE_MARGIN,
    };
    let k = (area.w / b.w).min(area.h / b.h);
    let (dw, dh) = (b.w * k, b.h * k);
    let (ox, oy) = (area.x + (area.w - dw) / 2.0, area.y);
    let _ = write!(
        out,
        r##"<clipPath id="board-clip"><rect x="{x}" y="{y}" width="{w}" height="{h}"/></clipPath><rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{CANVAS}" stroke="#C9C9C9" stroke-width="0.5"/><g clip-path="url(#board-clip)"><g transform="translate({x} {y}) scale({k}) translate({bx} {by})">"##,
        x = n(ox),
        y = n(oy),
        w = n(dw),
        h = n(dh),
        k = k,
        bx = n(-b.x),
        by = n(-b.y),
    );
    svg::body(board, &mut out);
    out.push_str("</g></g></svg>");
    out
}

/// A page of plain text lines (the minutes' cover): `(text, size, bold)`, flowing into
/// `columns` columns. Returns the SVG of each page needed.
pub fn text_pages(lines: &[(String, f64, bool)], columns_from: usize) -> Vec<String> {
    let (pw, ph) = A4;
    let mut pages = Vec::new();
    let mut out = String::new();
    let mut y = PAGE_MARGIN;
    let mut col = 0usize;
    let col_w = (pw - 2.0 * PAGE_MARGIN) / 2.0;
    let start = |out: &mut String| {
        out.clear();
        let _ = write!(
            out,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FAMILY}, sans-serif"><rect width="{w}" height="{h}" fill="#FFFFFF"/>"##,
            w = n(pw),
            h = n(ph)
        );
    };
    start(&mut out);
    let mut top_of_columns = y;
    // lines outside the columns wrap; those in columns are cut
    let mut laid: Vec<(String, f64, bool, bool)> = Vec::new();
    let mut first_in_columns = usize::MAX;
    for (i, (s, size, bold)) in lines.iter().enumerate() {
        if i >= columns_from {
            first_in_columns = first_in_columns.min(laid.len());
            laid.push((s.clone(), *size, *bold, true));
        } else {
            let font = Font::new(*size, *bold);
            for l in text::wrap(s, &font, pw - 2.0 * PAGE_MARGIN) {
                laid.push((l, *size, *bold, false));
            }
        }
    }
    for (i, (s, size, bold, in_columns)) in laid.iter().enumerate() {
        let (size, bold, in_columns) = (*size, *bold, *in_columns);
        let font = Font::new(size, bold);
        let lh = size * 1.35;
        if in_columns && i == first_in_columns {
            top_of_columns = y;
        }
        let width = if in_columns {
            col_w - 8.0
        } else {
            pw - 2.0 * PAGE_MARGIN
        };
        if y + lh > ph - PAGE_MARGIN {
            if in_columns && col == 0 {
                col = 1;
                y = top_of_columns;
            } else {
                out.push_str("</svg>");
                pages.push(out.clone());
                start(&mut out);
                y = PAGE_MARGIN;
                top_of_columns = y;
                col = 0;
            }
        }
        y += lh;
        let x = PAGE_MARGIN + if in_columns { col as f64 * col_w } else { 0.0 };
        let s = text::with_ellipsis_if(s, &font, width);
        svg::text_line(&mut out, x, y - lh * 0.25, &s, &font, TEXT_COLOR, "start");
    }
    out.push_str("</svg>");
    pages.push(out);
    pages
}

/// One PDF from SVG pages (each page's size is its SVG's size, in points).
pub fn pdf(pages: &[String], title: &str) -> Result<Vec<u8>, ExportError> {
    let mut alloc = Ref::new(1);
    let catalog = alloc.bump();
    let tree_id = alloc.bump();
    let info = alloc.bump();
    let mut pdf = Pdf::new();
    let mut page_ids = Vec::with_capacity(pages.len());
    let mut chunks = Vec::with_capacity(pages.len());
    let opts = svg2pdf::ConversionOptions {
        compress: true,
        ..svg2pdf::ConversionOptions::default()
    };
    for page in pages {
        let tree = parse(page)?;
        let size = tree.size();
        let (chunk, svg_ref) =
            svg2pdf::to_chunk(&tree, opts).map_err(|e| ExportError::Render(e.to_string()))?;
        let mut map = HashMap::new();
        let chunk = chunk.renumber(|old| *map.entry(old).or_insert_with(|| alloc.bump()));
        let svg_ref = *map
            .get(&svg_ref)
            .ok_or_else(|| ExportError::Render("svg2pdf lost its root object".into()))?;
        let page_id = alloc.bump();
        let content_id = alloc.bump();
        let (w, h) = (size.width(), size.height());
        let mut content = Content::new();
        content
            .transform([w, 0.0, 0.0, h, 0.0, 0.0])
            .x_object(Name(b"S1"));
        pdf.stream(content_id, &content.finish());
        let mut p = pdf.page(page_id);
        p.media_box(PdfRect::new(0.0, 0.0, w, h));
        p.parent(tree_id);
        p.contents(content_id);
        p.resources().x_objects().pair(Name(b"S1"), svg_ref);
        p.finish();
        page_ids.push(page_id);
        chunks.push(chunk);
    }
    for c in &chunks {
        pdf.extend(c);
    }
    pdf.catalog(catalog).pages(tree_id);
    pdf.pages(tree_id)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    pdf.document_info(info)
        .title(TextStr(&text::clean(title)))
        .producer(TextStr("Tavolo"));
    Ok(pdf.finish())
}

/// A board as a one-page PDF.
pub fn board_pdf(board: &Board, header: &PageHeader) -> Result<Vec<u8>, ExportError> {
    pdf(&[board_page(board, header)], &header.title)
}
