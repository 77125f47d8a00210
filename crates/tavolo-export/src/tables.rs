//! The structured content of template boards as tables (CSV) and documents (Markdown),
//! with Italian headers: stakeholders, problem and objective trees (nested outline), the
//! Theory of Change by level with its indicators, and the social-reporting plan. Values
//! come from `tavolo_board::derive`, the same rules the browser uses.
//!
//! CSV: UTF-8 with a byte-order mark, `;` between fields, CRLF, decimal comma — what
//! spreadsheets set to Italian open without asking. A cell that a spreadsheet would take
//! for a formula (`=`, `+`, `-`, `@` first) gets a leading `'`.

use crate::labels;
use std::collections::HashMap;
use tavolo_board::derive::{self, TOC_LEVELS};
use tavolo_board::{gather, Board, BoardKind, Item, ItemType, LinkKind};

/// A table: what it is (for file names), its headers and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// A short name for files: `stakeholder`, `albero`, `teoria-del-cambiamento`, `rendicontazione`.
    pub name: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

fn decimal(v: f64) -> String {
    format!("{v:.2}").replace('.', ",")
}

fn one_line(s: &str) -> String {
    crate::text::clean(s)
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub const STAKEHOLDER_HEADERS: [&str; 8] = [
    "Nome",
    "Categoria",
    "Atteggiamento",
    "Potere",
    "Interesse",
    "Quadrante",
    "Cerchio",
    "Note",
];

pub const TOC_HEADERS: [&str; 8] = [
    "Livello",
    "Elemento",
    "Indicatore",
    "Unità di misura",
    "Valore di partenza",
    "Valore obiettivo",
    "Fonte dei dati",
    "Frequenza di rilevazione",
];

pub const REPORT_HEADERS: [&str; 7] = [
    "Voce",
    "A chi",
    "Canale",
    "Dati",
    "Periodo",
    "Indicatore",
    "Sezione",
];

/// The column a gathered board's tables add after the first: which group a row is from.
pub const GROUP_HEADER: &str = "Gruppo";

/// The groups of a gathered board (`tavolo_board::gather`), by frame id: their order and
/// label. Empty for any other board.
fn groups(board: &Board) -> HashMap<&str, (usize, String)> {
    gather::group_frames(board)
        .into_iter()
        .enumerate()
        .map(|(n, f)| (f.id.as_str(), (n, one_line(f.data_str("group")))))
        .collect()
}

/// Where a row of `item` goes among the groups, and the group's label ("" outside them).
fn group_cell(
    board: &Board,
    groups: &HashMap<&str, (usize, String)>,
    item: &Item,
) -> (usize, String) {
    gather::group_of(board, item)
        .and_then(|f| groups.get(f.id.as_str()).cloned())
        .unwrap_or((usize::MAX, String::new()))
}

/// The board's table, for template boards (free boards have none). On a gathered board
/// every row also says its group (the second column).
pub fn table(board: &Board) -> Option<Table> {
    let mut t = kind_table(board)?;
    let groups = groups(board);
    if !groups.is_empty() {
        t.headers.insert(1.min(t.headers.len()), GROUP_HEADER);
    }
    Some(t)
}

fn kind_table(board: &Board) -> Option<Table> {
    let groups = groups(board);
    let with_group = |item: &Item, mut row: Vec<String>| {
        if !groups.is_empty() {
            row.insert(1.min(row.len()), group_cell(board, &groups, item).1);
        }
        row
    };
    match board.meta.kind? {
        BoardKind::Free => None,
        BoardKind::StakeholderMap => Some(Table {
            name: "stakeholder",
            headers: STAKEHOLDER_HEADERS.to_vec(),
            rows: derive::stakeholders(board)
                .into_iter()
                .map(|s| {
                    let row = vec![
                        one_line(&s.name),
                        labels::category(&s.category).to_owned(),
                        labels::attitude(&s.attitude).to_owned(),
                        decimal(s.power),
                        decimal(s.interest),
                        labels::quadrant(s.quadrant.as_str()).to_owned(),
                        labels::ring(&s.ring).to_owned(),
                        one_line(&s.notes),
                    ];
                    match board.items.get(&s.id) {
                        Some(item) => with_group(item, row),
                        None => row,
                    }
                })
                .collect(),
        }),
        BoardKind::ProblemTree | BoardKind::ObjectiveTree => {
            let objective = board.meta.kind == Some(BoardKind::ObjectiveTree);
            let mut headers = vec!["Ruolo", "Profondità", "Testo"];
            if objective {
                headers.extend(["Da riscrivere", "Enunciato originale"]);
            }
            let rows = derive::problem_outline(board)
                .into_iter()
                .filter_map(|e| {
                    let item = board.items.get(&e.id)?;
                    let mut row = vec![
                        labels::role(&e.role).to_owned(),
                        e.depth.to_string(),
                        one_line(&item.text),
                    ];
                    if objective {
                        row.push(if rewrite(item) { "sì" } else { "no" }.into());
                        row.push(one_line(item.data_str("original")));
                    }
                    Some(with_group(item, row))
                })
                .collect();
            Some(Table {
                name: "albero",
                headers,
                rows,
            })
        }
        BoardKind::TheoryOfChange => Some(Table {
            name: "teoria-del-cambiamento",
            headers: TOC_HEADERS.to_vec(),
            rows: toc_rows(board)
                .into_iter()
                .map(|(item, row)| with_group(item, row))
                .collect(),
        }),
        BoardKind::SocialReport => Some(Table {
            name: "rendicontazione",
            headers: REPORT_HEADERS.to_vec(),
            rows: report_rows(board)
                .into_iter()
                .map(|(item, row)| with_group(item, row))
                .collect(),
        }),
    }
}

fn rewrite(item: &Item) -> bool {
    item.data
        .get("rewrite")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false)
}

/// The Theory of Change's cards by level (in level order, each level group by group —
/// on a gathered board — and in reading order), then those outside every lane, then the
/// assumptions.
fn toc_cards(board: &Board) -> Vec<(String, &Item)> {
    let groups = groups(board);
    let group = |item: &Item| group_cell(board, &groups, item).0;
    let mut cards: Vec<(usize, &Item)> = Vec::new();
    for item in board
        .items
        .values()
        .filter(|i| i.item_type == ItemType::Card)
    {
        if item.role.as_deref() == Some("assumption") {
            cards.push((TOC_LEVELS.len() + 1, item));
            continue;
        }
        if item.role.as_deref() == Some("indicator") {
            continue;
        }
        let rank = derive::toc_level(board, item)
            .and_then(|l| TOC_LEVELS.iter().position(|x| *x == l))
            .unwrap_or(TOC_LEVELS.len());
        cards.push((rank, item));
    }
    cards.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(group(a.1).cmp(&group(b.1)))
            .then(a.1.y.total_cmp(&b.1.y))
            .then(a.1.x.total_cmp(&b.1.x))
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    cards
        .into_iter()
        .map(|(rank, item)| {
            let level = match TOC_LEVELS.get(rank) {
                Some(l) => labels::role(l).to_owned(),
                None if rank == TOC_LEVELS.len() => "Fuori dalle colonne".to_owned(),
                None => labels::role("assumption").to_owned(),
            };
            (level, item)
        })
        .collect()
}

fn toc_rows(board: &Board) -> Vec<(&Item, Vec<String>)> {
    let indicators = derive::indicators(board);
    let mut rows = Vec::new();
    for (level, item) in toc_cards(board) {
        let mine: Vec<_> = indicators.iter().filter(|i| i.item == item.id).collect();
        if mine.is_empty() {
            let mut row = vec![level.clone(), one_line(&item.text)];
            row.extend(std::iter::repeat_n(String::new(), 6));
            rows.push((item, row));
        }
        for ind in mine {
            rows.push((
                item,
                vec![
                    level.clone(),
                    one_line(&item.text),
                    one_line(&ind.name),
                    one_line(&ind.unit),
                    one_line(&ind.baseline),
                    one_line(&ind.target),
                    one_line(&ind.source),
                    one_line(&ind.frequency),
                ],
            ));
        }
    }
    rows
}

fn report_rows(board: &Board) -> Vec<(&Item, Vec<String>)> {
    let indicators = derive::indicators(board);
    board
        .items_with_role("report_item")
        .into_iter()
        .map(|item| {
            let ind = item.data_str("indicator");
            let ind = indicators
                .iter()
                .find(|i| !ind.is_empty() && i.id == ind)
                .map_or_else(|| ind.to_owned(), |i| i.name.clone());
            let row = vec![
                one_line(&item.text),
                one_line(item.data_str("audience")),
                one_line(item.data_str("channel")),
                one_line(item.data_str("data")),
                one_line(item.data_str("period")),
                one_line(&ind),
                derive::report_section(board, item)
                    .map(|s| labels::section(&s).to_owned())
                    .unwrap_or_default(),
            ];
            (item, row)
        })
        .collect()
}

// ------------------------------------------------------------------ CSV

fn csv_cell(s: &str) -> String {
    let mut v = s.to_owned();
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.insert(0, '\'');
    }
    if v.contains([';', '"', '\n', '\r']) || v.starts_with(' ') || v.ends_with(' ') {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// A table as CSV (see the module's documentation for the dialect).
pub fn to_csv(t: &Table) -> String {
    let mut out = String::from("\u{FEFF}");
    let line = |cells: Vec<String>| cells.join(";") + "\r\n";
    out.push_str(&line(t.headers.iter().map(|h| csv_cell(h)).collect()));
    for row in &t.rows {
        out.push_str(&line(row.iter().map(|c| csv_cell(c)).collect()));
    }
    out
}

/// The board's table as CSV, for template boards.
pub fn csv(board: &Board) -> Option<String> {
    table(board).map(|t| to_csv(&t))
}

// ------------------------------------------------------------------ Markdown

/// Text made inert in Markdown: no markup, no HTML, one line.
pub fn md(s: &str) -> String {
    let mut out = String::new();
    for c in one_line(s).chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    if out.starts_with(['-', '+']) {
        // not a list item
        out.insert(0, '\\');
    }
    // not a numbered list either ("1. …", "2) …")
    let digits = out.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && matches!(out[digits..].chars().next(), Some('.' | ')')) {
        out.insert(digits, '\\');
    }
    out
}

fn md_table(out: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    out.push_str(&format!(
        "| {} |\n|{}|\n",
        headers
            .iter()
            .map(|h| md(h))
            .collect::<Vec<_>>()
            .join(" | "),
        headers.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    ));
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .map(|c| if c.is_empty() { String::new() } else { md(c) })
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
}

fn heading(board: &Board) -> String {
    let title = md(labels::title(&board.meta.title));
    format!("# {title}\n\n*{}*\n\n", labels::kind(board.meta.kind))
}

fn text_or_empty(item: &Item) -> String {
    if item.text.trim().is_empty() {
        "*(vuoto)*".into()
    } else {
        md(&item.text)
    }
}

/// The board's structured content as Markdown, for template boards.
pub fn markdown(board: &Board) -> Option<String> {
    let kind = board.meta.kind?;
    let groups = groups(board);
    let mut out = heading(board);
    match kind {
        BoardKind::Free => return None,
        BoardKind::StakeholderMap => {
            let t = table(board)?;
            out.push_str("## Stakeholder\n\n");
            md_table(&mut out, &t.headers, &t.rows);
            let rel: Vec<_> = board.links.values().collect();
            if !rel.is_empty() {
                out.push_str("\n## Relazioni\n\n");
                for l in rel {
                    link_line(board, l, &mut out);
                }
            }
        }
        BoardKind::ProblemTree | BoardKind::ObjectiveTree => {
            let outline = derive::problem_outline(board);
            let roles: [&str; 3] = if kind == BoardKind::ObjectiveTree {
                ["end", "objective", "means"]
            } else {
                ["effect", "core_problem", "cause"]
            };
            for (k, role) in roles.iter().enumerate() {
                out.push_str(&format!("## {}\n\n", labels::band(role)));
                let entries: Vec<_> = outline.iter().filter(|e| e.role == *role).collect();
                if entries.is_empty() {
                    out.push_str("*(nessuno)*\n");
                }
                for e in entries {
                    let Some(item) = board.items.get(&e.id) else {
                        continue;
                    };
                    // causes start at depth 1 (the direct causes)
                    let depth = if k == 2 {
                        e.depth.saturating_sub(1)
                    } else {
                        e.depth
                    };
                    out.push_str(&"  ".repeat(depth.min(20)));
                    out.push_str("- ");
                    out.push_str(&text_or_empty(item));
                    if rewrite(item) {
                        out.push_str(&format!(
                            " — *da riscrivere* (era: «{}»)",
                            md(item.data_str("original"))
                        ));
                    }
                    out.push('\n');
                }
                out.push('\n');
            }
        }
        BoardKind::TheoryOfChange => {
            let indicators = derive::indicators(board);
            let cards = toc_cards(board);
            let mut current = String::new();
            for (level, item) in &cards {
                if *level != current {
                    out.push_str(&format!("\n## {}\n\n", md(level)));
                    current = level.clone();
                }
                out.push_str("- ");
                if !groups.is_empty() {
                    let group = group_cell(board, &groups, item).1;
                    if !group.is_empty() {
                        out.push_str(&format!("**{}**: ", md(&group)));
                    }
                }
                out.push_str(&text_or_empty(item));
                if item.role.as_deref() == Some("assumption") {
                    out.push_str(&assumption_target(board, item));
                }
                out.push('\n');
                for ind in indicators.iter().filter(|i| i.item == item.id) {
                    out.push_str(&format!(
                        "  - Indicatore: {} — {}: {}; {}: {}; {}: {}; {}: {}; {}: {}\n",
                        md(&ind.name),
                        "unità",
                        md(&ind.unit),
                        "partenza",
                        md(&ind.baseline),
                        "obiettivo",
                        md(&ind.target),
                        "fonte",
                        md(&ind.source),
                        "frequenza",
                        md(&ind.frequency)
                    ));
                }
            }
            let t = table(board)?;
            let ind_col = t.headers.iter().position(|h| *h == "Indicatore")?;
            let with_ind: Vec<Vec<String>> = t
                .rows
                .iter()
                .filter(|r| r.get(ind_col).is_some_and(|c| !c.is_empty()))
                .cloned()
                .collect();
            out.push_str("\n## Indicatori (sistema di valutazione)\n\n");
            if with_ind.is_empty() {
                out.push_str("*(nessun indicatore)*\n");
            } else {
                md_table(&mut out, &t.headers, &with_ind);
            }
            let causal: Vec<_> = board.links.values().collect();
            if !causal.is_empty() {
                out.push_str("\n## Collegamenti\n\n");
                for l in causal {
                    link_line(board, l, &mut out);
                }
            }
        }
        BoardKind::SocialReport => {
            let t = table(board)?;
            out.push_str("## Piano di rendicontazione\n\n");
            if t.rows.is_empty() {
                out.push_str("*(nessuna voce)*\n");
            } else {
                md_table(&mut out, &t.headers, &t.rows);
            }
            out.push_str("\n## Sezioni del bilancio sociale\n");
            let sections: Vec<(String, String)> = board
                .meta
                .template
                .get("sections")
                .and_then(|s| s.as_array())
                .into_iter()
                .flatten()
                .filter_map(|s| {
                    let key = s.get("section")?.as_str()?.to_owned();
                    Some((key.clone(), labels::section(&key).to_owned()))
                })
                .collect();
            // a gathered board repeats each section once per group: list each once
            let mut seen = std::collections::HashSet::new();
            let sections: Vec<_> = sections
                .into_iter()
                .filter(|(k, _)| seen.insert(k.clone()))
                .collect();
            for (key, label) in sections {
                out.push_str(&format!("\n### {}\n\n", md(&label)));
                let mut items: Vec<&Item> = board
                    .items
                    .values()
                    .filter(|i| {
                        i.item_type != ItemType::Frame
                            && i.item_type != ItemType::Ink
                            && derive::report_section(board, i).as_deref() == Some(key.as_str())
                    })
                    .collect();
                items.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
                if items.is_empty() {
                    out.push_str("*(vuota)*\n");
                }
                for i in items {
                    out.push_str(&format!("- {}\n", text_or_empty(i)));
                }
            }
        }
    }
    Some(out)
}

fn item_label(board: &Board, id: &str) -> String {
    board
        .items
        .get(id)
        .map(|i| {
            if i.text.trim().is_empty() {
                format!(
                    "({})",
                    i.role
                        .as_deref()
                        .map_or(labels::item_type(i.item_type.as_str()), labels::role)
                )
            } else {
                one_line(&i.text)
            }
        })
        .unwrap_or_else(|| "?".into())
}

fn link_line(board: &Board, l: &tavolo_board::Link, out: &mut String) {
    let arrow = if l.kind == LinkKind::Relation {
        "—"
    } else {
        "→"
    };
    out.push_str(&format!(
        "- {} {arrow} {}",
        md(&item_label(board, &l.from)),
        md(&item_label(board, &l.to))
    ));
    if let Some(label) = l.label.as_deref().filter(|s| !s.trim().is_empty()) {
        out.push_str(&format!(" ({})", md(label)));
    }
    out.push_str(&format!(" *[{}]*\n", labels::link_kind(l.kind.as_str())));
}

fn assumption_target(board: &Board, item: &Item) -> String {
    let link = item.data_str("link");
    if let Some(l) = board.links.get(link) {
        return format!(
            " — si riferisce al collegamento {} → {}",
            md(&item_label(board, &l.from)),
            md(&item_label(board, &l.to))
        );
    }
    let level = item.data_str("level");
    if !level.is_empty() {
        return format!(" — si riferisce al livello {}", md(labels::role(level)));
    }
    " — si riferisce a tutta la teoria".into()
}

// ------------------------------------------------------------------ dot votes

/// A closed dot vote's result: counts per item, never who voted (the server keeps no
/// voter with a closed vote: README, Security, "Votes").
#[derive(Debug, Clone, PartialEq)]
pub struct VoteResult {
    pub id: String,
    pub board: String,
    pub board_title: String,
    /// The room's name ("Plenaria", "Gruppo 1").
    pub room: String,
    /// Dots each participant had.
    pub dots: i64,
    pub opened_at: i64,
    pub closed_at: i64,
    /// The items with dots, most first (ties share their rank).
    pub items: Vec<VotedItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VotedItem {
    pub item: String,
    /// The item's text, one line ([`voted_item_label`]).
    pub label: String,
    pub dots: i64,
    /// 1 for the most dots; items with as many dots share a rank ("1, 1, 3").
    pub rank: usize,
}

impl VoteResult {
    pub fn total(&self) -> i64 {
        self.items.iter().map(|i| i.dots).sum()
    }
}

/// Ranks a tally (item, dots): most dots first, then by label; equal counts share a rank.
pub fn rank_tally(board: Option<&Board>, tally: Vec<(String, i64)>) -> Vec<VotedItem> {
    let mut items: Vec<VotedItem> = tally
        .into_iter()
        .filter(|(_, dots)| *dots > 0)
        .map(|(item, dots)| VotedItem {
            label: voted_item_label(board, &item),
            item,
            dots,
            rank: 0,
        })
        .collect();
    items.sort_by(|a, b| {
        b.dots
            .cmp(&a.dots)
            .then_with(|| a.label.cmp(&b.label))
            .then_with(|| a.item.cmp(&b.item))
    });
    for i in 0..items.len() {
        items[i].rank = if i > 0 && items[i - 1].dots == items[i].dots {
            items[i - 1].rank
        } else {
            i + 1
        };
    }
    items
}

/// What a voted item is called in results: its text on one line, its kind when it has no
/// text, and "(elemento eliminato)" when it is no longer on the board.
pub fn voted_item_label(board: Option<&Board>, id: &str) -> String {
    match board {
        Some(b) if b.items.contains_key(id) => item_label(b, id),
        _ => "(elemento eliminato)".into(),
    }
}

pub const VOTE_HEADERS: [&str; 8] = [
    "Lavagna",
    "Stanza",
    "Chiusa il",
    "Punti a testa",
    "Posizione",
    "Elemento",
    "Punti",
    "Punti in tutto",
];

fn board_title(v: &VoteResult) -> String {
    one_line(labels::title(&v.board_title))
}

/// Closed votes as one table, a row per voted item (a vote without dots: one row with
/// the item cells empty).
pub fn votes_table(votes: &[VoteResult], tz: &crate::TimeZone) -> Table {
    let mut rows = Vec::new();
    for v in votes {
        let head = [
            board_title(v),
            one_line(&v.room),
            crate::format_time(v.closed_at, tz),
            v.dots.to_string(),
        ];
        let total = v.total().to_string();
        if v.items.is_empty() {
            let mut row = head.to_vec();
            row.extend([String::new(), String::new(), "0".into(), total.clone()]);
            rows.push(row);
        }
        for i in &v.items {
            let mut row = head.to_vec();
            row.extend([
                i.rank.to_string(),
                i.label.clone(),
                i.dots.to_string(),
                total.clone(),
            ]);
            rows.push(row);
        }
    }
    Table {
        name: "votazioni",
        headers: VOTE_HEADERS.to_vec(),
        rows,
    }
}

/// Closed votes as CSV (the dialect of the module's documentation).
pub fn votes_csv(votes: &[VoteResult], tz: &crate::TimeZone) -> String {
    to_csv(&votes_table(votes, tz))
}

/// Closed votes as Markdown: a section per vote with its items ranked.
pub fn votes_markdown(title: &str, votes: &[VoteResult], tz: &crate::TimeZone) -> String {
    let mut out = format!("# Risultati delle votazioni\n\n*{}*\n", md(title));
    if votes.is_empty() {
        out.push_str("\n*(nessuna votazione chiusa)*\n");
    }
    for v in votes {
        out.push_str(&format!(
            "\n## {} — {}\n\n*Chiusa il {}; {} punti a testa, {} in tutto.*\n\n",
            md(&board_title(v)),
            md(&v.room),
            crate::format_time(v.closed_at, tz),
            v.dots,
            v.total()
        ));
        if v.items.is_empty() {
            out.push_str("*(nessun punto)*\n");
            continue;
        }
        let rows: Vec<Vec<String>> = v
            .items
            .iter()
            .map(|i| vec![i.rank.to_string(), i.label.clone(), i.dots.to_string()])
            .collect();
        md_table(&mut out, &["Posizione", "Elemento", "Punti"], &rows);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_text_is_inert() {
        assert_eq!(md("<script>x</script>"), "&lt;script&gt;x&lt;/script&gt;");
        assert_eq!(md("*a* | [b](c)"), "\\*a\\* \\| \\[b\\](c)");
        assert_eq!(md("1. primo"), "1\\. primo");
        assert_eq!(md("0,87"), "0,87");
        assert_eq!(md("- no"), "\\- no");
        assert_eq!(md("riga\nnuova"), "riga nuova");
    }

    #[test]
    fn csv_cells() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("a;b"), "\"a;b\"");
        assert_eq!(csv_cell("detto \"così\""), "\"detto \"\"così\"\"\"");
        assert_eq!(csv_cell("0,87"), "0,87");
    }

    #[test]
    fn votes_are_ranked_and_ties_share_a_rank() {
        let board = Board::from_json(&serde_json::json!({
            "meta": { "kind": "free", "title": "Idee" },
            "items": {
                "a": { "type": "sticky", "x": 0, "y": 0, "w": 10, "h": 10, "z": "a", "text": "Orti" },
                "b": { "type": "sticky", "x": 0, "y": 0, "w": 10, "h": 10, "z": "b", "text": "Panchine" },
                "c": { "type": "sticky", "x": 0, "y": 0, "w": 10, "h": 10, "z": "c", "text": "=Luce" }
            },
            "links": {}
        }))
        .unwrap();
        let ranked = rank_tally(
            Some(&board),
            vec![
                ("b".into(), 3),
                ("a".into(), 3),
                ("c".into(), 1),
                ("gone".into(), 2),
                ("zero".into(), 0),
            ],
        );
        let got: Vec<(usize, &str, i64)> = ranked
            .iter()
            .map(|i| (i.rank, i.label.as_str(), i.dots))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "Orti", 3),
                (1, "Panchine", 3),
                (3, "(elemento eliminato)", 2),
                (4, "=Luce", 1)
            ]
        );
        let v = VoteResult {
            id: "v".into(),
            board: "b1".into(),
            board_title: "Idee".into(),
            room: "Plenaria".into(),
            dots: 3,
            opened_at: 1_780_000_000_000,
            closed_at: 1_780_000_000_000,
            items: ranked,
        };
        let empty = VoteResult {
            items: vec![],
            ..v.clone()
        };
        let csv = votes_csv(&[v.clone(), empty], &crate::TimeZone::UTC);
        let lines: Vec<&str> = csv.trim_start_matches('\u{FEFF}').split("\r\n").collect();
        assert_eq!(
            lines[0],
            "Lavagna;Stanza;Chiusa il;Punti a testa;Posizione;Elemento;Punti;Punti in tutto"
        );
        assert_eq!(lines[1], "Idee;Plenaria;28/05/2026 20:26 UTC;3;1;Orti;3;9");
        assert_eq!(
            lines[4],
            "Idee;Plenaria;28/05/2026 20:26 UTC;3;4;'=Luce;1;9"
        );
        assert_eq!(lines[5], "Idee;Plenaria;28/05/2026 20:26 UTC;3;;;0;0");
        let md = votes_markdown("Incontro 1", &[v], &crate::TimeZone::UTC);
        assert!(md.contains("## Idee — Plenaria"), "{md}");
        assert!(md.contains("| 1 | Orti | 3 |"), "{md}");
        assert!(md.contains("| 4 | =Luce | 1 |"), "{md}");
        assert!(md.contains("3 punti a testa, 9 in tutto"), "{md}");
    }
}
