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
