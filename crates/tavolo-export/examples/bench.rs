//! Export benchmark: time and peak memory to export a 500-item board to PNG and PDF, and a
//! 10-board meeting's minutes ZIP.
//!
//! `cargo run --release -p tavolo-export --example bench [-- --out DIR]`
//!
//! Peak memory is the process's resident high-water mark (VmHWM), reset before each step
//! through /proc/self/clear_refs (Linux), so each line is that step's own peak. With
//! `--out DIR` the files are written there, to look at.

use serde_json::json;
use std::time::Instant;
use tavolo_board::{Board, BoardKind, Item, ItemType, Link, LinkKind};
use tavolo_export::minutes::{Minutes, MinutesBoard};
use tavolo_export::{minutes, render, svg, PageHeader};

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

const WORDS: [&str; 16] = [
    "servizi",
    "anziani",
    "quartiere",
    "città",
    "più",
    "perché",
    "sportello",
    "rete",
    "cooperativa",
    "attività",
    "comunità",
    "è",
    "già",
    "così",
    "trasporti",
    "informazione",
];

fn text(seed: usize, words: usize) -> String {
    (0..words)
        .map(|k| WORDS[(seed * 7 + k * 13) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

#[allow(clippy::too_many_arguments)]
fn item(id: String, t: &str, x: f64, y: f64, w: f64, h: f64, color: &str, text: String) -> Item {
    Item {
        z: format!("a{id}"),
        id,
        item_type: ItemType::parse(t),
        x,
        y,
        w,
        h,
        color: color.into(),
        shape: None,
        points: vec![],
        frame: None,
        role: None,
        data: Default::default(),
        author: None,
        text,
    }
}

/// A free board of `n` items: frames of 20 stickies each, with shapes, cards, text, ink
/// and a connector for every fourth item.
fn big_board(n: usize, title: &str) -> Board {
    let mut b = Board::template(BoardKind::Free, title);
    let colors = [
        "yellow", "orange", "pink", "green", "blue", "purple", "grey", "white",
    ];
    let per_frame = 20;
    let mut i = 0;
    let mut frame_no = 0;
    while i < n {
        let (fx, fy) = (
            (frame_no % 5) as f64 * 1100.0,
            (frame_no / 5) as f64 * 1000.0,
        );
        let fid = format!("f{frame_no}");
        b.items.insert(
            fid.clone(),
            item(
                fid.clone(),
                "frame",
                fx,
                fy,
                1040.0,
                900.0,
                "white",
                format!("Gruppo di idee {frame_no}"),
            ),
        );
        i += 1;
        for k in 0..per_frame {
            if i >= n {
                break;
            }
            let (x, y) = (
                fx + 20.0 + (k % 5) as f64 * 200.0,
                fy + 40.0 + (k / 5) as f64 * 210.0,
            );
            let id = format!("n{i}");
            let mut it = match i % 10 {
                7 => {
                    let mut s = item(
                        id.clone(),
                        "shape",
                        x,
                        y,
                        180.0,
                        120.0,
                        colors[i % 8],
                        text(i, 2),
                    );
                    s.shape = Some(if i % 20 == 7 { "ellipse" } else { "rect" }.into());
                    s
                }
                8 => {
                    let mut c = item(
                        id.clone(),
                        "card",
                        x,
                        y,
                        180.0,
                        110.0,
                        colors[i % 8],
                        text(i, 5),
                    );
                    c.role = Some("stakeholder".into());
                    c
                }
                9 => {
                    let mut p = item(
                        id.clone(),
                        "ink",
                        x,
                        y,
                        180.0,
                        100.0,
                        "purple",
                        String::new(),
                    );
                    p.points = (0..40)
                        .flat_map(|t| [t as f64 * 4.5, 50.0 + 40.0 * ((t as f64) / 4.0).sin()])
                        .collect();
                    p
                }
                _ => item(
                    id.clone(),
                    "sticky",
                    x,
                    y,
                    180.0,
                    180.0,
                    colors[i % 8],
                    text(i, 3 + i % 9),
                ),
            };
            it.frame = Some(fid.clone());
            b.items.insert(id.clone(), it);
            if i % 4 == 0 && i > 2 {
                let lid = format!("l{i}");
                b.links.insert(
                    lid.clone(),
                    Link {
                        id: lid,
                        from: format!("n{}", i - 2),
                        to: id,
                        kind: LinkKind::parse(["arrow", "causal", "relation"][i % 3]),
                        label: (i % 8 == 0).then(|| "vedi".to_owned()),
                    },
                );
            }
            i += 1;
        }
        frame_no += 1;
    }
    b.links
        .retain(|_, l| b.items.contains_key(&l.from) && b.items.contains_key(&l.to));
    b
}

/// A template board of `kind` with about `n` cards in its areas.
fn template_board(kind: BoardKind, n: usize, title: &str) -> Board {
    let mut b = Board::template(kind, title);
    for i in 0..n {
        let (role, x, y, color) = match kind {
            BoardKind::StakeholderMap => (
                "stakeholder",
                (i % 7) as f64 * 220.0,
                (i / 7) as f64 * 130.0,
                "blue",
            ),
            BoardKind::ProblemTree => (
                "cause",
                (i % 8) as f64 * 240.0 - 150.0,
                620.0 + (i / 8) as f64 * 120.0,
                "yellow",
            ),
            BoardKind::TheoryOfChange => {
                let lvl = tavolo_board::derive::TOC_LEVELS[i % 7];
                (
                    lvl,
                    (i % 7) as f64 * 300.0 + 40.0,
                    (i / 7) as f64 * 120.0,
                    "green",
                )
            }
            _ => (
                "report_item",
                (i % 6) as f64 * 270.0,
                900.0 + (i / 6) as f64 * 130.0,
                "green",
            ),
        };
        let mut it = item(
            format!("c{i}"),
            "card",
            x,
            y,
            200.0,
            110.0,
            color,
            text(i, 4),
        );
        it.role = Some(role.into());
        if role == "stakeholder" {
            it.data.insert("category".into(), json!("third_sector"));
            it.data.insert("attitude".into(), json!("supportive"));
        }
        if role == "output" {
            it.data.insert("indicators".into(), json!([{ "id": format!("i{i}"), "name": "Persone raggiunte", "unit": "persone", "baseline": "0", "target": "300", "source": "registro", "frequency": "mensile" }]));
        }
        b.items.insert(it.id.clone(), it);
    }
    b
}

fn main() {
    let out = std::env::args()
        .skip_while(|a| a != "--out")
        .nth(1)
        .map(std::path::PathBuf::from);
    if let Some(o) = &out {
        std::fs::create_dir_all(o).unwrap();
    }
    let save = |name: &str, bytes: &[u8]| {
        if let Some(o) = &out {
            std::fs::write(o.join(name), bytes).unwrap();
        }
    };
    println!("| step | time | peak RSS | output |");
    println!("|---|---:|---:|---:|");
    let board = big_board(500, "Lavagna da 500 elementi");
    assert_eq!(board.items.len(), 500);

    reset_peak();
    let t = Instant::now();
    let svg_text = svg::svg(&board);
    let dt = t.elapsed();
    println!(
        "| 500 items → SVG | {:.0} ms | {:.0} MiB | {} KiB |",
        dt.as_secs_f64() * 1e3,
        peak_mib(),
        svg_text.len() / 1024
    );
    save("500.svg", svg_text.as_bytes());

    reset_peak();
    let t = Instant::now();
    let png = render::png(&board, 1.0).unwrap();
    let dt = t.elapsed();
    let (w, h) = render::png_size(&board, 1.0);
    println!(
        "| 500 items → PNG ({w}×{h}) | {:.0} ms | {:.0} MiB | {} KiB |",
        dt.as_secs_f64() * 1e3,
        peak_mib(),
        png.len() / 1024
    );
    save("500.png", &png);

    reset_peak();
    let t = Instant::now();
    let pdf = render::board_pdf(
        &board,
        &PageHeader {
            title: board.meta.title.clone(),
            lines: vec!["Benchmark".into()],
        },
    )
    .unwrap();
    let dt = t.elapsed();
    println!(
        "| 500 items → PDF | {:.0} ms | {:.0} MiB | {} KiB |",
        dt.as_secs_f64() * 1e3,
        peak_mib(),
        pdf.len() / 1024
    );
    save("500.pdf", &pdf);

    let kinds = [
        BoardKind::StakeholderMap,
        BoardKind::ProblemTree,
        BoardKind::TheoryOfChange,
        BoardKind::SocialReport,
    ];
    let mut boards = vec![
        MinutesBoard {
            room: "Plenaria".into(),
            title: "Chi siede al tavolo".into(),
            board: template_board(BoardKind::StakeholderMap, 40, "Chi siede al tavolo"),
            state: None,
        },
        MinutesBoard {
            room: "Plenaria".into(),
            title: "Idee".into(),
            board: big_board(150, "Idee"),
            state: None,
        },
    ];
    for g in 0..8 {
        let kind = kinds[g % kinds.len()];
        boards.push(MinutesBoard {
            room: format!("Gruppo {}", g + 1),
            title: tavolo_export::labels::kind(Some(kind)).into(),
            board: template_board(kind, 40, "gruppo"),
            state: None,
        });
    }
    let items: usize = boards.iter().map(|b| b.board.items.len()).sum();
    let m = Minutes {
        workspace: "Tavolo anziani".into(),
        session: "Incontro 1: costruire il tavolo".into(),
        date: "2026-12-01".into(),
        closed_at: Some(1_780_000_000_000),
        generated_at: 1_780_000_100_000,
        time_zone: tavolo_export::TimeZone::UTC,
        participants: 24,
        observers: 2,
        groups: (1..=8).map(|g| (format!("Gruppo {g}"), 3)).collect(),
        boards,
        votes: Vec::new(),
    };
    reset_peak();
    let t = Instant::now();
    let zip = minutes::zip(&m).unwrap();
    let dt = t.elapsed();
    println!(
        "| 10-board minutes ZIP ({items} items) | {:.0} ms | {:.0} MiB | {} KiB |",
        dt.as_secs_f64() * 1e3,
        peak_mib(),
        zip.len() / 1024
    );
    save("minutes.zip", &zip);
    if let Some(o) = &out {
        for (name, data) in tavolo_export::zip::read(&zip).unwrap() {
            if name == minutes::PDF_NAME {
                std::fs::write(o.join("minutes.pdf"), data).unwrap();
            }
        }
    }
}
