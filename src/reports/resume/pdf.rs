//! The résumé as a PDF: A4 pages laid out here, text in DejaVu Serif (its
//! regular and bold faces are compiled into the binary, so Vietnamese prints
//! the same on every machine), each face embedded as the subset of glyphs
//! the document uses, with a ToUnicode map so the text can be searched,
//! copied and extracted.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};
use unicode_normalization::UnicodeNormalization;

use super::model::{Field, Resume, Table, NO_ENTRIES, WITHHELD_NOTE};
use crate::error::{AppError, AppResult};

static REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSerif.ttf");
static BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSerif-Bold.ttf");

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
/// 20 mm left for binding, 15 mm right, 18 mm top and bottom.
const LEFT: f32 = 56.7;
const RIGHT: f32 = PAGE_WIDTH - 42.5;
const TOP: f32 = PAGE_HEIGHT - 51.0;
const BOTTOM: f32 = 51.0;
const BODY: f32 = 11.0;
const SMALL: f32 = 9.5;
const LEADING: f32 = 1.3;
const CELL_PAD: f32 = 3.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Regular,
    Bold,
}

/// A face and the glyphs the document takes from it.
struct Font {
    face: Face<'static>,
    data: &'static [u8],
    /// The subset's PostScript name, with its six-letter tag.
    name: &'static [u8],
    resource: Name<'static>,
    glyphs: GlyphRemapper,
    /// new glyph id -> the character it shows
    chars: BTreeMap<u16, char>,
}

impl Font {
    /// `name` tags the subset with six capitals (PDF 32000-1, 9.6.4).
    fn new(data: &'static [u8], name: &'static [u8], resource: &'static [u8]) -> AppResult<Font> {
        let face = Face::parse(data, 0).map_err(|e| AppError::Internal(format!("font: {e}")))?;
        Ok(Font {
            face,
            data,
            name,
            resource: Name(resource),
            glyphs: GlyphRemapper::new(),
            chars: BTreeMap::new(),
        })
    }

    fn glyph(&self, c: char) -> GlyphId {
        self.face.glyph_index(c).unwrap_or(GlyphId(0))
    }

    /// Advance of `gid` in thousandths of the font size.
    fn advance(&self, gid: GlyphId) -> f32 {
        let units = f32::from(self.face.glyph_hor_advance(gid).unwrap_or(0));
        units * 1000.0 / f32::from(self.face.units_per_em())
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(self.glyph(c)))
            .sum::<f32>()
            * size
            / 1000.0
    }

    /// The text as two-byte glyph ids of the subset (Identity-H).
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let gid = self.glyphs.remap(self.glyph(c).0);
            if gid != 0 {
                self.chars.entry(gid).or_insert(c);
            }
            bytes.extend(gid.to_be_bytes());
        }
        bytes
    }
}

/// A word and the face it is set in.
type Word = (Style, String);

/// Lays the document out page by page.
struct Writer {
    regular: Font,
    bold: Font,
    pages: Vec<Content>,
    y: f32,
}

impl Writer {
    fn new() -> AppResult<Writer> {
        Ok(Writer {
            regular: Font::new(REGULAR, b"ODBREG+DejaVuSerif", b"F1")?,
            bold: Font::new(BOLD, b"ODBBLD+DejaVuSerif-Bold", b"F2")?,
            pages: vec![Content::new()],
            y: TOP,
        })
    }

    fn font(&self, style: Style) -> &Font {
        match style {
            Style::Regular => &self.regular,
            Style::Bold => &self.bold,
        }
    }

    fn width(&self, style: Style, text: &str, size: f32) -> f32 {
        self.font(style).width(text, size)
    }

    fn page(&mut self) -> &mut Content {
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page when `height` does not fit on this one.
    fn room(&mut self, height: f32) -> bool {
        if self.y - height >= BOTTOM {
            return false;
        }
        self.pages.push(Content::new());
        self.y = TOP;
        true
    }

    fn text(&mut self, style: Style, text: &str, size: f32, x: f32, y: f32) {
        let font = match style {
            Style::Regular => &mut self.regular,
            Style::Bold => &mut self.bold,
        };
        let resource = font.resource;
        let bytes = font.encode(text);
        self.page()
            .begin_text()
            .set_font(resource, size)
            .set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y])
            .show(Str(&bytes))
            .end_text();
    }

    /// Words filled into lines no wider than `width`.
    fn wrap(&self, words: &[Word], size: f32, width: f32) -> Vec<Vec<Word>> {
        let space = self.width(Style::Regular, " ", size);
        let mut lines: Vec<Vec<Word>> = vec![Vec::new()];
        let mut used = 0.0;
        for (style, word) in words {
            let w = self.width(*style, word, size);
            let line_is_empty = lines.last().is_none_or(Vec::is_empty);
            if !line_is_empty && used + space + w > width {
                lines.push(Vec::new());
                used = 0.0;
            }
            let Some(line) = lines.last_mut() else { break };
            if !line.is_empty() {
                used += space;
            }
            used += w;
            line.push((*style, word.clone()));
        }
        lines
    }

    fn draw_line(&mut self, line: &[Word], size: f32, x: f32, y: f32) {
        let space = self.width(Style::Regular, " ", size);
        let mut at = x;
        for (style, word) in line {
            self.text(*style, word, size, at, y);
            at += self.width(*style, word, size) + space;
        }
    }

    /// A paragraph across the text width, breaking pages between lines.
    fn paragraph(&mut self, words: &[Word], size: f32) {
        let leading = size * LEADING;
        for line in self.wrap(words, size, RIGHT - LEFT) {
            self.room(leading);
            self.y -= leading;
            self.draw_line(&line, size, LEFT, self.y + size * 0.25);
        }
    }

    fn centered(&mut self, style: Style, text: &str, size: f32) {
        let leading = size * LEADING;
        self.room(leading);
        self.y -= leading;
        let x = (LEFT + RIGHT - self.width(style, text, size)) / 2.0;
        self.text(style, text, size, x, self.y + size * 0.25);
    }

    fn gap(&mut self, height: f32) {
        self.y -= height;
    }

    fn table(&mut self, table: &Table) {
        self.gap(4.0);
        self.room(BODY * LEADING * 3.0);
        self.paragraph(&words(Style::Bold, table.title), BODY);
        if table.rows.is_empty() {
            self.paragraph(&words(Style::Regular, NO_ENTRIES), BODY);
            return;
        }
        self.gap(3.0);
        let widths = self.column_widths(table);
        let heading: Vec<String> = table.columns.iter().map(|c| (*c).to_owned()).collect();
        self.row(&widths, &heading, Style::Bold);
        for row in &table.rows {
            if self.row_fits(&widths, row) {
                self.row(&widths, row, Style::Regular);
            } else {
                self.room(PAGE_HEIGHT);
                self.row(&widths, &heading, Style::Bold);
                self.row(&widths, row, Style::Regular);
            }
        }
        if table.withheld {
            self.paragraph(&words(Style::Regular, WITHHELD_NOTE), SMALL);
        }
    }

    /// Each column gets its longest word (a date stays on one line), then
    /// the rest of the width is shared by how much longer its texts are.
    fn column_widths(&self, table: &Table) -> Vec<f32> {
        let measure = |i: usize, of: &dyn Fn(&str) -> f32| {
            std::iter::once(table.columns[i])
                .chain(table.rows.iter().map(|r| r[i].as_str()))
                .map(of)
                .fold(0.0, f32::max)
        };
        let (mut least, mut more) = (Vec::new(), Vec::new());
        for i in 0..table.columns.len() {
            let word = measure(i, &|t: &str| {
                t.split_whitespace()
                    .map(|w| self.width(Style::Bold, w, SMALL))
                    .fold(0.0, f32::max)
            }) + 2.0 * CELL_PAD;
            let whole = measure(i, &|t: &str| self.width(Style::Regular, t, SMALL)).min(220.0);
            least.push(word);
            more.push((whole + 2.0 * CELL_PAD - word).max(0.0));
        }
        let spare = (RIGHT - LEFT - least.iter().sum::<f32>()).max(0.0);
        let wanted: f32 = more.iter().sum();
        least
            .iter()
            .zip(&more)
            .map(|(l, m)| {
                let share = if wanted > 0.0 {
                    m / wanted
                } else {
                    1.0 / least.len() as f32
                };
                l + spare * share
            })
            .collect()
    }

    fn cell_lines(&self, width: f32, text: &str, style: Style) -> Vec<Vec<Word>> {
        self.wrap(&words(style, text), SMALL, width - 2.0 * CELL_PAD)
    }

    fn row_height(&self, widths: &[f32], cells: &[String], style: Style) -> f32 {
        let lines = widths
            .iter()
            .zip(cells)
            .map(|(w, c)| self.cell_lines(*w, c, style).len())
            .max()
            .unwrap_or(1);
        lines as f32 * SMALL * LEADING + 2.0 * CELL_PAD
    }

    fn row_fits(&self, widths: &[f32], cells: &[String]) -> bool {
        self.y - self.row_height(widths, cells, Style::Regular) >= BOTTOM
    }

    fn row(&mut self, widths: &[f32], cells: &[String], style: Style) {
        let height = self.row_height(widths, cells, style);
        self.room(height);
        let top = self.y;
        let mut x = LEFT;
        for (width, cell) in widths.iter().zip(cells) {
            self.page()
                .set_line_width(0.5)
                .rect(x, top - height, *width, height)
                .stroke();
            let mut baseline = top - CELL_PAD - SMALL;
            for line in self.cell_lines(*width, cell, style) {
                self.draw_line(&line, SMALL, x + CELL_PAD, baseline);
                baseline -= SMALL * LEADING;
            }
            x += width;
        }
        self.y = top - height;
    }

    fn footers(&mut self, name: &str) {
        let count = self.pages.len();
        for n in 0..count {
            let text = format!("{name} — Trang {}/{count}", n + 1);
            let font = &mut self.regular;
            let bytes = font.encode(&text);
            let x = RIGHT - font.width(&text, SMALL - 1.0);
            self.pages[n]
                .begin_text()
                .set_font(font.resource, SMALL - 1.0)
                .set_text_matrix([1.0, 0.0, 0.0, 1.0, x, BOTTOM - 20.0])
                .show(Str(&bytes))
                .end_text();
        }
    }
}

/// The text's words (composed, as the fonts hold Vietnamese letters).
fn words(style: Style, text: &str) -> Vec<Word> {
    let text: String = text.nfc().collect();
    text.split_whitespace()
        .map(|w| (style, w.to_owned()))
        .collect()
}

/// "label: value" with the value in bold.
fn field_words(field: &Field) -> Vec<Word> {
    let mut out = words(Style::Regular, &format!("{}:", field.label));
    out.extend(words(Style::Bold, &field.value));
    out
}

pub fn render(resume: &Resume) -> AppResult<Vec<u8>> {
    let mut writer = Writer::new()?;
    let code_width = writer.width(Style::Regular, resume.form_code, SMALL);
    writer.text(
        Style::Regular,
        resume.form_code,
        SMALL,
        RIGHT - code_width,
        TOP,
    );
    writer.gap(6.0);
    for field in &resume.header {
        writer.paragraph(&field_words(field), BODY);
    }
    writer.gap(12.0);
    writer.centered(Style::Bold, resume.title, 14.0);
    writer.gap(8.0);
    for line in &resume.lines {
        let mut words = words(Style::Regular, line.number);
        for (n, field) in line.fields.iter().enumerate() {
            if n > 0 {
                if let Some((_, last)) = words.last_mut() {
                    last.push(';');
                }
            }
            words.extend(field_words(field));
        }
        writer.paragraph(&words, BODY);
    }
    for table in &resume.tables {
        writer.table(table);
    }
    writer.gap(8.0);
    let printed = format!("In ngày {}", resume.printed_on.format("%d/%m/%Y"));
    writer.paragraph(&words(Style::Regular, &printed), SMALL);
    writer.footers(&resume.full_name.nfc().collect::<String>());
    finish(writer, resume)
}

/// Object numbers, handed out in order.
struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

fn finish(writer: Writer, resume: &Resume) -> AppResult<Vec<u8>> {
    let mut pdf = Pdf::new();
    let mut refs = Refs(0);
    let catalog = refs.next();
    let tree = refs.next();
    let info = refs.next();
    let fonts = [
        (
            writer.regular.resource,
            embed(&mut pdf, &mut refs, &writer.regular)?,
        ),
        (
            writer.bold.resource,
            embed(&mut pdf, &mut refs, &writer.bold)?,
        ),
    ];
    let mut kids = Vec::new();
    for content in writer.pages {
        let (page, stream) = (refs.next(), refs.next());
        let data = compress(&content.finish());
        pdf.stream(stream, &data).filter(Filter::FlateDecode);
        let mut writer = pdf.page(page);
        writer
            .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(stream);
        let mut resources = writer.resources();
        let mut names = resources.fonts();
        for (name, id) in fonts {
            names.pair(name, id);
        }
        names.finish();
        resources.finish();
        writer.finish();
        kids.push(page);
    }
    let count = i32::try_from(kids.len()).unwrap_or(i32::MAX);
    pdf.pages(tree).kids(kids).count(count);
    pdf.catalog(catalog).pages(tree);
    let title = format!("{} - {}", resume.title, resume.full_name);
    pdf.document_info(info)
        .title(TextStr(&title))
        .creator(TextStr("ODB"));
    Ok(pdf.finish())
}

/// Writes the face's subset as a Type 0 font; returns the font's object.
fn embed(pdf: &mut Pdf, refs: &mut Refs, font: &Font) -> AppResult<Ref> {
    let (type0, cid, descriptor, file, cmap) = (
        refs.next(),
        refs.next(),
        refs.next(),
        refs.next(),
        refs.next(),
    );
    let subset = subsetter::subset(font.data, 0, &font.glyphs)
        .map_err(|e| AppError::Internal(format!("font subset: {e}")))?;
    let base = Name(font.name);
    let system = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let widths: Vec<f32> = font
        .glyphs
        .remapped_gids()
        .map(|old| font.advance(GlyphId(old)))
        .collect();
    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(base)
        .system_info(system)
        .font_descriptor(descriptor)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid_font.widths().consecutive(0, widths);
    cid_font.finish();
    let scale = 1000.0 / f32::from(font.face.units_per_em());
    let b = font.face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(base)
        .flags(FontFlags::SERIF | FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            f32::from(b.x_min) * scale,
            f32::from(b.y_min) * scale,
            f32::from(b.x_max) * scale,
            f32::from(b.y_max) * scale,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(font.face.ascender()) * scale)
        .descent(f32::from(font.face.descender()) * scale)
        .cap_height(f32::from(font.face.capital_height().unwrap_or(0)) * scale)
        .stem_v(80.0)
        .font_file2(file);
    let data = compress(&subset);
    let length = i32::try_from(subset.len()).unwrap_or(i32::MAX);
    pdf.stream(file, &data)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), length);
    let mut unicode = UnicodeCmap::new(Name(b"Custom"), system);
    for (gid, c) in &font.chars {
        unicode.pair(*gid, *c);
    }
    pdf.cmap(cmap, &unicode.finish());
    Ok(type0)
}

fn compress(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}
