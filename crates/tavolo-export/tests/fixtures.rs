//! Every export of every fixture (`schema/fixtures/`): pictures that parse and show the
//! notes, tables whose rows are the values the fixtures say both sides derive, minutes
//! whose archive is what its cover lists.

use serde_json::Value;
use std::collections::BTreeMap;
use tavolo_board::{Board, ItemType};
use tavolo_export::minutes::{self, Minutes, MinutesBoard};
use tavolo_export::{labels, render, svg, tables, text, PageHeader};

const KINDS: [&str; 5] = [
    "free",
    "stakeholder_map",
    "problem_tree",
    "theory_of_change",
    "social_report",
];

fn fixture(kind: &str) -> (Board, Value) {
    let path = format!(
        "{}/../../schema/fixtures/{kind}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    (Board::from_json(&v).unwrap(), v["expected"].clone())
}

fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn pictures_show_every_item() {
    for kind in KINDS {
        let (board, _) = fixture(kind);
        let s = svg::svg(&board);
        let texts = svg_texts(&s).join(" ");
        for item in board.items.values() {
            // the words of each text are on the picture, wrapped however
            for word in item.text.split_whitespace() {
                assert!(texts.contains(word), "{kind}: {word:?} of {}", item.id);
            }
        }
        // usvg reads it with the shipped fonts only, and finds every glyph
        let tree = render::parse(&s).unwrap();
        let b = svg::bounds(&board);
        assert_eq!(tree.size().width().round(), b.w.round() as f32, "{kind}");
        let png = render::svg_to_png(&s, 1.0).unwrap();
        let pix = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!(
            (pix.width(), pix.height()),
            render::png_size(&board, 1.0),
            "{kind}"
        );
        // each sticky's colour at its lower right, where no text is
        for item in board
            .items
            .values()
            .filter(|i| i.item_type == ItemType::Sticky)
        {
            let (x, y) = (item.x + item.w - 10.0 - b.x, item.y + item.h - 10.0 - b.y);
            let p = pix.pixel(x as u32, y as u32).unwrap();
            let hex = format!("#{:02X}{:02X}{:02X}", p.red(), p.green(), p.blue());
            assert_eq!(hex, svg::color_hex(&item.color), "{kind}: {}", item.id);
        }
        let pdf = render::board_pdf(
            &board,
            &PageHeader {
                title: board.meta.title.clone(),
                lines: vec![],
            },
        )
        .unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
}

#[test]
fn frames_carry_their_title_and_the_template_its_labels() {
    let (free, _) = fixture("free");
    assert!(svg_texts(&svg::svg(&free)).contains(&"Idee".to_owned()));
    let (map, _) = fixture("stakeholder_map");
    let t = svg_texts(&svg::svg(&map));
    for q in [
        "manage_closely",
        "keep_satisfied",
        "keep_informed",
        "monitor",
    ] {
        assert!(t.contains(&labels::quadrant(q).to_owned()), "{q}");
    }
    let (toc, _) = fixture("theory_of_change");
    let t = svg_texts(&svg::svg(&toc)).join(" ");
    assert!(t.contains("Impatto") && t.contains("Attività"));
    let (tree, _) = fixture("problem_tree");
    let t = svg_texts(&svg::svg(&tree));
    assert!(t.contains(&"Cause".to_owned()) && t.contains(&"Effetti".to_owned()));
    let (report, _) = fixture("social_report");
    let t = svg_texts(&svg::svg(&report));
    assert!(t.contains(&"Identità".to_owned()));
}

/// `;`-separated rows of a CSV without quoted fields (the fixtures have none).
fn rows(csv: &str) -> Vec<Vec<String>> {
    csv.trim_start_matches('\u{FEFF}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(';').map(str::to_owned).collect())
        .collect()
}

#[test]
fn stakeholder_table_is_the_derived_values() {
    let (board, expected) = fixture("stakeholder_map");
    let rows = rows(&tables::csv(&board).unwrap());
    assert_eq!(rows[0], tables::STAKEHOLDER_HEADERS);
    assert_eq!(rows.len() - 1, board.items.len());
    for (id, e) in expected["stakeholders"].as_object().unwrap() {
        let name = &board.items[id].text;
        let row = rows.iter().find(|r| &r[0] == name).unwrap();
        let num = |s: &str| s.replace(',', ".").parse::<f64>().unwrap();
        assert!(
            (num(&row[3]) - e["power"].as_f64().unwrap()).abs() < 0.006,
            "{id}"
        );
        assert!(
            (num(&row[4]) - e["interest"].as_f64().unwrap()).abs() < 0.006,
            "{id}"
        );
        assert_eq!(row[5], labels::quadrant(e["quadrant"].as_str().unwrap()));
        assert_eq!(row[6], labels::ring(e["ring"].as_str().unwrap()));
    }
    let md = tables::markdown(&board).unwrap();
    assert!(md.contains("Cooperativa sociale «Il Ponte»") && md.contains("convenzione"));
}

#[test]
fn tree_table_and_outline_follow_the_links() {
    let (board, expected) = fixture("problem_tree");
    let rows = rows(&tables::csv(&board).unwrap());
    assert_eq!(rows[0], ["Ruolo", "Profondità", "Testo"]);
    let outline = expected["outline"].as_array().unwrap();
    assert_eq!(rows.len() - 1, outline.len());
    for (row, e) in rows[1..].iter().zip(outline) {
        let id = e["id"].as_str().unwrap();
        assert_eq!(row[0], labels::role(e["role"].as_str().unwrap()));
        assert_eq!(row[1], e["depth"].to_string());
        assert_eq!(row[2], board.items[id].text);
    }
    // Markdown nests the causes: the root cause under its direct cause
    let md = tables::markdown(&board).unwrap();
    assert!(
        md.contains("- Scarsa informazione sui servizi\n  - Sportelli chiusi il pomeriggio\n"),
        "{md}"
    );
}

#[test]
fn theory_of_change_table_by_level_with_indicators() {
    let (board, expected) = fixture("theory_of_change");
    let rows = rows(&tables::csv(&board).unwrap());
    assert_eq!(rows[0], tables::TOC_HEADERS);
    let levels: BTreeMap<String, Value> = expected["levels"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (id, level) in &levels {
        let text = &board.items[id].text;
        let row = rows.iter().find(|r| &r[1] == text).unwrap();
        let want = level.as_str().map_or_else(
            || labels::role("assumption").to_owned(),
            |l| labels::role(l).to_owned(),
        );
        assert_eq!(row[0], want, "{id}");
    }
    // rows in level order
    let order: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(order.first(), Some(&"Risorse"));
    assert_eq!(order.last(), Some(&"Ipotesi"));
    let with_indicator = rows[1..].iter().filter(|r| !r[2].is_empty()).count();
    assert_eq!(
        with_indicator as u64,
        expected["indicator_count"].as_u64().unwrap()
    );
    let ind = rows.iter().find(|r| r[2] == "Persone raggiunte").unwrap();
    assert_eq!(
        ind[3..],
        ["persone", "0", "300", "registro accessi", "mensile"]
    );
    let md = tables::markdown(&board).unwrap();
    assert!(md.contains("## Indicatori (sistema di valutazione)"));
    assert!(md.contains("si riferisce al collegamento Sportello mobile nei quartieri → Persone raggiunte dallo sportello"), "{md}");
}

#[test]
fn reporting_plan_table() {
    let (board, expected) = fixture("social_report");
    let rows = rows(&tables::csv(&board).unwrap());
    assert_eq!(rows[0], tables::REPORT_HEADERS);
    let ids: Vec<&str> = expected["report_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(rows.len() - 1, ids.len());
    for (row, id) in rows[1..].iter().zip(ids) {
        let item = &board.items[id];
        assert_eq!(row[0], item.text);
        assert_eq!(row[1], item.data_str("audience"));
        assert_eq!(row[4], item.data_str("period"));
    }
    let md = tables::markdown(&board).unwrap();
    let identity = md.split("### Identità").nth(1).unwrap();
    assert!(identity.contains("Missione: nessuno resta solo"));
    // a free board has no tables
    assert!(tables::csv(&fixture("free").0).is_none());
}

#[test]
fn minutes_of_the_fixtures() {
    let boards: Vec<MinutesBoard> = KINDS
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let (board, _) = fixture(k);
            MinutesBoard {
                room: if i == 0 {
                    "Plenaria".into()
                } else {
                    format!("Gruppo {i}")
                },
                title: board.meta.title.clone(),
                board,
                state: None,
            }
        })
        .collect();
    let m = Minutes {
        workspace: "Tavolo anziani".into(),
        session: "Incontro di prova".into(),
        date: "2026-12-01".into(),
        closed_at: None,
        generated_at: 1_780_000_000_000,
        time_zone: tavolo_export::TimeZone::get("Europe/Rome").unwrap(),
        participants: 12,
        observers: 1,
        groups: vec![("Gruppo 1".into(), 3), ("Gruppo 2".into(), 4)],
        boards,
        votes: Vec::new(),
    };
    let zip = minutes::zip(&m).unwrap();
    let entries = tavolo_export::zip::read(&zip).unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names, minutes::file_names(&m));
    // the free board has no tables; the four templates have CSV and Markdown
    assert_eq!(names.len(), 1 + 3 + 4 * 5);
    assert!(names.contains(&"01-plenaria-lavagna-libera.png"));
    let pdf = &entries[0].1;
    let pages = pdf.windows(11).filter(|w| w == b"/Type /Page").count()
        - pdf.windows(12).filter(|w| w == b"/Type /Pages").count();
    assert_eq!(pages, 1 + KINDS.len(), "a cover and a page per board");
    // text extraction, where poppler is installed
    let dir = std::env::temp_dir().join(format!("tavolo-minutes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("v.pdf"), pdf).unwrap();
    if let Ok(out) = std::process::Command::new("pdftotext")
        .arg(dir.join("v.pdf"))
        .arg("-")
        .output()
    {
        let t = String::from_utf8_lossy(&out.stdout);
        assert!(t.contains("NON ancora chiuso"), "{t}");
        for name in &names {
            assert!(t.contains(name), "{name} on the cover");
        }
        assert!(
            t.contains("È già così a Bologna") || t.contains("È già così a"),
            "{t}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hostile_text_stays_text() {
    let (mut board, _) = fixture("free");
    let n = board.items.get_mut("n1").unwrap();
    n.text = "<script>alert(1)</script> & \u{0}\u{1b}]]> \"'".into();
    board.meta.title = "</title><script>x</script>".into();
    let s = svg::svg(&board);
    let doc = roxmltree::Document::parse(&s).unwrap();
    assert!(!doc.descendants().any(|n| n.tag_name().name() == "script"));
    let all = svg_texts(&s).concat();
    assert!(all.contains("<script>alert(1)</script>") || all.contains("<script>alert(1)"));
    render::svg_to_png(&s, 0.5).unwrap();
    assert_eq!(text::clean("a\u{0}b"), "ab");
}
