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
//! - [`gather`]: the groups' boards gathered into one plenary board.

pub mod derive;
pub mod gather;
pub mod labels;
pub mod reveal;

use serde_json::{Map as JsonMap, Value};
use std::collections::BTreeMap;
use yrs::types::ToJson;
use yrs::{
    Any, Doc, Map, MapRef, ReadTxn, Text, TextPrelim, TextRef, Transact, TransactionMut, WriteTxn,
};

pub const SCHEMA_VERSION: i64 = 2;

/// The root map of the free-text fields (schema version 2): path → `Y.Text`.
pub const FIELDS: &str = "fields";
/// The path of the board's title in [`FIELDS`].
pub const TITLE_FIELD: &str = "meta/title";
/// A stakeholder's free-text fields (in `data`).
pub const STAKEHOLDER_FIELDS: [&str; 1] = ["notes"];
/// A reporting item's free-text fields (in `data`).
pub const REPORT_FIELDS: [&str; 5] = ["audience", "channel", "data", "period", "indicator"];
/// An indicator's free-text fields (in each of `data.indicators`).
pub const INDICATOR_FIELDS: [&str; 6] =
    ["name", "unit", "baseline", "target", "source", "frequency"];

/// Whether `s` is an id of the schema (`[A-Za-z0-9_-]{1,64}`).
pub fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The kinds of board (serialised, and stored, as [`BoardKind::as_str`]).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
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

/// A board kind read from text that names none (the database's `boards.kind`, read by
/// `tavolo-store`'s rows).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown board kind {0:?}")]
pub struct UnknownBoardKind(pub String);

impl TryFrom<String> for BoardKind {
    type Error = UnknownBoardKind;

    fn try_from(value: String) -> Result<BoardKind, UnknownBoardKind> {
        BoardKind::parse(&value).ok_or(UnknownBoardKind(value))
    }
}

impl std::fmt::Display for BoardKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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

/// Declares a schema vocabulary read from a document: the values the schema names, and
/// `Unknown` for any other text, kept as written (a document may hold anything a client
/// wrote; the import refuses what is unknown, `is_known`).
macro_rules! document_vocabulary {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            Unknown(String),
        }

        impl $name {
            /// The values the schema names.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(text: &str) -> $name {
                match text {
                    $($text => $name::$variant,)+
                    other => $name::Unknown(other.to_owned()),
                }
            }

            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Unknown(text) => text,
                }
            }

            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

document_vocabulary! {
    /// An item's `type` (`schema/README.md`; the web client's `ItemType`).
    ItemType {
        Sticky = "sticky",
        Text = "text",
        Shape = "shape",
        Frame = "frame",
        Card = "card",
        Ink = "ink",
    }
}

document_vocabulary! {
    /// A link's `kind` (`schema/README.md`; the web client's `LinkKind`): an arrow, a
    /// cause → effect link of the trees, or an undirected relation of the stakeholder map.
    LinkKind {
        Arrow = "arrow",
        Causal = "causal",
        Relation = "relation",
    }
}

/// One item. Fields the schema names are typed; `data` keeps the role's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: String,
    pub item_type: ItemType,
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

    /// The `data` keys that are free-text fields of this item's role.
    fn data_fields(&self) -> &'static [&'static str] {
        match self.role.as_deref() {
            Some("stakeholder") => &STAKEHOLDER_FIELDS,
            Some("report_item") => &REPORT_FIELDS,
            _ => &[],
        }
    }

    /// This item's free-text fields: `(path in FIELDS, value)`, the values as the JSON
    /// form holds them ("" for a field not set). Indicators without a valid id have no
    /// path (the migration gives them one).
    pub fn fields(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for key in self.data_fields() {
            out.push((
                format!("item/{}/{key}", self.id),
                self.data_str(key).to_owned(),
            ));
        }
        for ind in self.indicators() {
            let Some(ind_id) = ind.get("id").and_then(Value::as_str).filter(|i| is_id(i)) else {
                continue;
            };
            for key in INDICATOR_FIELDS {
                let v = ind.get(key).and_then(Value::as_str).unwrap_or("");
                out.push((
                    format!("item/{}/indicator/{ind_id}/{key}", self.id),
                    v.to_owned(),
                ));
            }
        }
        out
    }

    fn indicators(&self) -> impl Iterator<Item = &JsonMap<String, Value>> {
        self.data
            .get("indicators")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
    }

    /// Sets the free-text field at `path` (one of [`Item::fields`]) to `value`.
    fn set_field(&mut self, path: &str, value: String) {
        let Some(rest) = path
            .strip_prefix("item/")
            .and_then(|r| r.strip_prefix(self.id.as_str()))
            .and_then(|r| r.strip_prefix('/'))
        else {
            return;
        };
        if let Some(ind) = rest.strip_prefix("indicator/") {
            let Some((ind_id, key)) = ind.split_once('/') else {
                return;
            };
            let list = self
                .data
                .get_mut("indicators")
                .and_then(Value::as_array_mut);
            for entry in list.into_iter().flatten() {
                if let Some(o) = entry.as_object_mut() {
                    if o.get("id").and_then(Value::as_str) == Some(ind_id) {
                        // an empty field is no field (`normalize_fields`)
                        if value.is_empty() {
                            o.remove(key);
                        } else {
                            o.insert(key.to_owned(), value.clone().into());
                        }
                    }
                }
            }
        } else if value.is_empty() {
            self.data.remove(rest);
        } else {
            self.data.insert(rest.to_owned(), value.into());
        }
    }

    /// Gives every indicator without a valid id one (`ind-N`, unique in the item).
    fn name_indicators(&mut self) -> bool {
        let Some(list) = self
            .data
            .get_mut("indicators")
            .and_then(Value::as_array_mut)
        else {
            return false;
        };
        let mut renamed = false;
        let mut taken: std::collections::HashSet<String> = list
            .iter()
            .filter_map(|e| e.get("id").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        let mut seen = std::collections::HashSet::new();
        let mut n = 0;
        for o in list.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(id) = o.get("id").and_then(Value::as_str).filter(|i| is_id(i)) {
                if seen.insert(id.to_owned()) {
                    continue;
                }
            }
            let id = loop {
                n += 1;
                let id = format!("ind-{n}");
                if !taken.contains(&id) {
                    break id;
                }
            };
            taken.insert(id.clone());
            seen.insert(id.clone());
            o.insert("id".into(), id.into());
            renamed = true;
        }
        renamed
    }

    /// Whether `stored` (this item's object as stored in `items`) still holds a
    /// free-text field as a plain string.
    fn holds_plain_fields(&self, stored: &Value) -> bool {
        let Some(data) = stored.get("data").and_then(Value::as_object) else {
            return false;
        };
        self.data_fields().iter().any(|k| data.contains_key(*k))
            || data
                .get("indicators")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .any(|i| INDICATOR_FIELDS.iter().any(|k| i.contains_key(*k)))
    }

    /// The plain object stored in `items` from schema version 2 on: [`Item::to_object`]
    /// without the free-text fields, which live in `fields`.
    pub fn stored_object(&self) -> JsonMap<String, Value> {
        let mut o = self.to_object();
        let fields = self.data_fields();
        if let Some(Value::Object(data)) = o.get_mut("data") {
            for key in fields {
                data.remove(*key);
            }
            if let Some(Value::Array(list)) = data.get_mut("indicators") {
                for entry in list.iter_mut().filter_map(Value::as_object_mut) {
                    if entry.get("id").and_then(Value::as_str).is_some_and(is_id) {
                        for key in INDICATOR_FIELDS {
                            entry.remove(key);
                        }
                    }
                }
            }
            if data.is_empty() {
                o.remove("data");
            }
        }
        o
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub id: String,
    pub from: String,
    pub to: String,
    pub kind: LinkKind,
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
        let mut item = Item {
            id: id.to_owned(),
            item_type: ItemType::parse(&string(obj, "type").unwrap_or_default()),
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
        };
        item.normalize_fields();
        item
    }

    /// A free-text field holds text, and an empty one is no field: its `Y.Text` reads
    /// back as nothing, so the JSON form (an import, a fixture) must not keep `""` either,
    /// or the same board would read two ways (found by the `import_json` fuzz target: an
    /// indicator's `"baseline": ""` gone after the Yjs round trip). A number there (`"target":
    /// 300` in a hand-written file) becomes its text; any other value (`true`, `null`, a
    /// list) is no text and is dropped, as the Yjs round trip would drop it (found by
    /// `import_yjs`: a `frequency` stored as a number vanished once written).
    fn normalize_fields(&mut self) {
        fn norm(obj: &mut JsonMap<String, Value>, key: &str) {
            match obj.get(key) {
                None => {}
                Some(Value::String(s)) if !s.is_empty() => {}
                Some(Value::Number(n)) => {
                    let text = n.to_string();
                    obj.insert(key.to_owned(), text.into());
                }
                Some(_) => {
                    obj.remove(key);
                }
            }
        }
        for key in self.data_fields() {
            norm(&mut self.data, key);
        }
        if let Some(Value::Array(list)) = self.data.get_mut("indicators") {
            for entry in list.iter_mut().filter_map(Value::as_object_mut) {
                for key in INDICATOR_FIELDS {
                    norm(entry, key);
                }
            }
        }
    }

    /// The plain object stored in `items` (without `text`, which lives in `texts`).
    pub fn to_object(&self) -> JsonMap<String, Value> {
        let mut o = JsonMap::new();
        o.insert("type".into(), self.item_type.as_str().into());
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
            kind: string(obj, "kind").map_or(LinkKind::Arrow, |k| LinkKind::parse(&k)),
            label: string(obj, "label"),
        }
    }

    /// The JSON form's object (with `label`).
    pub fn to_object(&self) -> JsonMap<String, Value> {
        let mut o = self.stored_object();
        if let Some(l) = &self.label {
            o.insert("label".into(), l.clone().into());
        }
        o
    }

    /// The plain object stored in `links` from schema version 2 on: the label lives in
    /// `fields`.
    pub fn stored_object(&self) -> JsonMap<String, Value> {
        let mut o = JsonMap::new();
        o.insert("from".into(), self.from.clone().into());
        o.insert("to".into(), self.to.clone().into());
        o.insert("kind".into(), self.kind.as_str().into());
        o
    }

    /// The path of this link's label in `fields`.
    pub fn label_path(&self) -> String {
        format!("link/{}/label", self.id)
    }
}

/// The string of the `Y.Text` at `path` in `fields`, if there is one.
fn field_text<T: ReadTxn>(txn: &T, fields: Option<&MapRef>, path: &str) -> Option<String> {
    fields?
        .get(txn, path)?
        .cast::<TextRef>()
        .ok()
        .map(|t| yrs::GetString::get_string(&t, txn))
}

/// Makes the field at `path` hold `value`: its `Y.Text` is edited in place when it exists
/// (a concurrent edit of it is kept), created otherwise.
fn put_field(txn: &mut TransactionMut, fields: &MapRef, path: &str, value: &str) {
    match fields.get(txn, path).and_then(|v| v.cast::<TextRef>().ok()) {
        Some(text) => {
            if yrs::GetString::get_string(&text, txn) != value {
                let len = text.len(txn);
                text.remove_range(txn, 0, len);
                text.insert(txn, 0, value);
            }
        }
        None => {
            fields.insert(txn, path, TextPrelim::new(value));
        }
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
        // schema 2: a free-text field's Y.Text, where there is one, is its value; a board
        // not migrated yet holds plain strings, read as they are
        let fields: Option<MapRef> = txn.get_map(FIELDS);
        let items = map_entries(txn, txn.get_map("items"))
            .into_iter()
            .filter_map(|(id, v)| {
                let obj = v.as_object()?;
                let text = text_of(&id);
                let mut item = Item::from_object(&id, obj, text);
                for (path, _) in item.fields() {
                    if let Some(v) = field_text(txn, fields.as_ref(), &path) {
                        item.set_field(&path, v);
                    }
                }
                Some((id.clone(), item))
            })
            .collect();
        let links = map_entries(txn, txn.get_map("links"))
            .into_iter()
            .filter_map(|(id, v)| {
                let mut link = Link::from_object(&id, v.as_object()?);
                if let Some(l) = field_text(txn, fields.as_ref(), &link.label_path()) {
                    link.label = Some(l).filter(|l| !l.is_empty());
                }
                Some((id.clone(), link))
            })
            .collect();
        let title = field_text(txn, fields.as_ref(), TITLE_FIELD)
            .or_else(|| string(&meta, "title"))
            .unwrap_or_default();
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
                title,
                locked: meta.get("locked").and_then(Value::as_bool).unwrap_or(false),
                template: meta.get("template").cloned().unwrap_or(Value::Null),
                source_board: string(&meta, "source_board"),
            },
            items,
            links,
        }
    }

    /// Brings a document written before schema version 2 (or by a client that wrote plain
    /// strings) to version 2, in `txn`: every free-text field without its `Y.Text` gets
    /// one holding its plain string, the plain strings are removed, indicators without an
    /// id get one and `meta.schema` becomes 2. Returns whether anything changed; a
    /// document without a kind (empty, or foreign) is left alone. Run by the server only,
    /// when it loads a board, as one logged update (see `schema/README.md`).
    pub fn migrate(txn: &mut TransactionMut) -> bool {
        let mut board = Board::read_txn(txn);
        if board.meta.kind.is_none() {
            return false;
        }
        let fields_map: Option<MapRef> = txn.get_map(FIELDS);
        let has_text =
            |txn: &TransactionMut, path: &str| field_text(txn, fields_map.as_ref(), path).is_some();
        let stored_items: JsonMap<String, Value> =
            map_entries(txn, txn.get_map("items")).into_iter().collect();
        let stored_links: JsonMap<String, Value> =
            map_entries(txn, txn.get_map("links")).into_iter().collect();
        let stored_meta: JsonMap<String, Value> =
            map_entries(txn, txn.get_map("meta")).into_iter().collect();
        let mut items = Vec::new();
        for item in board.items.values_mut() {
            let renamed = item.name_indicators();
            let plain = stored_items
                .get(&item.id)
                .is_some_and(|o| item.holds_plain_fields(o));
            if renamed || plain || item.fields().iter().any(|(p, _)| !has_text(txn, p)) {
                items.push(item.clone());
            }
        }
        let links: Vec<Link> = board
            .links
            .values()
            .filter(|l| {
                stored_links
                    .get(&l.id)
                    .is_some_and(|o| o.get("label").is_some())
                    || !has_text(txn, &l.label_path())
            })
            .cloned()
            .collect();
        let schema = stored_meta
            .get("schema")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let meta_stale = stored_meta.contains_key("title")
            || schema < SCHEMA_VERSION
            || !has_text(txn, TITLE_FIELD);
        for item in &items {
            board.write_item(item, txn, false);
        }
        for link in &links {
            Board::write_link(link, txn);
        }
        if meta_stale {
            board.meta.schema = SCHEMA_VERSION;
            board.write_meta(txn);
        }
        !items.is_empty() || !links.is_empty() || meta_stale
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
        meta.remove(txn, "title");
        let fields = txn.get_or_insert_map(FIELDS);
        put_field(txn, &fields, TITLE_FIELD, &self.meta.title);
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
            json_to_any(&Value::Object(item.stored_object())),
        );
        let fields = txn.get_or_insert_map(FIELDS);
        for (path, value) in item.fields() {
            put_field(txn, &fields, &path, &value);
        }
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
            json_to_any(&Value::Object(link.stored_object())),
        );
        let fields = txn.get_or_insert_map(FIELDS);
        put_field(
            txn,
            &fields,
            &link.label_path(),
            link.label.as_deref().unwrap_or(""),
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
        // fields of what is gone (items, their indicators, links) go with it
        let keep: std::collections::HashSet<String> = self
            .items
            .values()
            .flat_map(|i| i.fields().into_iter().map(|(p, _)| p))
            .chain(self.links.values().map(Link::label_path))
            .chain([TITLE_FIELD.to_owned()])
            .collect();
        let fields = txn.get_or_insert_map(FIELDS);
        let gone: Vec<String> = fields
            .keys(txn)
            .filter(|k| !keep.contains(*k))
            .map(str::to_owned)
            .collect();
        for k in gone {
            fields.remove(txn, &k);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The item types and link kinds are the web client's (`web/src/model/schema.ts`),
    /// read back as written, and any other text is kept as it was.
    #[test]
    fn document_vocabularies_are_the_clients() {
        let ts = include_str!("../../../web/src/model/schema.ts");
        let listed = |name: &str| -> Vec<String> {
            let line = ts
                .lines()
                .find(|l| l.starts_with(&format!("export const {name} = [")))
                .unwrap_or_else(|| panic!("{name} is in schema.ts"));
            line.split('\'')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect()
        };
        let items: Vec<String> = ItemType::KNOWN.iter().map(|t| t.to_string()).collect();
        assert_eq!(items, listed("ITEM_TYPES"));
        let links: Vec<String> = LinkKind::KNOWN.iter().map(|k| k.to_string()).collect();
        assert_eq!(links, listed("LINK_KINDS"));
        for t in ItemType::KNOWN {
            assert_eq!(&ItemType::parse(t.as_str()), t);
            assert!(t.is_known());
        }
        let odd = ItemType::parse("<script>");
        assert_eq!(odd, ItemType::Unknown("<script>".into()));
        assert_eq!(odd.as_str(), "<script>");
        assert!(!odd.is_known());
        assert_eq!(LinkKind::parse("causal"), LinkKind::Causal);
        assert!(!LinkKind::parse("").is_known());
    }
}
