//! A meeting's minutes in one ZIP: `verbale.pdf` (a cover, then one page per board) and,
//! for each board, its picture (PNG, SVG), its content (JSON in the schema's form) and, for
//! template boards, its tables (CSV, Markdown); and, when the meeting has closed dot votes,
//! their results (on the cover, and as `votazioni.csv` and `votazioni.md`). The cover lists
//! exactly the files of the archive.

use crate::render::{self, PageHeader};
use crate::tables::VoteResult;
use crate::{format_time, labels, local_time, slug, svg, tables, text, ExportError, TimeZone};
use tavolo_board::{gather, Board, ItemType};

/// One board of the meeting, in the state the minutes show.
#[derive(Clone, Debug)]
pub struct MinutesBoard {
    /// The room's name ("Plenaria", "Gruppo 1").
    pub room: String,
    pub title: String,
    pub board: Board,
    /// What state the page shows, when it is not the meeting's (a board of a closed
    /// meeting that has no closing snapshot is shown as it is now).
    pub state: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Minutes {
    pub workspace: String,
    pub session: String,
    pub date: String,
    /// When the meeting was closed (ms): the boards are its closing snapshots. `None`: the
    /// meeting is open and the boards are their live state at `generated_at`.
    pub closed_at: Option<i64>,
    pub generated_at: i64,
    /// The zone every time is written in (the server's `--time-zone`).
    pub time_zone: TimeZone,
    pub participants: usize,
    pub observers: usize,
    /// Breakout groups: name and number of members.
    pub groups: Vec<(String, usize)>,
    pub boards: Vec<MinutesBoard>,
    /// The meeting's closed dot votes, in the order they were opened (counts per item).
    pub votes: Vec<VoteResult>,
}

pub const PDF_NAME: &str = "verbale.pdf";
pub const VOTES_CSV: &str = "votazioni.csv";
pub const VOTES_MD: &str = "votazioni.md";

/// The file names of one board's files: `NN-room-title.ext`.
fn board_files(index: usize, b: &MinutesBoard) -> (String, Vec<&'static str>) {
    let stem = format!(
        "{:02}-{}-{}",
        index + 1,
        slug(&b.room, 16, "stanza"),
        slug(&b.title, 28, "lavagna")
    );
    let mut ext = vec!["png", "svg", "json"];
    if tables::table(&b.board).is_some() {
        ext.extend(["csv", "md"]);
    }
    (stem, ext)
}

/// Every file of the archive, in order.
pub fn file_names(m: &Minutes) -> Vec<String> {
    let mut names = vec![PDF_NAME.to_owned()];
    for (i, b) in m.boards.iter().enumerate() {
        let (stem, ext) = board_files(i, b);
        names.extend(ext.iter().map(|e| format!("{stem}.{e}")));
    }
    if !m.votes.is_empty() {
        names.extend([VOTES_CSV.to_owned(), VOTES_MD.to_owned()]);
    }
    names
}

fn state_line(m: &Minutes) -> String {
    match m.closed_at {
        Some(t) => format!(
            "Incontro chiuso il {}: le lavagne sono nello stato di chiusura (istantanee di chiusura).",
            format_time(t, &m.time_zone)
        ),
        None => format!(
            "Incontro NON ancora chiuso: le lavagne sono nello stato attuale al {}.",
            format_time(m.generated_at, &m.time_zone)
        ),
    }
}

/// The cover's lines: (text, size, bold), and where the file list starts.
fn cover_lines(m: &Minutes, cover_pages: usize) -> (Vec<(String, f64, bool)>, usize) {
    let mut l: Vec<(String, f64, bool)> = Vec::new();
    let mut push = |s: String, size: f64, bold: bool| l.push((s, size, bold));
    push("Verbale dell'incontro".into(), 22.0, true);
    push(m.session.clone(), 16.0, true);
    push(String::new(), 6.0, false);
    push(format!("Tavolo: {}", m.workspace), 11.0, false);
    push(format!("Data: {}", m.date), 11.0, false);
    push(
        format!(
            "Partecipanti: {}{}",
            m.participants,
            if m.observers > 0 {
                format!(
                    " (più {} {})",
                    m.observers,
                    if m.observers == 1 {
                        "osservatore"
                    } else {
                        "osservatori"
                    }
                )
            } else {
                String::new()
            }
        ),
        11.0,
        false,
    );
    if m.groups.is_empty() {
        push("Gruppi di lavoro: nessuno".into(), 11.0, false);
    } else {
        push(format!("Gruppi di lavoro: {}", m.groups.len()), 11.0, false);
        for (name, n) in &m.groups {
            push(
                format!(
                    "    {name}: {n} {}",
                    if *n == 1 {
                        "partecipante"
                    } else {
                        "partecipanti"
                    }
                ),
                10.0,
                false,
            );
        }
    }
    push(state_line(m), 10.0, true);
    push(String::new(), 6.0, false);
    push(
        format!(
            "Lavagne ({}), una pagina ciascuna (chi raccoglie i gruppi anche il testo di ogni gruppo):",
            m.boards.len()
        ),
        12.0,
        true,
    );
    let mut page = cover_pages + 1;
    for b in &m.boards {
        let first = page;
        page += 1 + group_pages(m, b).len();
        push(
            format!(
                "    p. {} — {} — {} ({})",
                first,
                b.room,
                labels::title(&b.title),
                labels::kind(b.board.meta.kind)
            ),
            10.0,
            false,
        );
    }
    push(String::new(), 6.0, false);
    if !m.votes.is_empty() {
        push(
            format!("Risultati delle votazioni ({}):", m.votes.len()),
            12.0,
            true,
        );
        for v in &m.votes {
            push(
                format!(
                    "    {} — {}, chiusa il {}: {} punti a testa, {} in tutto",
                    v.room,
                    labels::title(&v.board_title),
                    format_time(v.closed_at, &m.time_zone),
                    v.dots,
                    v.total()
                ),
                10.0,
                true,
            );
            if v.items.is_empty() {
                push("        nessun punto".into(), 10.0, false);
            }
            for i in &v.items {
                push(
                    format!(
                        "        {}. {} — {} {}",
                        i.rank,
                        i.label,
                        i.dots,
                        if i.dots == 1 { "punto" } else { "punti" }
                    ),
                    10.0,
                    false,
                );
            }
        }
        push(String::new(), 6.0, false);
    }
    push(
        format!("Contenuto dell'archivio ({} file):", file_names(m).len()),
        12.0,
        true,
    );
    let list_start = l.len();
    for name in file_names(m) {
        l.push((name, 9.0, false));
    }
    l.push((String::new(), 6.0, false));
    l.push((
        format!(
            "Generato da Tavolo il {}.",
            format_time(m.generated_at, &m.time_zone)
        ),
        8.0,
        false,
    ));
    (l, list_start)
}

/// The minutes' PDF: the cover and one page per board.
pub fn pdf(m: &Minutes) -> Result<Vec<u8>, ExportError> {
    let cover = |cover_pages: usize| {
        let (lines, list_start) = cover_lines(m, cover_pages);
        // the file list flows into two columns only when one page would not hold it
        let height: f64 = lines.iter().map(|(_, s, _)| s * 1.35).sum();
        let columns_from = if height > render::A4.1 - 64.0 {
            list_start
        } else {
            usize::MAX
        };
        render::text_pages(&lines, columns_from)
    };
    let mut pages = cover(1);
    if pages.len() != 1 {
        // a long cover: the boards' page numbers move on
        pages = cover(pages.len());
    }
    for b in &m.boards {
        pages.push(render::board_page(&b.board, &page_header(m, b)));
        pages.extend(group_pages(m, b));
    }
    render::pdf(&pages, &format!("Verbale: {}", m.session))
}

/// A board's table as text lines (one per row, the empty cells left out), or its items'
/// texts for a board without a template.
fn table_lines(board: &Board) -> Vec<(String, f64, bool)> {
    let mut l = Vec::new();
    match tables::table(board) {
        Some(t) => {
            l.push((t.headers.join(" · "), 9.0, true));
            if t.rows.is_empty() {
                l.push(("(nessun elemento)".into(), 10.0, false));
            }
            for row in &t.rows {
                let cells: Vec<&str> = row
                    .iter()
                    .map(String::as_str)
                    .filter(|c| !c.is_empty())
                    .collect();
                l.push((cells.join(" · "), 10.0, false));
            }
        }
        None => {
            let mut items: Vec<_> = board
                .items
                .values()
                .filter(|i| i.item_type != ItemType::Frame && !i.text.trim().is_empty())
                .collect();
            items.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
            if items.is_empty() {
                l.push(("(nessun testo)".into(), 10.0, false));
            }
            for i in items {
                let t = text::clean(&i.text);
                l.push((
                    format!("- {}", t.split_whitespace().collect::<Vec<_>>().join(" ")),
                    10.0,
                    false,
                ));
            }
        }
    }
    l
}

/// The text pages of a gathered board's groups ([`group_lines`]), none for other boards.
fn group_pages(m: &Minutes, b: &MinutesBoard) -> Vec<String> {
    let lines = group_lines(m, b);
    if lines.is_empty() {
        return vec![];
    }
    render::text_pages(&lines, usize::MAX)
}

/// A gathered board's groups as text, after its picture (which is too wide to read on
/// paper): each group's heading, then its table — as the group's board derives it — one
/// line per row, or its items' texts for a group without a template. Nothing for a board
/// that gathered no groups.
fn group_lines(m: &Minutes, b: &MinutesBoard) -> Vec<(String, f64, bool)> {
    let frames = gather::group_frames(&b.board);
    if frames.is_empty() {
        return vec![];
    }
    let mut l = vec![
        (page_header(m, b).title, 16.0, true),
        (
            format!("I gruppi raccolti ({}), uno per uno:", frames.len()),
            11.0,
            false,
        ),
    ];
    for frame in frames {
        let Some(group) = gather::group_board(&b.board, frame) else {
            continue;
        };
        l.push((String::new(), 6.0, false));
        l.push((
            format!(
                "{} ({})",
                text::clean(frame.data_str("group")),
                labels::kind(group.meta.kind)
            ),
            13.0,
            true,
        ));
        l.extend(table_lines(&group));
    }
    l
}

/// The console's gallery on paper: each of `m.boards` (the groups' boards, side by side on
/// screen) on a page of its own, with the same headers as the minutes, then every board's
/// table (or its texts) as text, so the groups can be compared on paper. No cover.
pub fn gallery_pdf(m: &Minutes) -> Result<Vec<u8>, ExportError> {
    let mut pages: Vec<String> = m
        .boards
        .iter()
        .map(|b| render::board_page(&b.board, &page_header(m, b)))
        .collect();
    let mut lines = vec![(format!("{} — i gruppi a confronto", m.session), 16.0, true)];
    for b in &m.boards {
        lines.push((String::new(), 6.0, false));
        lines.push((
            format!(
                "{} ({})",
                page_header(m, b).title,
                labels::kind(b.board.meta.kind)
            ),
            13.0,
            true,
        ));
        lines.extend(table_lines(&b.board));
    }
    pages.extend(render::text_pages(&lines, usize::MAX));
    render::pdf(&pages, &format!("Gruppi: {}", m.session))
}

fn page_header(m: &Minutes, b: &MinutesBoard) -> PageHeader {
    PageHeader {
        title: format!("{} — {}", b.room, labels::title(&b.title)),
        lines: vec![
            format!(
                "{} · {} · {} ({})",
                labels::kind(b.board.meta.kind),
                m.workspace,
                m.session,
                m.date
            ),
            match (&b.state, m.closed_at) {
                (Some(state), _) => state.clone(),
                (None, Some(_)) => "Stato alla chiusura dell'incontro".into(),
                (None, None) => format!(
                    "Stato attuale al {} (incontro non chiuso)",
                    format_time(m.generated_at, &m.time_zone)
                ),
            },
        ],
    }
}

/// The whole archive.
pub fn zip(m: &Minutes) -> Result<Vec<u8>, ExportError> {
    let mut z = crate::zip::ZipWriter::new(local_time(m.generated_at, &m.time_zone));
    z.add(PDF_NAME, &pdf(m)?, false)?;
    for (i, b) in m.boards.iter().enumerate() {
        let (stem, _) = board_files(i, b);
        let svg_text = svg::svg(&b.board);
        z.add(
            &format!("{stem}.png"),
            &render::svg_to_png(&svg_text, 1.0)?,
            false,
        )?;
        z.add(&format!("{stem}.svg"), svg_text.as_bytes(), true)?;
        let json = serde_json::to_vec_pretty(&b.board.to_json())
            .map_err(|e| ExportError::Render(e.to_string()))?;
        z.add(&format!("{stem}.json"), &json, true)?;
        if let (Some(csv), Some(md)) = (tables::csv(&b.board), tables::markdown(&b.board)) {
            z.add(&format!("{stem}.csv"), csv.as_bytes(), true)?;
            z.add(&format!("{stem}.md"), md.as_bytes(), true)?;
        }
    }
    if !m.votes.is_empty() {
        let title = format!("{} ({})", m.session, m.date);
        z.add(
            VOTES_CSV,
            tables::votes_csv(&m.votes, &m.time_zone).as_bytes(),
            true,
        )?;
        z.add(
            VOTES_MD,
            tables::votes_markdown(&title, &m.votes, &m.time_zone).as_bytes(),
            true,
        )?;
    }
    debug_assert_eq!(z.names(), file_names(m).as_slice());
    if z.names() != file_names(m).as_slice() {
        return Err(ExportError::Render(
            "the archive differs from its cover".into(),
        ));
    }
    z.finish()
}
