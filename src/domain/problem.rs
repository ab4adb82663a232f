//! What can be wrong with a field, and the message a person reads about it, in their language.

use std::collections::BTreeMap;

use crate::i18n::Lang;

/// One problem with one field. The message is rendered per language at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    ControlCharacters,
    /// Bidirectional controls, zero-width characters or a soft hyphen (see
    /// [`crate::domain::text`]).
    InvisibleCharacters,
    /// A line break in a field of one line.
    LineBreak,
    InvalidEmail,
    /// An e-mail domain without a dot, or `localhost`: not an address mail can reach.
    EmailDomainIncomplete,
    /// An e-mail domain written as an IP address (`user@[1.2.3.4]`, `user@1.2.3.4`).
    EmailIpLiteral,
    InvalidPhone,
    InvalidIdNumber,
    UnknownKind,
    UnknownCategory,
    CategoryNotForKind,
    UnknownRegion,
    UnknownUnit,
    AnonymousNotAllowed,
    AnonymousWithIdentity,
    NotText,
    NotBoolean,
    UnknownField,
    UnknownAction,
    UnknownOutcome,
    UnknownCase,
    InvalidDeadline,
    ChooseRating,
    EndsBeforeStart,
    InvalidDate,
    UnknownChoice,
    PeriodTooLong {
        max_days: u32,
    },
}

impl Problem {
    pub fn message(&self, lang: Lang) -> String {
        use Problem::*;
        match (self, lang) {
            (Required, Lang::Zh) => "请填写此项。".into(),
            (Required, Lang::En) => "Please fill this in.".into(),
            (TooShort { min }, Lang::Zh) => format!("至少需要 {min} 个字。"),
            (TooShort { min }, Lang::En) => format!("Please write at least {min} characters."),
            (TooLong { max }, Lang::Zh) => format!("最多 {max} 个字，请删减后再提交。"),
            (TooLong { max }, Lang::En) => {
                format!("At most {max} characters; please shorten it and send again.")
            }
            (ControlCharacters, Lang::Zh) => "含有无法显示的控制字符，请删除后再提交。".into(),
            (ControlCharacters, Lang::En) => {
                "Contains invisible control characters; please remove them.".into()
            }
            (InvisibleCharacters, Lang::Zh) => {
                "含有看不见的字符（如零宽空格、软连字符或改变文字方向的字符），请删除后再提交。".into()
            }
            (InvisibleCharacters, Lang::En) => {
                "Contains invisible characters (such as zero-width spaces, soft hyphens or text-direction marks); please remove them."
                    .into()
            }
            (LineBreak, Lang::Zh) => "此项只能填写一行，请去掉换行。".into(),
            (LineBreak, Lang::En) => "This must be a single line; please remove the line breaks.".into(),
            (InvalidEmail, Lang::Zh) => "电子邮箱格式不正确，例如 name@example.com。".into(),
            (InvalidEmail, Lang::En) => {
                "This is not a valid e-mail address, e.g. name@example.com.".into()
            }
            (EmailDomainIncomplete, Lang::Zh) => {
                "邮箱地址的域名不完整，@ 后面应类似 example.com。".into()
            }
            (EmailDomainIncomplete, Lang::En) => {
                "The part after @ is not a complete domain; it should look like example.com.".into()
            }
            (EmailIpLiteral, Lang::Zh) => "邮箱地址 @ 后面应是域名，不能是 IP 地址。".into(),
            (EmailIpLiteral, Lang::En) => {
                "The part after @ must be a domain name, not an IP address.".into()
            }
            (InvalidPhone, Lang::Zh) => {
                "请填写11位手机号，或带区号的固定电话，例如 0538-1234567。".into()
            }
            (InvalidPhone, Lang::En) => {
                "Enter an 11-digit mobile number or a landline with area code, e.g. 0538-1234567."
                    .into()
            }
            (InvalidIdNumber, Lang::Zh) => "身份证号码不正确，请核对18位号码。".into(),
            (InvalidIdNumber, Lang::En) => {
                "This resident ID number is not valid; please check all 18 characters.".into()
            }
            (UnknownKind, Lang::Zh) => "请选择来件类型。".into(),
            (UnknownKind, Lang::En) => "Please choose what kind of message this is.".into(),
            (UnknownCategory, Lang::Zh) => "请选择问题类别。".into(),
            (UnknownCategory, Lang::En) => "Please choose a category.".into(),
            (CategoryNotForKind, Lang::Zh) => "该类别不属于所选来件类型，请重新选择。".into(),
            (CategoryNotForKind, Lang::En) => {
                "This category does not belong to the chosen kind; please choose again.".into()
            }
            (UnknownRegion, Lang::Zh) => "请选择所在地区。".into(),
            (UnknownRegion, Lang::En) => "Please choose your region.".into(),
            (UnknownUnit, Lang::Zh) => "找不到该单位，请从列表中选择。".into(),
            (UnknownUnit, Lang::En) => "We do not know this unit; please pick one from the list.".into(),
            (AnonymousNotAllowed, Lang::Zh) => "只有举报可以匿名提交。".into(),
            (AnonymousNotAllowed, Lang::En) => "Only misconduct reports can be anonymous.".into(),
            (AnonymousWithIdentity, Lang::Zh) => {
                "匿名举报不能填写姓名、电话、邮箱或身份证号；请清空这些项，或取消匿名。".into()
            }
            (AnonymousWithIdentity, Lang::En) => {
                "An anonymous report cannot carry a name, phone, e-mail or ID number; clear them or untick anonymous."
                    .into()
            }
            (NotText, Lang::Zh) => "此项应为文字。".into(),
            (NotText, Lang::En) => "This must be text.".into(),
            (NotBoolean, Lang::Zh) => "此项应为 true 或 false。".into(),
            (NotBoolean, Lang::En) => "This must be true or false.".into(),
            (UnknownAction, Lang::Zh) => "不认识的操作。".into(),
            (UnknownAction, Lang::En) => "Unknown action.".into(),
            (UnknownOutcome, Lang::Zh) => "办理结果应为属实、部分属实、不属实或无法办理之一。".into(),
            (UnknownOutcome, Lang::En) => {
                "The outcome must be substantiated, partly, unsubstantiated or unresolvable.".into()
            }
            // The same words for a code that does not exist and a case out of the actor's reach.
            (UnknownCase, Lang::Zh) => "找不到可以并入的案件，请核对编号。".into(),
            (UnknownCase, Lang::En) => "There is no case you can merge into with this code.".into(),
            (InvalidDeadline, Lang::Zh) => "期限格式应为 YYYY-MM-DD。".into(),
            (InvalidDeadline, Lang::En) => "A deadline is written YYYY-MM-DD.".into(),
            (EndsBeforeStart, Lang::Zh) => "结束时间应晚于开始时间。".into(),
            (EndsBeforeStart, Lang::En) => "The end must come after the start.".into(),
            (ChooseRating, Lang::Zh) => "请选择满意、基本满意或不满意。".into(),
            (ChooseRating, Lang::En) => "Please choose satisfied, basically satisfied or not satisfied.".into(),
            (InvalidDate, Lang::Zh) => "日期格式应为 YYYY-MM-DD，例如 2026-11-01。".into(),
            (InvalidDate, Lang::En) => "A date is written YYYY-MM-DD, e.g. 2026-11-01.".into(),
            (UnknownChoice, Lang::Zh) => "请从列出的选项中选择。".into(),
            (UnknownChoice, Lang::En) => "Please pick one of the choices listed.".into(),
            (PeriodTooLong { max_days }, Lang::Zh) => format!("时间段最长 {max_days} 天。"),
            (PeriodTooLong { max_days }, Lang::En) => format!("A period is at most {max_days} days."),
            (UnknownField, Lang::Zh) => "不认识的字段。".into(),
            (UnknownField, Lang::En) => "Unknown field.".into(),
        }
    }
}

/// Problems per field name. Empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, Vec<Problem>>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, problem: Problem) {
        let list = self.0.entry(field.into()).or_default();
        if !list.contains(&problem) {
            list.push(problem);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Problem])> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Messages per field in one language, for the API and the form.
    pub fn messages(&self, lang: Lang) -> BTreeMap<String, Vec<String>> {
        self.0
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().map(|p| p.message(lang)).collect()))
            .collect()
    }

    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}
