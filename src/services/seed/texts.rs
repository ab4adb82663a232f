//! Demo case texts for `seed-demo` (issue #16, 一件多诉): plausible Chinese complaint texts
//! about a [`Matter`] — a problem at a place — so that most cases are distinct matters while a
//! share are the same matter told again by other people in other words ([`write`] on the same
//! matter twice gives two rewordings), as at an open day. The similarity index and its
//! suggestions are measured on these.
//!
//! A matter is a problem of the unit's kind (police, court, …), at a place named after the
//! unit's region (a police station or a street named from a word list), with its own small
//! facts (a window number, a residential compound, a number of days). A text about it picks,
//! independently, a title and a body sentence (three phrasings each), an opening, another
//! circumstance and a closing; a kiosk note is a title and one sentence.

use rand::Rng;

use crate::domain::kind::{Channel, UnitKind};

use super::problems::{Problem, COURT, DISCIPLINE, JUSTICE, OFFICE, POLICE, PROCURATORATE};

/// Street and place names for stations, courts' neighbourhoods and compounds.
const STREETS: &[&str] = &[
    "新华路",
    "建设路",
    "人民路",
    "解放路",
    "文化路",
    "胜利街",
    "青年路",
    "和平路",
    "幸福街",
    "东风路",
    "光明路",
    "长江路",
    "黄河路",
    "泰山路",
    "振兴街",
    "迎宾路",
    "府前街",
    "中心街",
    "开发区",
    "滨河",
    "朝阳",
    "南关",
    "北关",
    "东关",
    "西关",
    "城关",
    "龙山",
    "凤凰",
    "汇河",
    "仪阳",
    "石横",
    "王庄",
    "湖屯",
    "边院",
    "孙伯",
    "安临站",
    "老城",
    "新城",
    "桃园",
    "潮泉",
];

const COMPOUND_FIRST: &[&str] = &[
    "阳光", "金色", "锦绣", "翰林", "御景", "泰和", "东方", "世纪", "绿城", "银座", "幸福", "和谐", "书香",
    "龙湖", "盛世", "香榭", "名仕", "滨湖", "丽景", "康城",
];
const COMPOUND_LAST: &[&str] = &["花园", "小区", "家园", "新村", "名苑", "华庭"];

const OPENINGS: &[&str] = &[
    "",
    "",
    "",
    "您好，",
    "领导您好，我要反映一个情况。",
    "我是{R}的居民，",
    "实在没有办法了才来这里反映。",
    "向上级反映一个问题：",
    "各位领导好！",
    "我代表家里老人反映一下，",
];

const CIRCUMSTANCES: &[&str] = &[
    "",
    "",
    "我已经跑了{N}趟了。",
    "前前后后拖了{D}天。",
    "电话打了十几次都没人接。",
    "身边好多人都遇到过这种情况。",
    "家里老人身体不好，经不起这么折腾。",
    "我请了{N}天假专门办这件事。",
    "问了好几个工作人员，说法都不一样。",
    "我们是外地来的，人生地不熟。",
];

const CLOSINGS: &[&str] = &[
    "希望尽快解决。",
    "请有关部门核实处理。",
    "希望领导重视一下。",
    "盼回复。",
    "请给个说法。",
    "麻烦督促一下，谢谢。",
    "",
    "这个问题已经不是一次两次了。",
    "老百姓办事太难了。",
    "希望能公开处理结果。",
    "请尽快给群众一个答复。",
    "希望以后不要再出现这种情况。",
];

fn problems(kind: UnitKind) -> &'static [Problem] {
    match kind {
        UnitKind::Police => POLICE,
        UnitKind::Court => COURT,
        UnitKind::Procuratorate => PROCURATORATE,
        UnitKind::Justice => JUSTICE,
        UnitKind::Discipline => DISCIPLINE,
        UnitKind::Plc | UnitKind::Office => OFFICE,
    }
}

/// One matter: what is wrong and where, with the small facts every voice about it repeats.
#[derive(Debug, Clone)]
pub struct Matter {
    problem: &'static Problem,
    region: String,
    street: &'static str,
    compound: String,
    number: u32,
    days: u32,
}

impl Matter {
    /// A new matter at a unit of `kind` in the region named `region` (`肥城市`).
    pub fn new(rng: &mut impl Rng, kind: UnitKind, region: &str) -> Matter {
        let list = problems(kind);
        Matter {
            problem: &list[rng.random_range(0..list.len())],
            region: region.to_owned(),
            street: STREETS[rng.random_range(0..STREETS.len())],
            compound: format!(
                "{}{}",
                COMPOUND_FIRST[rng.random_range(0..COMPOUND_FIRST.len())],
                COMPOUND_LAST[rng.random_range(0..COMPOUND_LAST.len())]
            ),
            number: rng.random_range(2..10),
            days: rng.random_range(10..120),
        }
    }

    fn fill(&self, template: &str) -> String {
        let facility = self.problem.facility.replace("{T}", self.street);
        template
            .replace("{P}", &format!("{}{}", self.region, facility))
            .replace("{S}", &facility)
            .replace("{R}", &self.region)
            .replace("{C}", &self.compound)
            .replace("{N}", &self.number.to_string())
            .replace("{D}", &self.days.to_string())
    }
}

/// A text about `matter` as one person would send it through `channel`: its title and body.
/// Each call picks its phrasings afresh, so two calls are two people's words for one matter.
pub fn write(rng: &mut impl Rng, matter: &Matter, channel: Channel) -> (String, String) {
    let pr = matter.problem;
    let title = matter.fill(pr.titles[rng.random_range(0..pr.titles.len())]);
    let sentence = matter.fill(pr.bodies[rng.random_range(0..pr.bodies.len())]);
    if channel == Channel::Kiosk {
        // A note typed at a kiosk: the title and one sentence.
        return (title, sentence);
    }
    let pick =
        |rng: &mut dyn rand::RngCore, list: &[&str]| matter.fill(list[rng.random_range(0..list.len())]);
    let body = format!(
        "{}{}{}{}",
        pick(rng, OPENINGS),
        sentence,
        pick(rng, CIRCUMSTANCES),
        pick(rng, CLOSINGS)
    );
    (title, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::similarity::{Fingerprint, Scope};
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn voices_of_one_matter_are_mostly_suggested_and_others_rarely() {
        let mut rng = StdRng::seed_from_u64(7);
        let scope = Scope {
            region: "370983",
            target_unit: None,
        };
        let (mut same, mut other, n) = (0, 0, 400);
        for _ in 0..n {
            let a = Matter::new(&mut rng, UnitKind::Police, "肥城市");
            let b = Matter::new(&mut rng, UnitKind::Police, "肥城市");
            let text = |rng: &mut StdRng, m: &Matter, c| {
                let (t, b) = write(rng, m, c);
                Fingerprint::of(&format!("{t}\n{b}"))
            };
            let first = text(&mut rng, &a, Channel::Web);
            let again = text(&mut rng, &a, Channel::Kiosk);
            let unrelated = text(&mut rng, &b, Channel::Web);
            same += usize::from(first.suggests_in(&again, &scope, &scope).is_some());
            other += usize::from(first.suggests_in(&unrelated, &scope, &scope).is_some());
        }
        eprintln!("rewordings suggested: {same}/{n}; different matters: {other}/{n}");
        // Rewordings of one matter are found most of the time; two matters at one county's
        // police rarely (the same problem at the same station happens, and is a duplicate).
        assert!(same * 100 >= n * 60, "{same} of {n} rewordings suggested");
        assert!(
            other * 100 <= n * 15,
            "{other} of {n} different matters suggested"
        );
    }

    #[test]
    fn the_same_seed_writes_the_same_text() {
        let run = || {
            let mut rng = StdRng::seed_from_u64(3);
            let m = Matter::new(&mut rng, UnitKind::Court, "泰山区");
            write(&mut rng, &m, Channel::Web)
        };
        assert_eq!(run(), run());
    }
}
