//! Renders board JSON files (the schema's form, e.g. `schema/fixtures/*.json`) to SVG, PNG,
//! PDF, CSV and Markdown next to each other, to look at them:
//! `cargo run -p tavolo-export --example render -- OUT_DIR FILE.json…`
use tavolo_board::Board;
use tavolo_export::{render, svg, tables, PageHeader};

fn main() {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().expect("OUT_DIR FILE.json…"));
    std::fs::create_dir_all(&out).unwrap();
    for path in args {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let board = Board::from_json(&v).unwrap();
        let stem = std::path::Path::new(&path)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let svg = svg::svg(&board);
        std::fs::write(out.join(format!("{stem}.svg")), &svg).unwrap();
        std::fs::write(
            out.join(format!("{stem}.png")),
            render::svg_to_png(&svg, 1.0).unwrap(),
        )
        .unwrap();
        let header = PageHeader {
            title: board.meta.title.clone(),
            lines: vec!["Prova di esportazione".into()],
        };
        std::fs::write(
            out.join(format!("{stem}.pdf")),
            render::board_pdf(&board, &header).unwrap(),
        )
        .unwrap();
        if let Some(csv) = tables::csv(&board) {
            std::fs::write(out.join(format!("{stem}.csv")), csv).unwrap();
        }
        if let Some(md) = tables::markdown(&board) {
            std::fs::write(out.join(format!("{stem}.md")), md).unwrap();
        }
        println!("{stem}: ok");
    }
}
