//! The résumé as a page of its own to print: A4, the form's serif type,
//! no site frame, tables that repeat their heading across pages.

use std::sync::LazyLock;

use base64::Engine;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use sha2::{Digest, Sha256};

use super::model::{Field, Resume, Table, NO_ENTRIES, WITHHELD_NOTE};

const STYLE: &str = "\
@page { size: A4; margin: 18mm 15mm 18mm 20mm; }
body { font-family: 'Times New Roman', 'DejaVu Serif', serif; font-size: 12pt; \
line-height: 1.35; color: #000; max-width: 180mm; margin: 1em auto; }
.form-code { text-align: right; font-style: italic; margin: 0; }
.header p { margin: 0.15em 0; }
h1 { text-align: center; font-size: 15pt; margin: 1em 0 0.8em; }
h2 { font-size: 12pt; margin: 1.1em 0 0.4em; break-after: avoid; }
.lines p { margin: 0.25em 0; }
.value { font-weight: bold; }
table { width: 100%; border-collapse: collapse; font-size: 10.5pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border: 1px solid #000; padding: 2pt 4pt; vertical-align: top; text-align: left; }
.note, .printed { font-style: italic; }
@media print { body { margin: 0; max-width: none; } }
";

/// The page's own Content-Security-Policy: nothing loads, and only its one
/// stylesheet applies (by its hash; the site's `default-src 'none'` would
/// refuse it).
pub static CONTENT_SECURITY_POLICY: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
});

pub fn render(resume: &Resume) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                title { (resume.title) " - " (resume.full_name) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                p.form-code { (resume.form_code) }
                div.header {
                    @for field in &resume.header { p { (field_text(field)) } }
                }
                h1 { (resume.title) }
                div.lines {
                    @for line in &resume.lines {
                        p {
                            (line.number) " "
                            @for (n, field) in line.fields.iter().enumerate() {
                                @if n > 0 { "; " }
                                (field_text(field))
                            }
                        }
                    }
                }
                @for table in &resume.tables { (table_markup(table)) }
                p.printed { "In ngày " (resume.printed_on.format("%d/%m/%Y")) }
            }
        }
    };
    page.into_string()
}

fn field_text(field: &Field) -> Markup {
    html! { (field.label) ": " span.value { (field.value) } }
}

fn table_markup(table: &Table) -> Markup {
    html! {
        h2 { (table.title) }
        @if table.rows.is_empty() {
            p { (NO_ENTRIES) }
        } @else {
            table {
                thead { tr { @for column in &table.columns { th scope="col" { (column) } } } }
                tbody {
                    @for row in &table.rows {
                        tr { @for cell in row { td { (cell) } } }
                    }
                }
            }
            @if table.withheld { p.note { (WITHHELD_NOTE) } }
        }
    }
}
