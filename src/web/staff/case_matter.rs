//! The case page's "same matter" part (一件多诉, issue #16): the matter the case belongs to
//! (its lead and the cases linked to it), the cases that may be the same matter with a link
//! button each, and the same reporter's other cases — as rows the template lists.

use super::queue::channel_label;
use crate::domain::deadlines::beijing_time;
use crate::domain::kind::Channel;
use crate::i18n::Lang;
use crate::services::cases::{CaseRef, CaseView};
use crate::web::texts::state_label;

/// The words of this part, in one language.
pub struct MatterTexts {
    pub heading: &'static str,
    pub lead_is: &'static str,
    pub voices: &'static str,
    pub linked: &'static str,
    pub suggested: &'static str,
    pub suggested_hint: &'static str,
    pub similarity: &'static str,
    pub link_reason: &'static str,
    pub link_button: &'static str,
    pub same_reporter: &'static str,
    pub same_reporter_hint: &'static str,
}

const ZH: MatterTexts = MatterTexts {
    heading: "同一事项",
    lead_is: "本件随主办件一并办理：",
    voices: "反映本事项的人数",
    linked: "一并办理的来件",
    suggested: "可能是同一事项",
    suggested_hint: "系统按文字相近程度提示，请核对后再决定是否并入。",
    similarity: "相近程度",
    link_reason: "并入理由",
    link_button: "将本件并入该事项",
    same_reporter: "同一反映人的其他来件",
    same_reporter_hint: "按联系方式比对，不显示联系方式本身。",
};

const EN: MatterTexts = MatterTexts {
    heading: "Same matter",
    lead_is: "This case is handled with its lead case:",
    voices: "People who raised this matter",
    linked: "Cases handled with it",
    suggested: "Possibly the same matter",
    suggested_hint: "Suggested by how alike the texts are; check before you link.",
    similarity: "Similarity",
    link_reason: "Why link",
    link_button: "Link this case to that matter",
    same_reporter: "The same reporter's other cases",
    same_reporter_hint: "Matched by contact details, which are not shown.",
};

pub fn matter_texts(lang: Lang) -> &'static MatterTexts {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// A case listed in this part: code, channel, received, state, similarity ("" if none).
pub struct Listed {
    pub code: String,
    pub channel: &'static str,
    pub received: String,
    pub state: &'static str,
    pub similarity: String,
}

fn channel(code: &str, lang: Lang) -> &'static str {
    Channel::from_code(code).map_or("", |c| channel_label(c, lang))
}

fn listed(r: &CaseRef, lang: Lang) -> Listed {
    Listed {
        code: r.tracking_code.clone(),
        channel: channel(&r.channel, lang),
        received: beijing_time(r.created_at.naive_utc()),
        state: state_label(&r.state, lang),
        similarity: String::new(),
    }
}

/// The rows of this part: (cases of the matter, suggestions, same reporter's cases).
pub fn rows(c: &CaseView, lang: Lang) -> (Vec<Listed>, Vec<Listed>, Vec<Listed>) {
    let matter = c
        .matter
        .as_ref()
        .map(|m| m.linked.iter().map(|r| listed(r, lang)).collect())
        .unwrap_or_default();
    let suggested = c
        .suggestions
        .iter()
        .map(|s| Listed {
            code: s.tracking_code.clone(),
            channel: channel(&s.channel, lang),
            received: beijing_time(s.created_at.naive_utc()),
            state: state_label(s.state.code(), lang),
            similarity: format!("{:.0}%", s.similarity * 100.0),
        })
        .collect();
    let same = c
        .same_reporter
        .as_ref()
        .map(|s| s.cases.iter().map(|r| listed(r, lang)).collect())
        .unwrap_or_default();
    (matter, suggested, same)
}
