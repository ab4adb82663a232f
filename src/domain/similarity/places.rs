//! Places in a text, for what the scope cannot separate: a different matter at the same place
//! shares the place's name, and the same matter at two named places of one county is in scope.
//! Works on [`super::normalise`]d text; fixed word lists, no model.
//!
//! - **Place spans** ([`strip_places`]): a facility word (`派出所`, `法院`, `户籍窗口`,
//!   `3号窗口` …, [`FACILITIES`]) with up to four name characters before it and any facility
//!   words right after it (`城关派出所户籍窗口`). The "matter" shingles are those of the text
//!   without these spans and without a few function characters ([`STOP_CHARACTERS`]): what
//!   happened, not where.
//! - **Named units** ([`Places::conflicts`]): `X派出所`, `X法院`, `X检察院`, `X车管所` … whose name
//!   `X` follows a separator or a preposition (`在`, `到`, `去` …), and numbered ones (`N号窗口`,
//!   `科目三`). Two texts that name units of one kind, none of the same name, are about two
//!   places. Names are compared by containment after dropping administrative words, so
//!   `东营市公安局东城派出所` and `东城派出所` agree, `城关派出所` and `新华路派出所` do not.
//! - **Kinds of body** ([`Places::conflicts`]): police, court, procuratorate, justice bureau,
//!   prison, detention centre, letters-and-visits, discipline commission, from keywords. Two
//!   texts that each mention some, none in common, complain about different bodies.

/// Facility words that end (or continue) a place span, separated by spaces; the longest that
/// matches wins.
pub const FACILITIES: &str = "强制隔离戒毒所 出入境接待大厅 不动产登记中心 法律援助中心 检察服务中心 诉讼服务中心 行政服务中心 政务服务大厅 出入境大厅 \
    人民检察院 律师事务所 驾考中心 驾考考场 人民法院 政务大厅 接待大厅 办证大厅 户政大厅 \
    户籍窗口 交警大队 派出所 检察院 车管所 出入境 公证处 司法所 司法局 \
    看守所 戒毒所 强戒所 信访局 立案庭 立案大厅 执行局 户籍室 事故科 \
    公安局 法院 中院 交警 监狱 考场 窗口 大厅 纪委";

/// Characters that end a place name when walking back from a facility word: function words
/// and pronouns (`在`, `的`, `我` …) are not part of a name.
const NAME_BOUNDARY: &str = "在到去向的了是我给把被从对和与跟里说就也都这那个";

/// Characters left out of the matter shingles: in nearly every complaint, so they make two
/// different matters look alike.
pub const STOP_CHARACTERS: &str = "的了我是在有也就都还说个一们这那和与把被给到去";

/// The words of units compared by name; their kind is [`unit_kind`].
const UNIT_WORDS: &str = "出入境接待大厅 人民检察院 出入境大厅 交警大队 人民法院 派出所 检察院 车管所 \
    司法所 看守所 公证处 出入境 信访局 法院 交警";

/// The kind of a unit word: `人民法院` and `法院` are one kind, as are `交警大队` and `交警`.
fn unit_kind(word: &'static str) -> &'static str {
    if word.starts_with("出入境") {
        "出入境"
    } else if word == "交警大队" {
        "交警"
    } else {
        word.trim_start_matches("人民")
    }
}

/// Characters that start a place name when walking back from a unit word (prepositions).
const NAME_OPENERS: &str = "在到去向从和与跟是给对找";
/// Characters no place name contains: a clause, not a name (`报警后派出所`).
const NOT_IN_NAMES: &str = "被了后的说让把给";
/// Words dropped from a name before comparing: administrative levels and generic words.
const GENERIC_IN_NAMES: &str = "辖区 当地 本地 我们 公安局 分局 人民 市 区 县 镇 乡";

/// Kinds of body, each as the keywords that mention it separated by spaces (CJK matched as
/// substrings, Latin as words).
const BODIES: &[&str] = &[
    "派出所 公安 民警 警察 户籍 出入境 车管所 交警 辅警 110 police officer dmv vehicle",
    "法院 法官 执行局 立案 审判 中院 庭长 court judge enforcement",
    "检察院 检察官 12309 procuratorate",
    "司法所 司法局 公证处 法律援助 律师 调解员 lawyer notary",
    "监狱 戒毒所 强戒所 prison",
    "看守所",
    "信访",
    "纪委",
];

/// A word list split once into its words' characters (a look-up tries every word at every
/// character of a text: splitting the list each time cost more than the rest of a fingerprint).
type Words = Vec<(&'static str, Vec<char>)>;

fn split(words: &'static str) -> Words {
    words
        .split_whitespace()
        .map(|w| (w, w.chars().collect()))
        .collect()
}

fn facility_words() -> &'static Words {
    static WORDS: std::sync::OnceLock<Words> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| split(FACILITIES))
}

fn unit_words() -> &'static Words {
    static WORDS: std::sync::OnceLock<Words> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| split(UNIT_WORDS))
}

/// The longest word of `words` that starts at `chars[i..]`.
fn word_at(chars: &[char], i: usize, words: &'static Words) -> Option<&'static str> {
    let rest = chars.get(i..).unwrap_or_default();
    words
        .iter()
        .filter(|(_, w)| !w.is_empty() && rest.starts_with(w))
        .max_by_key(|(_, w)| w.len())
        .map(|(word, _)| *word)
}

fn is_name_char(c: char) -> bool {
    super::is_cjk(c) && !NAME_BOUNDARY.contains(c)
}

/// The place spans of normalised text, as `(start, end)` character indices, in order and
/// disjoint.
fn place_spans(chars: &[char]) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let Some(word) = word_at(chars, i, facility_words()) else {
            i += 1;
            continue;
        };
        let floor = spans.last().map_or(0, |s| s.1);
        let mut start = i;
        if start > floor && chars[start - 1] == '号' && start >= 2 && chars[start - 2].is_ascii_digit() {
            start -= 1;
            while start > floor && chars[start - 1].is_ascii_digit() {
                start -= 1;
            }
        } else {
            while start > floor && i - start < 4 && is_name_char(chars[start - 1]) {
                start -= 1;
            }
        }
        let mut end = i + word.chars().count();
        loop {
            if let Some(next) = word_at(chars, end, facility_words()) {
                end += next.chars().count();
                continue;
            }
            let digits = chars[end..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits > 0 && chars.get(end + digits) == Some(&'号') {
                end += digits + 1;
                continue;
            }
            break;
        }
        spans.push((start, end));
        i = end;
    }
    spans
}

/// Normalised `text` with its place spans replaced by a separator: the "what happened" part.
/// `城关派出所户籍窗口只开了一个` → ` 只开了一个`.
pub fn strip_places(normalised: &str) -> String {
    let chars: Vec<char> = normalised.chars().collect();
    let mut out = String::with_capacity(normalised.len());
    let mut at = 0;
    for (start, end) in place_spans(&chars) {
        out.extend(&chars[at..start]);
        out.push(' ');
        at = end;
    }
    out.extend(&chars[at..]);
    out
}

/// The units a text names and the kinds of body it mentions (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Places {
    /// `(kind, name)`, the name without administrative words; numbered units as
    /// `("窗口", "3")`, `("科目", "三")`. Sorted, distinct.
    units: Vec<(&'static str, String)>,
    /// A bit per entry of the body list.
    bodies: u16,
}

impl Places {
    /// The places of normalised text.
    pub fn of(normalised: &str) -> Places {
        let chars: Vec<char> = normalised.chars().collect();
        let mut units = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let Some(word) = word_at(&chars, i, unit_words()) else {
                i += 1;
                continue;
            };
            let kind = unit_kind(word);
            if let Some(name) = unit_name(&chars, i) {
                units.push((kind, name));
            }
            i += word.chars().count();
        }
        for (k, c) in chars.iter().enumerate() {
            let digits = chars[..k].iter().rev().take_while(|c| c.is_ascii_digit()).count();
            if *c == '号' && digits > 0 && chars[k + 1..].starts_with(&['窗', '口']) {
                units.push(("窗口", chars[k - digits..k].iter().collect()));
            }
            if *c == '科' && chars.get(k + 1) == Some(&'目') {
                if let Some(n) = chars.get(k + 2).filter(|n| "一二三四".contains(**n)) {
                    units.push(("科目", n.to_string()));
                }
            }
        }
        units.sort();
        units.dedup();
        let words: Vec<&str> = normalised.split(' ').collect();
        let mut bodies = 0u16;
        for (bit, keywords) in BODIES.iter().enumerate() {
            let mentioned = keywords.split(' ').any(|k| {
                if k.is_ascii() {
                    words.contains(&k)
                } else {
                    normalised.contains(k)
                }
            });
            if mentioned {
                bodies |= 1 << bit;
            }
        }
        Places { units, bodies }
    }

    /// The names of the units of one kind.
    fn names<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.units
            .iter()
            .filter(move |(k, _)| *k == kind)
            .map(|(_, n)| n.as_str())
    }

    /// Whether the two texts are about different places or bodies: they name units of one
    /// kind with no name in common (one name containing the other counts as common), or each
    /// mentions kinds of body and none is shared.
    pub fn conflicts(&self, other: &Places) -> bool {
        let different_units = self.units.iter().any(|(kind, _)| {
            let mut theirs = other.names(kind).peekable();
            theirs.peek().is_some()
                && !theirs.any(|y| self.names(kind).any(|x| x.contains(y) || y.contains(x)))
        });
        let different_bodies = self.bodies != 0 && other.bodies != 0 && self.bodies & other.bodies == 0;
        different_units || different_bodies
    }
}

/// The name before the unit word at `chars[at..]`: back to a separator, a preposition or the
/// start of the text, at most six characters, without administrative words; `None` when there
/// is no such name of at least two characters.
fn unit_name(chars: &[char], at: usize) -> Option<String> {
    let mut j = at;
    let mut found = None;
    while j > 0 && at - j < 6 {
        let c = chars[j - 1];
        if c == ' ' || NAME_OPENERS.contains(c) {
            found = Some(j);
            break;
        }
        j -= 1;
    }
    if j == 0 {
        found = Some(0);
    }
    let name: String = chars[found?..at].iter().collect();
    if name
        .chars()
        .any(|c| NOT_IN_NAMES.contains(c) || c.is_ascii_digit())
    {
        return None;
    }
    let mut name = name.as_str();
    for word in ["公安局", "分局"] {
        if let Some(k) = name.rfind(word) {
            name = &name[k + word.len()..];
        }
    }
    let mut name = name.to_owned();
    for word in GENERIC_IN_NAMES.split(' ') {
        name = name.replace(word, "");
    }
    (name.chars().count() >= 2).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::similarity::normalise;

    fn strip(text: &str) -> String {
        strip_places(&normalise(text))
    }

    #[test]
    fn place_spans_are_names_and_facilities() {
        assert_eq!(
            strip("城关派出所户籍窗口只开了一个，排队两个多小时"),
            " 只开了一个 排队两个多小时"
        );
        assert_eq!(strip("新华路派出所户籍室2号窗口民警说话很冲"), " 民警说话很冲");
        assert_eq!(strip("在淄博出入境接待大厅办护照"), "在 办护照");
        assert_eq!(strip("河口区人民法院立案庭不给立案"), " 不给立案");
        assert_eq!(strip("排队两个多小时"), "排队两个多小时");
    }

    fn conflict(a: &str, b: &str) -> bool {
        Places::of(&normalise(a)).conflicts(&Places::of(&normalise(b)))
    }

    #[test]
    fn differently_named_units_of_one_kind_conflict() {
        assert!(conflict(
            "城关派出所户籍窗口只开了一个",
            "新华路派出所办户口的窗口就开一个"
        ));
        assert!(conflict("历城区王舍人派出所办身份证", "历城区华山派出所办身份证"));
        assert!(conflict("2号窗口的民警说话很冲", "车管所6号窗口的辅警骂人"));
        assert!(conflict("考科目三的考官收红包", "科目二有考官收钱"));
        // The same unit, named fully and briefly; a generic one; a clause, not a name.
        assert!(!conflict(
            "东营市公安局东城派出所民警态度蛮横",
            "辖区东城派出所说不归他们管"
        ));
        assert!(!conflict(
            "河口区人民法院立案庭不给立案",
            "我到河口区法院立案庭递交起诉状"
        ));
        assert!(!conflict("县法院执行局消极执行", "河口区法院执行局"));
        assert!(!conflict(
            "电动车被盗报警后派出所不给立案",
            "北关派出所民警说不够立案"
        ));
    }

    #[test]
    fn different_bodies_conflict() {
        assert!(conflict(
            "检察院对我的控告不答复",
            "我向县公安局纪委控告派出所民警"
        ));
        assert!(!conflict(
            "检察院对我的控告不答复",
            "反映公安机关有案不立，检察院至今没答复"
        ));
        assert!(!conflict(
            "派出所办证缴费不收现金",
            "办身份证工本费只收微信支付宝"
        ));
    }
}
