//! The portal's words: every string a page shows comes from a Fluent message
//! catalog (`locales/vi.ftl`, `locales/en.ftl`), Vietnamese first.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language the portal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    /// The BCP 47 tag, as `<html lang>` and the language cookie carry it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The message `key`; the key itself when a catalog lacks it (a unit
    /// test keeps both catalogs complete).
    pub fn t(self, key: &str) -> String {
        self.format(key, None)
    }

    /// The message `key` with its `{ $name }` placeholders filled.
    pub fn t_with(self, key: &str, args: &[(&str, &str)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, FluentValue::from(*value));
        }
        self.format(key, Some(&fluent))
    }

    /// Whether the catalog has `key` (for optional, per-field messages).
    pub fn has(self, key: &str) -> bool {
        bundle(self).has_message(key)
    }

    fn format(self, key: &str, args: Option<&FluentArgs>) -> String {
        let bundle = bundle(self);
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(key, lang = self.code(), "message missing from the catalog");
            return key.to_owned();
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(key, ?errors, "message formatted with errors");
        }
        text.into_owned()
    }
}

type Bundle = FluentBundle<FluentResource>;

const VI: &str = include_str!("locales/vi.ftl");
const EN: &str = include_str!("locales/en.ftl");

fn bundle(lang: Lang) -> &'static Bundle {
    static VI_BUNDLE: LazyLock<Bundle> = LazyLock::new(|| load(Lang::Vi, VI));
    static EN_BUNDLE: LazyLock<Bundle> = LazyLock::new(|| load(Lang::En, EN));
    match lang {
        Lang::Vi => &VI_BUNDLE,
        Lang::En => &EN_BUNDLE,
    }
}

fn load(lang: Lang, source: &str) -> Bundle {
    let resource =
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, errors)| {
            tracing::error!(lang = lang.code(), ?errors, "message catalog has errors");
            partial
        });
    let tag = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    // no Unicode isolation marks around values: they would end up in
    // attributes, copied text and print
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(lang = lang.code(), ?errors, "message catalog clashes");
    }
    bundle
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The message ids of a catalog that must parse without error.
    fn keys(source: &str) -> BTreeSet<String> {
        if let Err((_, errors)) = FluentResource::try_new(source.to_owned()) {
            panic!("catalog does not parse: {errors:?}");
        }
        source
            .lines()
            .filter(|line| line.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|line| line.split_once(" =").map(|(id, _)| id.to_owned()))
            .collect()
    }

    #[test]
    fn both_catalogs_parse_and_say_the_same_things() {
        let (vi, en) = (keys(VI), keys(EN));
        assert!(vi.len() > 100, "{} messages", vi.len());
        let only_vi: Vec<_> = vi.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&vi).collect();
        assert!(
            only_vi.is_empty() && only_en.is_empty(),
            "only in vi.ftl: {only_vi:?}\nonly in en.ftl: {only_en:?}"
        );
    }

    #[test]
    fn messages_are_filled_without_isolation_marks() {
        let text = Lang::Vi.t_with("signed-in-as", &[("name", "an.nguyen")]);
        assert!(text.contains("an.nguyen"), "{text}");
        assert!(!text.contains('\u{2068}'));
        assert_eq!(Lang::En.t("no-such-message"), "no-such-message");
        assert_eq!(Lang::Vi.t("sign-in-title"), "Đăng nhập");
    }
}
