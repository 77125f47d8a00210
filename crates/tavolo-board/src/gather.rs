//! Gathering the breakout groups' boards into one plenary board: a pure function of the
//! groups' contents, so the server's handler only loads and stores.
//!
//! - **One template** (every group's board is the same kind, and that kind's geometry can
//!   be repeated: Theory of Change lanes, social report sections, problem / objective tree
//!   bands): the gathered board is of that kind. Each group keeps its positions relative
//!   to its own copy of the template geometry, translated to the group's place — lanes and
//!   sections side by side, bands one under the other (the bands have a fixed width, the
//!   lanes a fixed height) — so the derived values (a card's level, a section, the
//!   outline) are computed on the gathered board as on the group's.
//! - **Anything else** (mixed kinds, free boards, stakeholder maps — the schema has one
//!   power/interest grid per board, and a stakeholder's scores are its place in it): a free
//!   board with each group's content side by side.
//!
//! Either way every group's content sits in its own frame titled with the group's label,
//! and the frame records where it came from (`data.group`: the label, `data.kind`: the
//! group board's kind, `data.template`: its template geometry relative to the frame's
//! top-left corner, so it moves with the frame), so exports can give one table per group
//! ([`group_board`]) and renderers draw each group's background inside its frame. Every id is
//! prefixed by the group (`g{n}-`), so groups never collide.

use crate::{is_id, Board, BoardKind, Item, ItemType, Link};
use serde_json::{Map as JsonMap, Value};
use std::collections::{BTreeMap, HashMap};

/// One group's board to gather.
#[derive(Debug, Clone)]
pub struct Group {
    /// What the frame is titled ("Gruppo 1 — Teoria del cambiamento").
    pub label: String,
    pub board: Board,
}

/// Space around a group's content inside its frame, and between frames.
const PAD: f64 = 60.0;
const GAP: f64 = 200.0;

/// Along which axis groups of a kind go, when that kind's geometry can be repeated.
#[derive(Clone, Copy, PartialEq)]
enum Axis {
    X,
    Y,
}

fn repeatable(kind: BoardKind) -> Option<Axis> {
    match kind {
        BoardKind::TheoryOfChange | BoardKind::SocialReport => Some(Axis::X),
        BoardKind::ProblemTree | BoardKind::ObjectiveTree => Some(Axis::Y),
        BoardKind::Free | BoardKind::StakeholderMap => None,
    }
}

/// The one kind every group shares, when the gathered board can be of that kind.
pub fn common_kind(groups: &[Group]) -> Option<BoardKind> {
    let first = groups.first()?.board.meta.kind?;
    let same = groups.iter().all(|g| g.board.meta.kind == Some(first));
    (same && repeatable(first).is_some()).then_some(first)
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Extent {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Extent {
    const EMPTY: Extent = Extent {
        x0: f64::INFINITY,
        y0: f64::INFINITY,
        x1: f64::NEG_INFINITY,
        y1: f64::NEG_INFINITY,
    };

    fn add(&mut self, x: f64, y: f64, w: f64, h: f64) {
        if [x, y, w, h].iter().all(|v| v.is_finite()) {
            self.x0 = self.x0.min(x);
            self.y0 = self.y0.min(y);
            self.x1 = self.x1.max(x + w.max(0.0));
            self.y1 = self.y1.max(y + h.max(0.0));
        }
    }

    fn or_default(self) -> Extent {
        if self.x0 <= self.x1 && self.y0 <= self.y1 {
            self
        } else {
            Extent {
                x0: 0.0,
                y0: 0.0,
                x1: 400.0,
                y1: 300.0,
            }
        }
    }
}

/// The drawn extent of a template's geometry (the web client's `LANE_SPAN` and
/// `BAND_SPAN`: lanes are 1100 high from y = -100, bands 2000 wide from x = -200).
fn template_extent(kind: BoardKind, template: &Value, e: &mut Extent) {
    let list = |key: &str| {
        template
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let f = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64);
    match kind {
        BoardKind::TheoryOfChange => {
            for l in list("lanes") {
                if let (Some(x), Some(w)) = (f(&l, "x"), f(&l, "w")) {
                    e.add(x, -100.0, w, 1100.0);
                }
            }
        }
        BoardKind::ProblemTree | BoardKind::ObjectiveTree => {
            for b in list("bands") {
                if let (Some(y), Some(h)) = (f(&b, "y"), f(&b, "h")) {
                    e.add(-200.0, y, 2000.0, h);
                }
            }
        }
        BoardKind::SocialReport => {
            for s in list("sections") {
                if let (Some(x), Some(y), Some(w), Some(h)) =
                    (f(&s, "x"), f(&s, "y"), f(&s, "w"), f(&s, "h"))
                {
                    e.add(x, y, w, h);
                }
            }
        }
        BoardKind::StakeholderMap => {
            if let Some(g) = template.get("grid") {
                if let (Some(w), Some(h)) = (f(g, "w"), f(g, "h")) {
                    let (x, y) = (f(g, "x").unwrap_or(0.0), f(g, "y").unwrap_or(0.0));
                    // with its axes and their labels
                    e.add(x - 100.0, y, w + 100.0, h + 100.0);
                }
            }
        }
        BoardKind::Free => {}
    }
}

/// The template's geometry moved by `(dx, dy)`, as a `meta.template` object (only the key
/// the kind uses; anything else in a group's `meta.template` is dropped). `Null` for a free
/// board.
fn placed_template(kind: BoardKind, template: &Value, dx: f64, dy: f64) -> Value {
    let (key, fields): (&str, &[(&str, f64)]) = match kind {
        BoardKind::TheoryOfChange => ("lanes", &[("x", dx)]),
        BoardKind::ProblemTree | BoardKind::ObjectiveTree => ("bands", &[("y", dy)]),
        BoardKind::SocialReport | BoardKind::StakeholderMap => {
            (template_key(kind), &[("x", dx), ("y", dy)])
        }
        BoardKind::Free => return Value::Null,
    };
    let moved = |entry: &Value| {
        let mut o = entry.as_object()?.clone();
        for (k, d) in fields {
            let v = o.get(*k).and_then(Value::as_f64).unwrap_or(0.0) + d;
            o.insert((*k).into(), crate::number(v));
        }
        Some(Value::Object(o))
    };
    let value = match template.get(key) {
        Some(Value::Array(list)) => Value::Array(list.iter().filter_map(moved).collect()),
        Some(one) if kind == BoardKind::StakeholderMap => match moved(one) {
            Some(v) => v,
            None => return Value::Null,
        },
        _ => Value::Array(vec![]),
    };
    let mut o = JsonMap::new();
    o.insert(key.into(), value);
    Value::Object(o)
}

/// The key of `meta.template` that holds a kind's geometry.
fn template_key(kind: BoardKind) -> &'static str {
    match kind {
        BoardKind::TheoryOfChange => "lanes",
        BoardKind::ProblemTree | BoardKind::ObjectiveTree => "bands",
        BoardKind::SocialReport => "sections",
        BoardKind::StakeholderMap => "grid",
        BoardKind::Free => "",
    }
}

/// The new id of every item and link of group `n`: `g{n}-{id}`, or `g{n}-{k}` when that
/// would not be an id (a 64-character id), never one already taken.
fn renaming<'a>(n: usize, ids: impl Iterator<Item = &'a String>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut taken = std::collections::HashSet::new();
    let mut k = 0;
    for id in ids {
        let mut new = format!("g{n}-{id}");
        while !is_id(&new) || taken.contains(&new) {
            k += 1;
            new = format!("g{n}-{k}");
        }
        taken.insert(new.clone());
        out.insert(id.clone(), new);
    }
    out
}

/// The groups' boards as one board titled `title` (see the module's documentation).
pub fn gather(title: &str, groups: &[Group]) -> Board {
    let kind = common_kind(groups);
    let mut out = Board::template(kind.unwrap_or(BoardKind::Free), title);
    out.items.clear();
    out.links.clear();
    let mut geometry: Vec<Value> = Vec::new();
    // where the next group's extent starts, along the axis
    let mut next = 0.0;
    for (n, g) in groups.iter().enumerate() {
        let src = &g.board;
        let prefix = format!("g{}", n + 1);
        let mut content = Extent::EMPTY;
        for i in src.items.values() {
            content.add(i.x, i.y, i.w, i.h);
        }
        // a template group keeps its coordinates relative to its geometry; a free one is
        // moved to its content
        let (extent, dx, dy) = match kind {
            Some(k) => {
                let mut e = content;
                template_extent(k, &src.meta.template, &mut e);
                let e = e.or_default();
                match repeatable(k) {
                    Some(Axis::Y) => (e, 0.0, next - e.y0),
                    _ => (e, next - e.x0, 0.0),
                }
            }
            None => {
                let mut e = content;
                if let Some(k) = src.meta.kind {
                    template_extent(k, &src.meta.template, &mut e);
                }
                let e = e.or_default();
                (e, next + PAD - e.x0, PAD - e.y0)
            }
        };
        // a mixed gather keeps each group's own geometry on its frame, moved with it
        let placed = match src.meta.kind {
            Some(k) => placed_template(k, &src.meta.template, dx, dy),
            None => Value::Null,
        };
        if let Some(k) = kind {
            if let Some(list) = placed.get(template_key(k)).and_then(Value::as_array) {
                geometry.extend(list.iter().cloned());
            }
        }
        let frame_id = format!("{prefix}-frame");
        let (fx, fy, fw, fh) = match kind {
            Some(_) => (
                extent.x0 + dx - PAD,
                extent.y0 + dy - PAD,
                extent.x1 - extent.x0 + 2.0 * PAD,
                extent.y1 - extent.y0 + 2.0 * PAD,
            ),
            None => (
                next,
                0.0,
                extent.x1 - extent.x0 + 2.0 * PAD,
                extent.y1 - extent.y0 + 2.0 * PAD,
            ),
        };
        let mut data = JsonMap::new();
        data.insert("group".into(), g.label.clone().into());
        data.insert(
            "kind".into(),
            src.meta.kind.unwrap_or(BoardKind::Free).as_str().into(),
        );
        // on the frame, relative to its corner: moving the frame moves its geometry
        if let Some(k) = src.meta.kind.filter(|_| !placed.is_null()) {
            data.insert(
                "template".into(),
                placed_template(k, &src.meta.template, dx - fx, dy - fy),
            );
        }
        out.items.insert(
            frame_id.clone(),
            Item {
                id: frame_id.clone(),
                item_type: ItemType::Frame,
                x: fx,
                y: fy,
                w: fw,
                h: fh,
                color: "white".into(),
                z: format!("0{prefix}"),
                shape: None,
                points: vec![],
                frame: None,
                role: None,
                data,
                author: None,
                text: g.label.clone(),
            },
        );
        let ids = renaming(n + 1, src.items.keys());
        let link_ids = renaming(n + 1, src.links.keys());
        for i in src.items.values() {
            let mut copy = i.clone();
            copy.id = ids[&i.id].clone();
            copy.x = i.x + dx;
            copy.y = i.y + dy;
            copy.z = format!("1{prefix}{}", i.z);
            copy.frame = Some(match i.frame.as_ref().and_then(|f| ids.get(f)) {
                Some(f) => f.clone(),
                None => frame_id.clone(),
            });
            // an assumption naming a link names the copy
            if let Some(l) = copy.data.get("link").and_then(Value::as_str) {
                if let Some(new) = link_ids.get(l) {
                    copy.data.insert("link".into(), new.clone().into());
                }
            }
            out.items.insert(copy.id.clone(), copy);
        }
        // a link to nothing (written by a client) draws nothing and is left behind
        for l in src.links.values() {
            let (Some(from), Some(to)) = (ids.get(&l.from), ids.get(&l.to)) else {
                continue;
            };
            let copy = Link {
                id: link_ids[&l.id].clone(),
                from: from.clone(),
                to: to.clone(),
                ..l.clone()
            };
            out.links.insert(copy.id.clone(), copy);
        }
        next = match (kind.and_then(repeatable), kind) {
            (Some(Axis::Y), _) => extent.y1 + dy + 2.0 * PAD + GAP,
            (_, Some(_)) => extent.x1 + dx + 2.0 * PAD + GAP,
            _ => fx + fw + GAP,
        };
    }
    out.meta.template = match kind {
        Some(k) => {
            let mut o = JsonMap::new();
            o.insert(template_key(k).into(), Value::Array(geometry));
            Value::Object(o)
        }
        None => Value::Null,
    };
    out
}

/// The group frames of a gathered board (frames with a `data.group`), in the order the
/// groups were gathered.
pub fn group_frames(board: &Board) -> Vec<&Item> {
    let mut v: Vec<&Item> = board
        .items
        .values()
        .filter(|i| i.item_type == ItemType::Frame && !i.data_str("group").is_empty())
        .collect();
    v.sort_by(|a, b| {
        a.z.cmp(&b.z)
            .then(a.x.total_cmp(&b.x))
            .then_with(|| a.id.cmp(&b.id))
    });
    v
}

/// The group frame that carries `item` (following frames of frames), if any.
pub fn group_of<'a>(board: &'a Board, item: &Item) -> Option<&'a Item> {
    let mut at = item.frame.as_deref();
    // a chain of frames cannot be longer than the board (a cycle written by a client ends)
    for _ in 0..=board.items.len() {
        let f = board.items.get(at?)?;
        if f.item_type == ItemType::Frame && !f.data_str("group").is_empty() {
            return Some(f);
        }
        at = f.frame.as_deref();
    }
    None
}

/// One group of a gathered board as a board of its own kind: the items its frame carries
/// (and the links between them), with the frame's `data.kind` and `data.template`, so its
/// table is derived as on the group's board. `None` for a frame that is not a group's.
pub fn group_board(board: &Board, frame: &Item) -> Option<Board> {
    if frame.item_type != ItemType::Frame || frame.data_str("group").is_empty() {
        return None;
    }
    let kind = BoardKind::parse(frame.data_str("kind")).unwrap_or(BoardKind::Free);
    let mut out = Board::template(kind, frame.data_str("group"));
    out.meta.template = match frame.data.get("template") {
        // relative to the frame's corner (see `gather`)
        Some(t) if t.is_object() && frame.x.is_finite() && frame.y.is_finite() => {
            placed_template(kind, t, frame.x, frame.y)
        }
        _ => Value::Null,
    };
    let items: BTreeMap<String, Item> = board
        .items
        .values()
        .filter(|i| group_of(board, i).is_some_and(|g| g.id == frame.id))
        .map(|i| (i.id.clone(), i.clone()))
        .collect();
    out.links = board
        .links
        .values()
        .filter(|l| items.contains_key(&l.from) && items.contains_key(&l.to))
        .map(|l| (l.id.clone(), l.clone()))
        .collect();
    out.items = items;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive;
    use crate::LinkKind;

    fn card(id: &str, role: &str, x: f64, y: f64, text: &str) -> Item {
        Item {
            id: id.into(),
            item_type: ItemType::Card,
            x,
            y,
            w: 220.0,
            h: 100.0,
            color: "yellow".into(),
            z: "a0".into(),
            shape: None,
            points: vec![],
            frame: None,
            role: Some(role.into()),
            data: Default::default(),
            author: None,
            text: text.into(),
        }
    }

    fn toc(cards: &[Item]) -> Board {
        let mut b = Board::template(BoardKind::TheoryOfChange, "Teoria del cambiamento");
        for c in cards {
            b.items.insert(c.id.clone(), c.clone());
        }
        b
    }

    fn group(label: &str, board: Board) -> Group {
        Group {
            label: label.into(),
            board,
        }
    }

    fn level_of(board: &Board, text: &str) -> Option<&'static str> {
        let item = board.items.values().find(|i| i.text == text).unwrap();
        derive::toc_level(board, item)
    }

    #[test]
    fn theory_of_change_groups_keep_the_kind_the_lanes_and_the_levels() {
        let a = toc(&[
            card("c1", "activity", 340.0, 100.0, "Laboratori nelle scuole"),
            card("c2", "outcome_long", 1540.0, 300.0, "Quartiere più sicuro"),
        ]);
        let b = toc(&[card("c1", "output", 640.0, 100.0, "Sportello aperto")]);
        let g = gather(
            "Risultati",
            &[group("Gruppo 1", a.clone()), group("Gruppo 2", b)],
        );
        assert_eq!(g.meta.kind, Some(BoardKind::TheoryOfChange));
        let lanes = g.meta.template["lanes"].as_array().unwrap();
        assert_eq!(lanes.len(), 14, "each group keeps its seven lanes");
        assert_eq!(level_of(&g, "Laboratori nelle scuole"), Some("activity"));
        assert_eq!(level_of(&g, "Quartiere più sicuro"), Some("outcome_long"));
        assert_eq!(level_of(&g, "Sportello aperto"), Some("output"));
        assert_eq!(
            level_of(&g, ""),
            Some("impact"),
            "the template's impact card"
        );
        // the second group's lanes start after the first group's frame
        let f1 = &g.items["g1-frame"];
        let f2 = &g.items["g2-frame"];
        assert!(f2.x >= f1.x + f1.w, "frames side by side: {f1:?} {f2:?}");
        assert_eq!(f1.text, "Gruppo 1");
        assert_eq!(f2.data_str("group"), "Gruppo 2");
        assert_eq!(f2.data_str("kind"), "theory_of_change");
        // every card is carried by its group's frame
        for i in g.items.values().filter(|i| i.item_type == ItemType::Card) {
            let grp = group_of(&g, i).unwrap();
            assert!(i.id.starts_with(&grp.id[..3]), "{} in {}", i.id, grp.id);
        }
        // a group taken back out is its board, moved
        let back = group_board(&g, f1).unwrap();
        assert_eq!(back.meta.kind, Some(BoardKind::TheoryOfChange));
        assert_eq!(back.items.len(), a.items.len());
        let levels: Vec<_> = back
            .items
            .values()
            .map(|i| derive::toc_level(&back, i))
            .collect();
        let original: Vec<_> = a.items.values().map(|i| derive::toc_level(&a, i)).collect();
        assert_eq!(levels, original);
    }

    #[test]
    fn a_card_outside_the_lanes_stays_outside_every_group() {
        // a card far right of the first group's lanes must not land in the second's
        let a = toc(&[card("far", "impact", 2600.0, 0.0, "Lontano")]);
        let b = toc(&[]);
        let g = gather("R", &[group("A", a), group("B", b)]);
        assert_eq!(level_of(&g, "Lontano"), None);
    }

    #[test]
    fn trees_stack_and_keep_links_between_prefixed_ids() {
        let mut a = Board::template(BoardKind::ProblemTree, "Albero");
        a.items
            .insert("x".into(), card("x", "cause", 100.0, 700.0, "Causa"));
        a.links.insert(
            "l".into(),
            Link {
                id: "l".into(),
                from: "x".into(),
                to: "core".into(),
                kind: LinkKind::Causal,
                label: None,
            },
        );
        let g = gather("R", &[group("A", a.clone()), group("B", a)]);
        assert_eq!(g.meta.kind, Some(BoardKind::ProblemTree));
        assert_eq!(g.meta.template["bands"].as_array().unwrap().len(), 6);
        let (f1, f2) = (&g.items["g1-frame"], &g.items["g2-frame"]);
        assert!(f2.y >= f1.y + f1.h, "stacked: {f1:?} {f2:?}");
        assert_eq!(g.links["g2-l"].from, "g2-x");
        assert_eq!(g.links["g2-l"].to, "g2-core");
        let outline = derive::problem_outline(&g);
        assert_eq!(outline.len(), 4, "two cores, two causes: {outline:?}");
    }

    #[test]
    fn mixed_kinds_make_a_free_board_with_each_groups_geometry_on_its_frame() {
        let a = toc(&[card("c", "activity", 340.0, 100.0, "Attività")]);
        let mut b = Board::template(BoardKind::StakeholderMap, "Mappa");
        let mut s = card("s", "stakeholder", 1100.0, 100.0, "Ufficio di Piano");
        s.w = 200.0;
        s.h = 120.0;
        b.items.insert("s".into(), s);
        let before = derive::stakeholders(&b);
        let g = gather("R", &[group("A", a), group("B", b)]);
        assert_eq!(g.meta.kind, Some(BoardKind::Free));
        assert!(g.meta.template.is_null());
        let f1 = &g.items["g1-frame"];
        assert_eq!(f1.data_str("kind"), "theory_of_change");
        let back = group_board(&g, f1).unwrap();
        let c = back.items.values().find(|i| i.text == "Attività").unwrap();
        assert_eq!(derive::toc_level(&back, c), Some("activity"));
        let mut g = g;
        // the facilitator moves the map's frame (and so what it carries) away
        let moved: Vec<String> = g
            .items
            .values()
            .filter(|i| i.id == "g2-frame" || i.frame.as_deref() == Some("g2-frame"))
            .map(|i| i.id.clone())
            .collect();
        for id in moved {
            let i = g.items.get_mut(&id).unwrap();
            i.x += 5000.0;
            i.y += 700.0;
        }
        let map = group_board(&g, &g.items["g2-frame"]).unwrap();
        assert_eq!(map.meta.kind, Some(BoardKind::StakeholderMap));
        assert!(
            map.meta.template["grid"]["x"].as_f64().unwrap() > 0.0,
            "moved with the group"
        );
        let after = derive::stakeholders(&map);
        assert_eq!(
            (after[0].power, after[0].interest),
            (before[0].power, before[0].interest),
            "the scores are the group's"
        );
    }

    #[test]
    fn stakeholder_maps_are_gathered_side_by_side_on_a_free_board() {
        let b = Board::template(BoardKind::StakeholderMap, "Mappa");
        assert_eq!(common_kind(&[group("A", b.clone()), group("B", b)]), None);
    }

    #[test]
    fn hostile_ids_and_frame_cycles_stay_bounded() {
        let long = "a".repeat(64);
        let mut a = toc(&[card(&long, "activity", 340.0, 100.0, "Lungo")]);
        let mut f = card("f", "activity", 0.0, 0.0, "");
        f.item_type = ItemType::Frame;
        f.frame = Some("f".into());
        a.items.insert("f".into(), f);
        let g = gather("R", &[group("A", a)]);
        assert!(g.items.keys().all(|k| is_id(k)), "{:?}", g.items.keys());
        let lungo = g.items.values().find(|i| i.text == "Lungo").unwrap();
        assert_eq!(group_of(&g, lungo).unwrap().id, "g1-frame");
        // a cycle of frames written by a client has no group, and ends
        let mut cyc = g.clone();
        let frame = cyc.items.get_mut("g1-frame").unwrap();
        frame.frame = Some("g1-f".into());
        frame.data.remove("group");
        assert!(group_of(&cyc, lungo).is_none());
    }
}
