//! What follows from a board's geometry and links, computed exactly as the web client
//! does (`web/src/model/`), so exports show what the browser showed.

use crate::{Board, BoardKind, Item, ItemType, LinkKind};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

fn rect(v: &Value) -> Option<(f64, f64, f64, f64)> {
    let o = v.as_object()?;
    let f = |k: &str| o.get(k).and_then(Value::as_f64);
    Some((
        f("x").unwrap_or(0.0),
        f("y").unwrap_or(0.0),
        f("w")?,
        f("h")?,
    ))
}

// ---------------------------------------------------------------- stakeholder map

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quadrant {
    ManageClosely,
    KeepSatisfied,
    KeepInformed,
    Monitor,
}

impl Quadrant {
    pub fn as_str(self) -> &'static str {
        match self {
            Quadrant::ManageClosely => "manage_closely",
            Quadrant::KeepSatisfied => "keep_satisfied",
            Quadrant::KeepInformed => "keep_informed",
            Quadrant::Monitor => "monitor",
        }
    }

    pub fn from_scores(power: f64, interest: f64) -> Quadrant {
        match (power >= 0.5, interest >= 0.5) {
            (true, true) => Quadrant::ManageClosely,
            (true, false) => Quadrant::KeepSatisfied,
            (false, true) => Quadrant::KeepInformed,
            (false, false) => Quadrant::Monitor,
        }
    }

    /// The ring of the concentric-circles view when a card names none.
    pub fn default_ring(self) -> &'static str {
        match self {
            Quadrant::ManageClosely => "core",
            Quadrant::KeepSatisfied | Quadrant::KeepInformed => "involved",
            Quadrant::Monitor => "inform",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stakeholder {
    pub id: String,
    pub name: String,
    pub category: String,
    pub attitude: String,
    pub notes: String,
    pub power: f64,
    pub interest: f64,
    pub quadrant: Quadrant,
    pub ring: String,
}

/// Every `stakeholder` card with its scores, in reading order. On a board without a grid
/// the scores are 0.
pub fn stakeholders(board: &Board) -> Vec<Stakeholder> {
    let grid = board.meta.template.get("grid").and_then(rect);
    board
        .items_with_role("stakeholder")
        .into_iter()
        .map(|item| {
            let (cx, cy) = item.center();
            let (power, interest) = match grid {
                Some((gx, gy, gw, gh)) if gw > 0.0 && gh > 0.0 => (
                    (1.0 - (cy - gy) / gh).clamp(0.0, 1.0),
                    ((cx - gx) / gw).clamp(0.0, 1.0),
                ),
                _ => (0.0, 0.0),
            };
            let quadrant = Quadrant::from_scores(power, interest);
            let ring = match item.data_str("ring") {
                "" => quadrant.default_ring().to_owned(),
                r => r.to_owned(),
            };
            Stakeholder {
                id: item.id.clone(),
                name: item.text.clone(),
                category: item.data_str("category").to_owned(),
                attitude: item.data_str("attitude").to_owned(),
                notes: item.data_str("notes").to_owned(),
                power,
                interest,
                quadrant,
                ring,
            }
        })
        .collect()
}

// ---------------------------------------------------------------- theory of change

pub const TOC_LEVELS: [&str; 7] = [
    "input",
    "activity",
    "output",
    "outcome_short",
    "outcome_mid",
    "outcome_long",
    "impact",
];

/// The level of a Theory of Change card: the lane under its centre (the right edge of the
/// last lane still belongs to it). Only cards have a level; assumptions and indicators,
/// and cards outside every lane, have none.
pub fn toc_level(board: &Board, item: &Item) -> Option<&'static str> {
    if item.item_type != ItemType::Card
        || matches!(item.role.as_deref(), Some("assumption" | "indicator"))
    {
        return None;
    }
    let (cx, _) = item.center();
    let lanes: Vec<(&str, f64, f64)> = board
        .meta
        .template
        .get("lanes")?
        .as_array()?
        .iter()
        .filter_map(|lane| {
            Some((
                lane.get("level")?.as_str()?,
                lane.get("x")?.as_f64()?,
                lane.get("w")?.as_f64()?,
            ))
        })
        .collect();
    let known = |level: &str| TOC_LEVELS.iter().copied().find(|l| *l == level);
    if let Some((level, _, _)) = lanes.iter().find(|(_, x, w)| cx >= *x && cx < x + w) {
        return known(level);
    }
    let last = lanes
        .iter()
        .max_by(|a, b| (a.1 + a.2).total_cmp(&(b.1 + b.2)))?;
    if cx == last.1 + last.2 {
        known(last.0)
    } else {
        None
    }
}

/// An indicator attached to an output or outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub item: String,
    pub id: String,
    pub name: String,
    pub unit: String,
    pub baseline: String,
    pub target: String,
    pub source: String,
    pub frequency: String,
}

/// Every indicator on the board, by item in reading order.
pub fn indicators(board: &Board) -> Vec<Indicator> {
    let mut items: Vec<&Item> = board.items.values().collect();
    items.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    let field = |v: &Value, k: &str| match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    items
        .into_iter()
        .flat_map(|item| {
            item.data
                .get("indicators")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(move |ind| Indicator {
                    item: item.id.clone(),
                    id: field(ind, "id"),
                    name: field(ind, "name"),
                    unit: field(ind, "unit"),
                    baseline: field(ind, "baseline"),
                    target: field(ind, "target"),
                    source: field(ind, "source"),
                    frequency: field(ind, "frequency"),
                })
        })
        .collect()
}

// ---------------------------------------------------------------- problem / objective tree

/// The role a problem-tree role becomes in the objective tree.
pub fn objective_role(role: &str) -> Option<&'static str> {
    match role {
        "cause" => Some("means"),
        "core_problem" => Some("objective"),
        "effect" => Some("end"),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineEntry {
    pub id: String,
    pub role: String,
    pub depth: usize,
}

/// The tree as a nested outline: effects (those the core problem leads to first, their
/// own effects deeper), then the core problem, then causes (direct causes at depth 1,
/// their causes deeper). Siblings go left to right. Cards not connected to the core come
/// after their group at depth 0.
pub fn problem_outline(board: &Board) -> Vec<OutlineEntry> {
    let (effect, core, cause) = match board.meta.kind {
        Some(BoardKind::ObjectiveTree) => ("end", "objective", "means"),
        _ => ("effect", "core_problem", "cause"),
    };
    let mut walker = TreeWalker {
        board,
        links: board
            .links
            .values()
            .filter(|l| l.kind == LinkKind::Causal || l.kind == LinkKind::Arrow)
            .map(|l| (l.from.as_str(), l.to.as_str()))
            .collect(),
        seen: HashSet::new(),
        out: Vec::new(),
    };
    let cores = board.items_with_role(core);
    for c in &cores {
        walker.walk(&c.id, effect, Direction::Forward, 0);
    }
    walker.orphans(effect);
    for c in &cores {
        walker.visit(c, core, 0);
        walker.walk(&c.id, cause, Direction::Backward, 1);
    }
    walker.orphans(cause);
    walker.out
}

#[derive(Clone, Copy)]
enum Direction {
    /// From cause to effect.
    Forward,
    /// From effect to cause.
    Backward,
}

struct TreeWalker<'a> {
    board: &'a Board,
    links: Vec<(&'a str, &'a str)>,
    seen: HashSet<String>,
    out: Vec<OutlineEntry>,
}

impl<'a> TreeWalker<'a> {
    fn visit(&mut self, item: &Item, role: &str, depth: usize) -> bool {
        if !self.seen.insert(item.id.clone()) {
            return false;
        }
        self.out.push(OutlineEntry {
            id: item.id.clone(),
            role: role.to_owned(),
            depth,
        });
        true
    }

    /// Depth-first from `from` along links in `dir`, to items of `role`, left to right.
    fn walk(&mut self, from: &str, role: &str, dir: Direction, depth: usize) {
        let board = self.board;
        let mut next: Vec<&'a Item> = self
            .links
            .iter()
            .filter_map(|(f, t)| match dir {
                Direction::Forward => (*f == from).then_some(*t),
                Direction::Backward => (*t == from).then_some(*f),
            })
            .filter_map(|id| board.items.get(id))
            .filter(|i| i.role.as_deref() == Some(role))
            .collect();
        next.sort_by(|a, b| a.x.total_cmp(&b.x).then_with(|| a.id.cmp(&b.id)));
        for item in next {
            if self.visit(item, role, depth) {
                self.walk(&item.id, role, dir, depth + 1);
            }
        }
    }

    /// Items of `role` not reached from a core, at depth 0.
    fn orphans(&mut self, role: &str) {
        for item in self.board.items_with_role(role) {
            self.visit(item, role, 0);
        }
    }
}

// ---------------------------------------------------------------- social report, frames

/// The social-report section whose area holds the item's centre.
pub fn report_section(board: &Board, item: &Item) -> Option<String> {
    let (cx, cy) = item.center();
    board
        .meta
        .template
        .get("sections")?
        .as_array()?
        .iter()
        .find_map(|s| {
            let (x, y, w, h) = rect(s)?;
            (cx >= x && cx < x + w && cy >= y && cy < y + h)
                .then(|| s.get("section").and_then(Value::as_str).map(str::to_owned))
                .flatten()
        })
}

/// Each frame's carried items (by their `frame` field), in z order.
pub fn frame_children(board: &Board) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for item in board.items_in_z_order() {
        if let Some(f) = &item.frame {
            if board
                .items
                .get(f)
                .is_some_and(|fr| fr.item_type == ItemType::Frame)
            {
                out.entry(f.clone()).or_default().push(item.id.clone());
            }
        }
    }
    out
}
