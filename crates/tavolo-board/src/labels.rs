//! The Italian labels the web client shows (`web/src/i18n/it.ts`), for what the exports
//! draw and write. Unknown values are shown as they are.

pub fn role(role: &str) -> &str {
    match role {
        "stakeholder" => "Stakeholder",
        "effect" => "Effetto",
        "core_problem" => "Problema centrale",
        "cause" => "Causa",
        "end" => "Fine",
        "objective" => "Obiettivo",
        "means" => "Mezzo",
        "input" => "Risorse",
        "activity" => "Attività",
        "output" => "Realizzazioni (output)",
        "outcome_short" => "Risultati a breve termine",
        "outcome_mid" => "Risultati a medio termine",
        "outcome_long" => "Risultati a lungo termine",
        "impact" => "Impatto",
        "assumption" => "Ipotesi",
        "indicator" => "Indicatore",
        "report_item" => "Voce di rendicontazione",
        other => other,
    }
}

pub fn item_type(t: &str) -> &str {
    match t {
        "sticky" => "Post-it",
        "text" => "Testo",
        "shape" => "Forma",
        "frame" => "Cornice",
        "card" => "Scheda",
        "ink" => "Disegno",
        other => other,
    }
}

pub fn quadrant(q: &str) -> &str {
    match q {
        "manage_closely" => "Coinvolgere da vicino",
        "keep_satisfied" => "Mantenere soddisfatti",
        "keep_informed" => "Tenere informati",
        "monitor" => "Monitorare",
        other => other,
    }
}

pub fn ring(r: &str) -> &str {
    match r {
        "core" => "Tavolo (nucleo)",
        "involved" => "Coinvolti",
        "inform" => "Da informare",
        other => other,
    }
}

pub fn category(c: &str) -> &str {
    match c {
        "public" => "Ente pubblico",
        "third_sector" => "Terzo Settore",
        "citizens" => "Cittadini / utenti",
        "private" => "Privato",
        "other" => "Altro",
        other => other,
    }
}

pub fn attitude(a: &str) -> &str {
    match a {
        "supportive" => "Favorevole",
        "neutral" => "Neutrale",
        "opposed" => "Contrario",
        other => other,
    }
}

pub fn attitude_mark(a: &str) -> &'static str {
    match a {
        "supportive" => "+",
        "neutral" => "=",
        "opposed" => "−",
        _ => "",
    }
}

pub fn band(role: &str) -> &str {
    match role {
        "effect" => "Effetti",
        "core_problem" => "Problema centrale",
        "cause" => "Cause",
        "end" => "Fini",
        "objective" => "Obiettivo",
        "means" => "Mezzi",
        other => other,
    }
}

pub fn section(s: &str) -> &str {
    match s {
        "identity" => "Identità",
        "governance" => "Governance",
        "people" => "Persone",
        "objectives_activities" => "Obiettivi e attività",
        "economic" => "Situazione economica",
        "other" => "Altre informazioni",
        other => other,
    }
}

/// The meeting's room, made with the meeting.
pub const PLENARY: &str = "Plenaria";

/// What a board (or a meeting) without a title is called.
pub const UNTITLED: &str = "Senza titolo";

/// A title as shown: [`UNTITLED`] when it is blank.
pub fn title(t: &str) -> &str {
    if t.trim().is_empty() {
        UNTITLED
    } else {
        t
    }
}

/// A board imported from a backup that names no title.
pub const IMPORTED: &str = "Lavagna importata";

/// The state line of an export: a snapshot's, taken `when` (a formatted time).
pub fn snapshot_state(label: &str, when: &str) -> String {
    format!("Istantanea «{label}» del {when}")
}

/// The state line of an export of the live board, as of `when`.
pub fn live_state(when: &str) -> String {
    format!("Stato attuale al {when}")
}

/// The state line of a closed meeting's board that has no closing snapshot.
pub fn live_state_unclosed(when: &str) -> String {
    format!("Stato attuale al {when} (questa lavagna non ha un'istantanea di chiusura)")
}

/// The words file names are made of: what the file is, and what stands in for a blank
/// title or date.
pub mod file {
    pub const BOARD: &str = "lavagna";
    pub const SNAPSHOT: &str = "istantanea";
    pub const MEETING: &str = "incontro";
    pub const DATE: &str = "data";
    pub const MINUTES: &str = "verbale";
    pub const GALLERY: &str = "gruppi";
    pub const VOTES: &str = "votazioni";
}

/// The plenary board the groups' boards are gathered into.
pub const GATHERED: &str = "Risultati dei gruppi";

/// The label of the snapshot every board gets when its meeting closes.
pub fn closing_snapshot(title: &str, date: &str) -> String {
    format!("Chiusura: {title} ({date})")
}

/// The `n`th breakout group (from 1).
pub fn group(n: usize) -> String {
    format!("Gruppo {n}")
}

/// The title of a board made from a template that has none (a group's board): the kind's
/// name, a free board's plain "Lavagna".
pub fn board_title(k: Option<crate::BoardKind>) -> &'static str {
    match k {
        None | Some(crate::BoardKind::Free) => "Lavagna",
        other => kind(other),
    }
}

pub fn kind(k: Option<crate::BoardKind>) -> &'static str {
    use crate::BoardKind::*;
    match k {
        None | Some(Free) => "Lavagna libera",
        Some(StakeholderMap) => "Mappa degli stakeholder",
        Some(ProblemTree) => "Albero dei problemi",
        Some(ObjectiveTree) => "Albero degli obiettivi",
        Some(TheoryOfChange) => "Teoria del cambiamento",
        Some(SocialReport) => "Rendicontazione sociale",
    }
}

pub fn link_kind(k: &str) -> &str {
    match k {
        "arrow" => "Freccia",
        "causal" => "Causale",
        "relation" => "Relazione",
        other => other,
    }
}
