//! Vietnamese text as search sees it.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lower-case with diacritics removed, `đ` as `d`, whitespace collapsed:
/// "Nguyễn  Văn Đức" -> "nguyen van duc".
pub fn fold(text: &str) -> String {
    let stripped: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .collect::<String>()
        .to_lowercase();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Vietnamese letters with diacritics, lower and upper case.
const MARKED: &str = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ";

/// `fold` for a column PostgreSQL reads, as the two lists of
/// `translate(column, from, to)` (then `lower`): every precomposed
/// Vietnamese letter, either case, to the letter `fold` makes of it. Text
/// stored decomposed is not folded by it; names typed in forms arrive
/// precomposed.
pub fn fold_translation() -> (String, String) {
    let from: String = MARKED
        .chars()
        .chain(MARKED.to_uppercase().chars())
        .collect();
    let to: String = from.chars().map(|c| fold(&c.to_string())).collect();
    (from, to)
}

/// Escapes LIKE wildcards so user text matches literally.
pub fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_translation_folds_each_marked_letter_to_one_plain_one() {
        let (from, to) = fold_translation();
        assert_eq!(from.chars().count(), to.chars().count());
        assert!(to.chars().all(|c| c.is_ascii_lowercase()), "{to}");
        let pairs: Vec<(char, char)> = from.chars().zip(to.chars()).collect();
        let translated: String = "Nguyễn Thị ĐOÀN"
            .chars()
            .map(|c| pairs.iter().find(|(f, _)| *f == c).map_or(c, |(_, t)| *t))
            .collect();
        assert_eq!(translated.to_lowercase(), fold("Nguyễn Thị ĐOÀN"));
    }

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Nguyễn  Văn Đức"), "nguyen van duc");
        assert_eq!(fold("Thành phố Hồ Chí Minh"), "thanh pho ho chi minh");
        assert_eq!(fold("ĐẮK LẮK"), "dak lak");
    }

    #[test]
    fn escapes_wildcards() {
        assert_eq!(like_literal("50%_a\\"), "50\\%\\_a\\\\");
    }
}
