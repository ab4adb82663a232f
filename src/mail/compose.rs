//! What a mail says: the facts a template needs ([`MailData`], stored as the outbox row's JSON
//! payload when the mail is queued) and the rendering of `templates/email/<name>/` into a
//! multipart message (plain text and HTML) in the recipient's language.
//!
//! Links are made at send time from the public address (and, for the rating link, a signature),
//! so no secret sits in the database.

use askama::Template;

use crate::i18n::Lang;

/// Every mail the service sends; the name is the folder under `templates/email/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// To the citizen: we have it (回执).
    Receipt,
    /// To the citizen: accepted (受理).
    Accepted,
    /// To the citizen: not accepted, and why (不予受理).
    Rejected,
    /// To the citizen: the deadline was extended (延期).
    Extended,
    /// To the citizen: the answer (办理结果) and the rating link.
    Result,
    /// To the citizen: "not satisfied" reopened the case one level up (复查).
    Reopened,
    /// To a unit: a case is now theirs.
    NewCase,
    /// To a unit: a supervisor set a deadline (督办).
    SupervisionNotice,
    /// To a unit and its superior: a deadline passed (超期督办).
    OverdueNotice,
    /// To a supervisor: a citizen was not satisfied; the case is theirs to review.
    ReviewNotice,
}

impl MailKind {
    pub const ALL: &'static [MailKind] = &[
        MailKind::Receipt,
        MailKind::Accepted,
        MailKind::Rejected,
        MailKind::Extended,
        MailKind::Result,
        MailKind::Reopened,
        MailKind::NewCase,
        MailKind::SupervisionNotice,
        MailKind::OverdueNotice,
        MailKind::ReviewNotice,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MailKind::Receipt => "receipt",
            MailKind::Accepted => "accepted",
            MailKind::Rejected => "rejected",
            MailKind::Extended => "extended",
            MailKind::Result => "result",
            MailKind::Reopened => "reopened",
            MailKind::NewCase => "new_case",
            MailKind::SupervisionNotice => "supervision_notice",
            MailKind::OverdueNotice => "overdue_notice",
            MailKind::ReviewNotice => "review_notice",
        }
    }

    pub fn from_name(name: &str) -> Option<MailKind> {
        MailKind::ALL.iter().copied().find(|k| k.name() == name)
    }
}

/// The facts of one mail. Unused fields stay empty; names are stored in both languages so the
/// payload alone renders the mail.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct MailData {
    pub tracking_code: String,
    pub kind: String,
    pub kind_en: String,
    pub title: String,
    pub unit: String,
    pub unit_en: String,
    /// `YYYY-MM-DD`, Beijing time.
    pub deadline: String,
    pub days: u32,
    pub reason: String,
    pub outcome: String,
    pub result: String,
    pub note: String,
    pub comment: String,
    /// Which answer a rating link is for (the number of reviews before it).
    pub round: i32,
    /// The end of the rating window, seconds since the epoch; the rating link expires with it.
    pub rating_until: i64,
}

/// Links that are made when the mail is rendered.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// The public status page (the citizen enters the code and key there).
    pub status: String,
    /// The signed rating page, for the result mail.
    pub rating: String,
    /// The case in the handler's pages.
    pub case: String,
}

/// What every template sees.
pub struct View<'a> {
    pub d: &'a MailData,
    pub en: bool,
    pub links: &'a Links,
    /// The outcome in the recipient's language.
    pub outcome: &'static str,
}

/// A case's outcome in words, for citizens.
pub fn outcome_label(code: &str, lang: Lang) -> &'static str {
    match code {
        "substantiated" => lang.pick("属实，已依法处理", "Substantiated, and dealt with"),
        "partly" => lang.pick("部分属实，已处理", "Partly substantiated, and dealt with"),
        "unsubstantiated" => lang.pick("经核查不属实", "Not substantiated after checking"),
        "unresolvable" => lang.pick("暂无法解决", "Cannot be resolved for now"),
        _ => "",
    }
}

/// A rendered mail: subject, plain text and HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

macro_rules! mail_templates {
    ($($kind:ident => $subject:ident $subject_path:literal, $text:ident $text_path:literal, $html:ident $html_path:literal;)+) => {
        $(
            #[derive(Template)]
            #[template(path = $subject_path)]
            struct $subject<'a> { v: &'a View<'a> }
            #[derive(Template)]
            #[template(path = $text_path)]
            struct $text<'a> { v: &'a View<'a> }
            #[derive(Template)]
            #[template(path = $html_path)]
            struct $html<'a> { v: &'a View<'a> }
        )+

        fn render_view(kind: MailKind, v: &View<'_>) -> Result<Rendered, askama::Error> {
            match kind {
                $(MailKind::$kind => Ok(Rendered {
                    subject: $subject { v }.render()?,
                    text: $text { v }.render()?,
                    html: $html { v }.render()?,
                }),)+
            }
        }
    };
}

mail_templates! {
    Receipt => ReceiptSubject "email/receipt/subject.txt", ReceiptText "email/receipt/body.txt", ReceiptHtml "email/receipt/body.html";
    Accepted => AcceptedSubject "email/accepted/subject.txt", AcceptedText "email/accepted/body.txt", AcceptedHtml "email/accepted/body.html";
    Rejected => RejectedSubject "email/rejected/subject.txt", RejectedText "email/rejected/body.txt", RejectedHtml "email/rejected/body.html";
    Extended => ExtendedSubject "email/extended/subject.txt", ExtendedText "email/extended/body.txt", ExtendedHtml "email/extended/body.html";
    Result => ResultSubject "email/result/subject.txt", ResultText "email/result/body.txt", ResultHtml "email/result/body.html";
    Reopened => ReopenedSubject "email/reopened/subject.txt", ReopenedText "email/reopened/body.txt", ReopenedHtml "email/reopened/body.html";
    NewCase => NewCaseSubject "email/new_case/subject.txt", NewCaseText "email/new_case/body.txt", NewCaseHtml "email/new_case/body.html";
    SupervisionNotice => SupervisionSubject "email/supervision_notice/subject.txt", SupervisionText "email/supervision_notice/body.txt", SupervisionHtml "email/supervision_notice/body.html";
    OverdueNotice => OverdueSubject "email/overdue_notice/subject.txt", OverdueText "email/overdue_notice/body.txt", OverdueHtml "email/overdue_notice/body.html";
    ReviewNotice => ReviewSubject "email/review_notice/subject.txt", ReviewText "email/review_notice/body.txt", ReviewHtml "email/review_notice/body.html";
}

/// Renders `kind` in `lang`. The subject is one line, whatever the template's whitespace.
pub fn render(kind: MailKind, lang: Lang, data: &MailData, links: &Links) -> Result<Rendered, askama::Error> {
    let view = View {
        d: data,
        en: lang == Lang::En,
        links,
        outcome: outcome_label(&data.outcome, lang),
    };
    let mut out = render_view(kind, &view)?;
    out.subject = out.subject.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in MailKind::ALL {
            assert_eq!(MailKind::from_name(k.name()), Some(*k));
        }
    }

    /// Every mail in both languages, as a citizen or a unit would get it. Links carry
    /// placeholders where the real ones hold a signature.
    #[test]
    fn every_mail_renders_in_both_languages() {
        let data = MailData {
            tracking_code: "MS-7K3Q-9F2D-XW4P".into(),
            kind: "投诉".into(),
            kind_en: "Complaint".into(),
            title: "派出所窗口排长队".into(),
            unit: "肥城市公安局".into(),
            unit_en: "Feicheng Public Security Bureau".into(),
            deadline: "2026-12-07".into(),
            days: 30,
            reason: "不属于政法机关职责范围，请向市场监管部门反映。".into(),
            outcome: "partly".into(),
            result: "已增开一个户籍窗口，周末也安排人员值班。".into(),
            note: "请于期限内办结并报告。".into(),
            comment: "窗口开了但还是没人办。".into(),
            round: 0,
            rating_until: 1_796_000_000,
        };
        let links = Links {
            status: "https://minsheng.example/track?lang=zh".into(),
            rating: "https://minsheng.example/rate/[token]".into(),
            case: "https://minsheng.example/handler/cases/MS-7K3Q-9F2D-XW4P".into(),
        };
        for kind in MailKind::ALL {
            for lang in [Lang::Zh, Lang::En] {
                let r = render(*kind, lang, &data, &links).unwrap();
                assert!(!r.subject.is_empty() && !r.text.is_empty() && !r.html.is_empty());
                assert!(r.subject.contains(&data.tracking_code), "{kind:?} {lang:?}");
                let name = format!("{}_{}", kind.name(), lang.code());
                insta::assert_snapshot!(
                    name,
                    format!(
                        "Subject: {}\n\n{}\n----- HTML -----\n{}",
                        r.subject, r.text, r.html
                    )
                );
            }
        }
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let data = MailData {
            tracking_code: "MS-AAAA-BBBB-CCCC".into(),
            result: "<b>已修好</b> & 谢谢".into(),
            outcome: "partly".into(),
            ..Default::default()
        };
        let links = Links {
            rating: "https://x.example/rate/t".into(),
            ..Default::default()
        };
        let r = render(MailKind::Result, Lang::Zh, &data, &links).unwrap();
        assert!(r.text.contains("<b>已修好</b> & 谢谢"), "{}", r.text);
        assert!(
            r.html.contains("&#60;b&#62;已修好&#60;/b&#62; &#38; 谢谢"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("<b>"));
        assert!(!r.subject.contains('\n'));
        assert!(r.text.contains("部分属实"));
    }
}
