//! Typed access to a board document, as `schema/README.md` defines it: the items, links
//! and template roles of a board, and what follows from their positions (a stakeholder's
//! power, interest and quadrant; a card's Theory of Change level; the problem tree's
//! outline). Exports and facilitation read boards through this crate; the web client's
//! `web/src/model/` is its TypeScript twin, and both are tested against the same fixtures
//! (`schema/fixtures/`).
//!
//! - [`Board::read`] reads a yrs document; [`Board::write`] writes one (import, copies,
//!   tests); [`Board::from_json`] / [`Board::to_json`] are the schema's JSON form.
//! - [`derive`]: the template derivations.

pub mod derive;

use serde_json::{Map as JsonMap, Value};
use std::collections::BTreeMap;
use yrs::types::ToJson;
use yrs::{
    Any, Doc, Map, MapRef, ReadTxn, Text, TextPrelim, TextRef, Transact, TransactionMut, WriteTxn,
};

pub const SCHEMA_VERSION: i64 = 1;

/// The kinds of board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoardKind {
    Free,
    StakeholderMap,
    ProblemTree,
    ObjectiveTree,
    TheoryOfChange,
    SocialReport,
}

impl BoardKind {
    pub const ALL: [BoardKind; 6] = [
        BoardKind::Free,
        BoardKind::StakeholderMap,
        BoardKind::ProblemTree,
        BoardKind::ObjectiveTree,
        BoardKind::TheoryOfChange,
        BoardKind::SocialReport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BoardKind::Free => "free",
            BoardKind::StakeholderMap => "stakeholder_map",
            BoardKind::ProblemTree => "problem_tree",
            BoardKind::ObjectiveTree => "objective_tree",
            BoardKind::TheoryOfChange => "theory_of_change",
            BoardKind::SocialReport => "social_report",
        }
    }

    pub fn parse(s: &str) -> Option<BoardKind> {
        BoardKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SchemaError {
    #[error("not a board: {0}")]
    Invalid(String),
}

/// A board's `meta` map.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub schema: i64,
    /// `None` when the document has no (known) kind yet: an empty or foreign document.
    pub kind: Option<BoardKind>,
    pub title: String,
    pub locked: bool,
    /// The template's geometry, as a JSON object (`Value::Null` when absent).
    pub template: Value,
    pub source_board: Option<String>,
}

/// One item. Fields the schema names are typed; `data` keeps the role's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: String,
    pub item_type: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub color: String,
    pub z: String,
    pub shape: Option<String>,
    pub points: Vec<f64>,
    pub frame: Option<String>,
    pub role: Option<String>,
    pub data: JsonMap<String, Value>,
    pub author: Option<String>,
    /// The content of `texts[id]`.
    pub text: String,
}

impl Item {
    pub fn center(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// A string field of `data`, or "".
    pub fn data_str(&self, key: &str) -> &str {
        self.data.get(key).and_then(Value::as_str).unwrap_or("")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub id: String,
    pub from: String,
    pub to: String,
    pub kind: String,
    pub label: Option<String>,
}

/// A whole board.
#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    pub meta: Meta,
    /// By id (sorted, so outputs are stable).
    pub items: BTreeMap<String, Item>,
    pub links: BTreeMap<String, Link>,
}

fn any_to_json(a: &Any) -> Value {
    serde_json::to_value(a).unwrap_or(Value::Null)
}

fn json_to_any(v: &Value) -> Any {
    serde_json::from_value(v.clone()).unwrap_or(Any::Null)
}

fn num(obj: &JsonMap<String, Value>, key: &str) -> f64 {
    obj.get(key).and_then(Value::as_f64).unwrap_or(0.0)
}

fn string(obj: &JsonMap<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(str::to_owned)
}

impl Item {
    fn from_object(id: &str, obj: &JsonMap<String, Value>, text: String) -> Item {
        Item {
            id: id.to_owned(),
            item_type: string(obj, "type").unwrap_or_default(),
            x: num(obj, "x"),
            y: num(obj, "y"),
            w: num(obj, "w"),
            h: num(obj, "h"),
            color: string(obj, "color").unwrap_or_default(),
            z: string(obj, "z").unwrap_or_default(),
            shape: string(obj, "shape"),
            points: obj
                .get("points")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default(),
            frame: string(obj, "frame"),
            role: string(obj, "role"),
            data: obj
                .get("data")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            author: string(obj, "author"),
            text,
        }
    }

    /// The plain object stored in `items` (without `text`, which lives in `texts`).
    pub fn to_object(&self) -> JsonMap<String, Value> {
        let mut o = JsonMap::new();
        o.insert("type".into(), self.item_type.clone().into());
        for (k, v) in [("x", self.x), ("y", self.y), ("w", self.w), ("h", self.h)] {
            o.insert(k.into(), number(v));
        }
        o.insert("color".into(), self.color.clone().into());
        o.insert("z".into(), self.z.clone().into());
        let opt = [
            ("shape", &self.shape),
            ("frame", &self.frame),
            ("role", &self.role),
            ("author", &self.author),
        ];
        for (k, v) in opt {
            if let Some(v) = v {
                o.insert(k.into(), v.clone().into());
            }
        }
        if !self.points.is_empty() {
            o.insert(
                "points".into(),
                Value::Array(self.points.iter().map(|p| number(*p)).collect()),
            );
        }
        if !self.data.is_empty() {
            o.insert("data".into(), Value::Object(self.data.clone()));
        }
        o
    }
}

/// Whole numbers as JSON integers (as Yjs stores them), others as floats.
fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Value::from(v as i64)
    } else {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

impl Link {
    fn from_object(id: &str, obj: &JsonMap<String, Value>) -> Link {
        Link {
            id: id.to_owned(),
            from: string(obj, "from").unwrap_or_default(),
            to: string(obj, "to").unwrap_or_default(),
            kind: string(obj, "kind").unwrap_or_else(|| "arrow".into()),
            label: string(obj, "label"),
        }
    }

    pub fn to_object(&self) -> JsonMap<String, Value> {
        let mut o = JsonMap::new();
        o.insert("from".into(), self.from.clone().into());
        o.insert("to".into(), self.to.clone().into());
        o.insert("kind".into(), self.kind.clone().into());
        if let Some(l) = &self.label {
            o.insert("label".into(), l.clone().into());
        }
        o
    }
}

fn map_entries<T: ReadTxn>(txn: &T, map: Option<MapRef>) -> Vec<(String, Value)> {
    let Some(map) = map else { return Vec::new() };
    map.iter(txn)
        .map(|(k, v)| (k.to_owned(), any_to_json(&v.to_json(txn))))
        .collect()
}

impl Board {
    /// Reads a board document. Values of the wrong shape are read as empty rather than
    /// refused: a document is whatever its clients wrote.
    pub fn read(doc: &Doc) -> Board {
        Board::read_txn(&doc.transact())
    }

    /// Reads a board within a transaction.
    pub fn read_txn<T: ReadTxn>(txn: &T) -> Board {
        let meta: JsonMap<String, Value> =
            map_entries(txn, txn.get_map("meta")).into_iter().collect();
        let texts: Option<MapRef> = txn.get_map("texts");
        let text_of = |id: &str| -> String {
            texts
                .as_ref()
                .and_then(|t| t.get(txn, id))
                .and_then(|v| v.cast::<TextRef>().ok())
                .map(|t| yrs::GetString::get_string(&t, txn))
                .unwrap_or_default()
        };
        let items = map_entries(txn, txn.get_map("items"))
            .into_iter()
            .filter_map(|(id, v)| {
                let obj = v.as_object()?;
                let text = text_of(&id);
                Some((id.clone(), Item::from_object(&id, obj, text)))
            })
            .collect();
        let links = map_entries(txn, txn.get_map("links"))
            .into_iter()
            .filter_map(|(id, v)| Some((id.clone(), Link::from_object(&id, v.as_object()?))))
            .collect();
        Board {
            meta: Meta {
                schema: meta
                    .get("schema")
                    .and_then(Value::as_i64)
                    .unwrap_or(SCHEMA_VERSION),
                kind: meta
                    .get("kind")
                    .and_then(Value::as_str)
                    .and_then(BoardKind::parse),
                title: string(&meta, "title").unwrap_or_default(),
                locked: meta.get("locked").and_then(Value::as_bool).unwrap_or(false),
                template: meta.get("template").cloned().unwrap_or(Value::Null),
                source_board: string(&meta, "source_board"),
            },
            items,
            links,
        }
    }

    /// Writes this board into `doc` in one transaction (on top of what is there).
    pub fn write(&self, doc: &Doc) {
        let mut txn = doc.transact_mut();
        self.write_meta(&mut txn);
        self.write_items(&mut txn);
    }

    fn write_meta(&self, txn: &mut TransactionMut) {
        let meta = txn.get_or_insert_map("meta");
        meta.insert(txn, "schema", self.meta.schema);
        if let Some(k) = self.meta.kind {
            meta.insert(txn, "kind", k.as_str());
        }
        meta.insert(txn, "title", self.meta.title.as_str());
        meta.insert(txn, "locked", self.meta.locked);
        if self.meta.template.is_null() {
            meta.remove(txn, "template");
        } else {
            meta.insert(txn, "template", json_to_any(&self.meta.template));
        }
        match &self.meta.source_board {
            Some(s) => {
                meta.insert(txn, "source_board", s.as_str());
            }
            None => {
                meta.remove(txn, "source_board");
            }
        }
    }

    fn write_item(&self, item: &Item, txn: &mut TransactionMut, with_text: bool) {
        let items = txn.get_or_insert_map("items");
        items.insert(
            txn,
            item.id.as_str(),
            json_to_any(&Value::Object(item.to_object())),
        );
        if with_text {
            let texts = txn.get_or_insert_map("texts");
            let t: TextRef = texts.insert(txn, item.id.as_str(), TextPrelim::new(""));
            if !item.text.is_empty() {
                t.insert(txn, 0, &item.text);
            }
        }
    }

    fn write_link(link: &Link, txn: &mut TransactionMut) {
        let links = txn.get_or_insert_map("links");
        links.insert(
            txn,
            link.id.as_str(),
            json_to_any(&Value::Object(link.to_object())),
        );
    }

    /// Adds (or overwrites) this board's items, their texts and its links in a document,
    /// leaving everything else as it is.
    pub fn write_items(&self, txn: &mut TransactionMut) {
        for item in self.items.values() {
            self.write_item(item, txn, true);
        }
        for link in self.links.values() {
            Board::write_link(link, txn);
        }
    }

    /// Makes a document's content equal to this board as one change: what is not here
    /// is removed, what differs is written, what is equal is left alone (so restoring a
    /// snapshot is a small update, and history is never rewritten).
    pub fn replace_content(&self, txn: &mut TransactionMut) {
        let current = Board::read_txn(txn);
        let items = txn.get_or_insert_map("items");
        let texts = txn.get_or_insert_map("texts");
        let links = txn.get_or_insert_map("links");
        for id in current
            .items
            .keys()
            .filter(|id| !self.items.contains_key(*id))
        {
            items.remove(txn, id);
            texts.remove(txn, id);
        }
        for id in current
            .links
            .keys()
            .filter(|id| !self.links.contains_key(*id))
        {
            links.remove(txn, id);
        }
        for item in self.items.values() {
            let old = current.items.get(&item.id);
            let text_differs = old.map(|o| o.text.as_str()) != Some(item.text.as_str());
            if text_differs || old.map(|o| o.to_object()) != Some(item.to_object()) {
                self.write_item(item, txn, text_differs);
            }
        }
        for link in self.links.values() {
            if current.links.get(&link.id) != Some(link) {
                Board::write_link(link, txn);
            }
        }
        if current.meta != self.meta {
            self.write_meta(txn);
        }
    }

    /// The schema's JSON form (`items[id].text` inline).
    pub fn to_json(&self) -> Value {
        let mut meta = JsonMap::new();
        meta.insert("schema".into(), self.meta.schema.into());
        meta.insert(
            "kind".into(),
            self.meta.kind.map(|k| k.as_str()).unwrap_or("free").into(),
        );
        meta.insert("title".into(), self.meta.title.clone().into());
        meta.insert("locked".into(), self.meta.locked.into());
        if !self.meta.template.is_null() {
            meta.insert("template".into(), self.meta.template.clone());
        }
        if let Some(s) = &self.meta.source_board {
            meta.insert("source_board".into(), s.clone().into());
        }
        let items: JsonMap<String, Value> = self
            .items
            .values()
            .map(|i| {
                let mut o = i.to_object();
                o.insert("text".into(), i.text.clone().into());
                (i.id.clone(), Value::Object(o))
            })
            .collect();
        let links: JsonMap<String, Value> = self
            .links
            .values()
            .map(|l| (l.id.clone(), Value::Object(l.to_object())))
            .collect();
        serde_json::json!({ "meta": meta, "items": items, "links": links })
    }

    /// Reads the schema's JSON form (an `expected` block, as in fixtures, is ignored).
    pub fn from_json(v: &Value) -> Result<Board, SchemaError> {
        let root = v
            .as_object()
            .ok_or_else(|| SchemaError::Invalid("not a JSON object".into()))?;
        let meta = root
            .get("meta")
            .and_then(Value::as_object)
            .ok_or_else(|| SchemaError::Invalid("missing meta".into()))?;
        let kind = match meta.get("kind").and_then(Value::as_str) {
            Some(k) => Some(
                BoardKind::parse(k)
                    .ok_or_else(|| SchemaError::Invalid(format!("unknown kind {k:?}")))?,
            ),
            None => None,
        };
        let empty = JsonMap::new();
        let items_obj = root
            .get("items")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut items = BTreeMap::new();
        for (id, v) in items_obj {
            let obj = v
                .as_object()
                .ok_or_else(|| SchemaError::Invalid(format!("item {id} is not an object")))?;
            let mut obj = obj.clone();
            let text = obj
                .remove("text")
                .and_then(|t| t.as_str().map(str::to_owned))
                .unwrap_or_default();
            items.insert(id.clone(), Item::from_object(id, &obj, text));
        }
        let links_obj = root
            .get("links")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut links = BTreeMap::new();
        for (id, v) in links_obj {
            let obj = v
                .as_object()
                .ok_or_else(|| SchemaError::Invalid(format!("link {id} is not an object")))?;
            links.insert(id.clone(), Link::from_object(id, obj));
        }
        Ok(Board {
            meta: Meta {
                schema: meta
                    .get("schema")
                    .and_then(Value::as_i64)
                    .unwrap_or(SCHEMA_VERSION),
                kind,
                title: string(meta, "title").unwrap_or_default(),
                locked: meta.get("locked").and_then(Value::as_bool).unwrap_or(false),
                template: meta.get("template").cloned().unwrap_or(Value::Null),
                source_board: string(meta, "source_board"),
            },
            items,
            links,
        })
    }

    /// A new board of `kind` with its template's starting content
    /// (`schema/templates/{kind}.json`, shared with the web client).
    pub fn template(kind: BoardKind, title: &str) -> Board {
        let json = match kind {
            BoardKind::Free => include_str!("../../../schema/templates/free.json"),
            BoardKind::StakeholderMap => {
                include_str!("../../../schema/templates/stakeholder_map.json")
            }
            BoardKind::ProblemTree => include_str!("../../../schema/templates/problem_tree.json"),
            BoardKind::ObjectiveTree => {
                include_str!("../../../schema/templates/objective_tree.json")
            }
            BoardKind::TheoryOfChange => {
                include_str!("../../../schema/templates/theory_of_change.json")
            }
            BoardKind::SocialReport => include_str!("../../../schema/templates/social_report.json"),
        };
        let value: Value = serde_json::from_str(json).expect("templates are valid JSON (tested)");
        let mut board = Board::from_json(&value).expect("templates follow the schema (tested)");
        board.meta.title = title.to_owned();
        board
    }

    /// Items in drawing order (ascending `z`, then id).
    pub fn items_in_z_order(&self) -> Vec<&Item> {
        let mut v: Vec<&Item> = self.items.values().collect();
        v.sort_by(|a, b| a.z.cmp(&b.z).then_with(|| a.id.cmp(&b.id)));
        v
    }

    /// Items with `role`, in reading order (top to bottom, left to right).
    pub fn items_with_role(&self, role: &str) -> Vec<&Item> {
        let mut v: Vec<&Item> = self
            .items
            .values()
            .filter(|i| i.role.as_deref() == Some(role))
            .collect();
        v.sort_by(|a, b| {
            a.y.total_cmp(&b.y)
                .then(a.x.total_cmp(&b.x))
                .then_with(|| a.id.cmp(&b.id))
        });
        v
    }
}
