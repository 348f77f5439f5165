//! Human-readable output: the instance table and the verdict, for stderr in the
//! put step and stdout in `compare`. Colour only when asked (a terminal).

use crate::ami::AmiId;
use crate::config::strict::escape_controls;
use crate::fleet::{Class, Instance};
use crate::record::Comparison;
use crate::verdict::Outcome;

pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    pub fn good(&self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn bad(&self, s: &str) -> String {
        self.paint("31", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
}

/// Whether an instance counts against the verdict.
pub fn is_problem(ami: &AmiId, i: &Instance) -> bool {
    match i.state.class() {
        Class::Judged => i.image_id != ami.as_str(),
        Class::Unsettled => true,
        Class::Ignored => false,
    }
}

/// A table of `instances`: id, name, state, AMI and a mark.
pub fn table(ami: &AmiId, instances: &[&Instance], style: &Style) -> String {
    let rows: Vec<[String; 4]> = instances
        .iter()
        .map(|i| {
            [
                i.id.clone(),
                // A Name tag is anyone's text: no escapes into the log.
                i.name
                    .as_deref()
                    .map_or_else(|| "-".into(), escape_controls),
                i.state.as_str().to_owned(),
                if i.image_id.is_empty() {
                    "-".into()
                } else {
                    i.image_id.clone()
                },
            ]
        })
        .collect();
    let header = ["INSTANCE", "NAME", "STATE", "AMI"].map(str::to_owned);
    let mut widths = header.clone().map(|h| h.len());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String; 4]| {
        cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = format!("  {}\n", line(&header).trim_end());
    for (r, i) in rows.iter().zip(instances) {
        let mark = match i.state.class() {
            Class::Ignored => style.dim("ignored"),
            _ if is_problem(ami, i) => style.bad("✗"),
            _ => style.good("✓"),
        };
        out.push_str(&format!("  {}  {mark}\n", line(r).trim_end()));
    }
    out
}

/// `SUCCESS: all 6 running instances run ami-…` or `FAILED: …` with one reason a line.
pub fn verdict_lines(result: Outcome, reasons: &[String], style: &Style) -> String {
    let head = match result {
        Outcome::Success => style.good("SUCCESS"),
        Outcome::Failed => style.bad("FAILED"),
    };
    let mut out = format!("{head}: {}\n", reasons.first().map_or("", String::as_str));
    for r in reasons.iter().skip(1) {
        out.push_str(&format!("        {r}\n"));
    }
    out
}

/// The verdict and a table: every instance (`compare`), or only those at fault
/// (the put step's log).
pub fn comparison(c: &Comparison, style: &Style, all: bool) -> String {
    let shown: Vec<&Instance> = c
        .instances
        .iter()
        .filter(|i| all || is_problem(&c.ami_id, i))
        .collect();
    let mut out = String::new();
    if !shown.is_empty() {
        out.push_str(&table(&c.ami_id, &shown, style));
    }
    out.push_str(&verdict_lines(c.result, &c.reasons, style));
    out
}
