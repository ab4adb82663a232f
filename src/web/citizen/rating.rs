//! `/rate/{token}`: the page a result mail links to (and the status page's rating form posts
//! to). Shows the answer, asks 满意 / 基本满意 / 不满意 with an optional comment, and records it.
//! A forged link is a 404, an expired one a 410; a second rating of the same answer a 409.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::catalog::Named;
use crate::domain::{FieldErrors, Problem};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::mail::compose::outcome_label;
use crate::mail::rating_link::{self as token, RatingClaim, TokenError};
use crate::services::rating::{self as service, Answer, Rated, Rating};
use crate::web::csrf;
use crate::web::extract::CsrfForm;
use crate::web::pages::{render_private, Chrome, PageError, PageResult};
use crate::web::texts::{texts, Texts};
use crate::web::AppState;

pub struct RatingTexts {
    pub title: &'static str,
    pub unit: &'static str,
    pub outcome: &'static str,
    pub result: &'static str,
    pub question: &'static str,
    pub not_satisfied_hint: &'static str,
    pub comment: &'static str,
    pub comment_hint: &'static str,
    pub send: &'static str,
    pub fix_these: &'static str,
    pub thanks_closed: &'static str,
    pub thanks_reopened: &'static str,
    pub already: &'static str,
    pub not_open: &'static str,
    pub expired: &'static str,
    pub invalid: &'static str,
}

static ZH: RatingTexts = RatingTexts {
    title: "评价办理结果",
    unit: "办理单位",
    outcome: "办理结果",
    result: "答复内容",
    question: "您对办理情况是否满意？",
    not_satisfied_hint: "选择“不满意”，将由上一级机关复查。",
    comment: "您的意见（选填）",
    comment_hint: "最多 1000 字。",
    send: "提交评价",
    fix_these: "请修改以下内容",
    thanks_closed: "感谢您的评价，本件已结案。",
    thanks_reopened: "感谢您的评价。本件已交上一级机关复查，我们会写信告诉您进展。",
    already: "这件答复已经评价过，谢谢。",
    not_open: "这件答复目前不能评价。",
    expired: "评价期已过，本件已按规定结案。如有新的情况，欢迎重新来件。",
    invalid: "评价链接无效，请使用邮件中的完整链接。",
};

static EN: RatingTexts = RatingTexts {
    title: "Rate the answer",
    unit: "Unit",
    outcome: "Outcome",
    result: "The answer",
    question: "Are you satisfied with how your case was handled?",
    not_satisfied_hint: "If you choose “not satisfied”, the unit above will review the case.",
    comment: "Your comment (optional)",
    comment_hint: "At most 1,000 characters.",
    send: "Send the rating",
    fix_these: "Please correct the following",
    thanks_closed: "Thank you for your rating. The case is now closed.",
    thanks_reopened: "Thank you for your rating. The case has gone to the unit above for review; we will write to you as it progresses.",
    already: "This answer has already been rated. Thank you.",
    not_open: "This answer cannot be rated now.",
    expired: "The time for rating has passed and the case has been closed. You are welcome to write again if something new comes up.",
    invalid: "This rating link is not valid. Please use the whole link from the e-mail.",
};

fn rating_texts(lang: Lang) -> &'static RatingTexts {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

struct AnswerView {
    tracking_code: String,
    unit: Option<String>,
    outcome: Option<String>,
    result: Option<String>,
}

struct Choice {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "rate.html")]
struct RatePage {
    t: &'static Texts,
    r: &'static RatingTexts,
    chrome: Chrome,
    notice: Option<String>,
    answer: Option<AnswerView>,
    form: bool,
    action: String,
    csrf: String,
    choices: Vec<Choice>,
    comment: String,
    errors: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RateForm {
    pub rating: String,
    pub comment: String,
    pub csrf_token: String,
}

fn answer_view(state: &AppState, a: &Answer, lang: Lang) -> AnswerView {
    AnswerView {
        tracking_code: a.tracking_code.clone(),
        unit: a.unit.as_deref().map(|u| {
            state
                .catalog
                .unit(u)
                .map_or(u.to_owned(), |x| x.name(lang).to_owned())
        }),
        outcome: a.outcome.as_deref().map(|o| outcome_label(o, lang).to_owned()),
        result: a.result.clone(),
    }
}

/// Checks the link; a bad or expired one is answered with a page saying so.
fn verified(state: &AppState, raw: &str, lang: Lang) -> Result<RatingClaim, (StatusCode, &'static str)> {
    token::verify(&state.vault, raw, state.clock.now().timestamp()).map_err(|e| match e {
        TokenError::Invalid => (StatusCode::NOT_FOUND, rating_texts(lang).invalid),
        TokenError::Expired => (StatusCode::GONE, rating_texts(lang).expired),
    })
}

struct Draft<'a> {
    rating: &'a str,
    comment: &'a str,
    errors: BTreeMap<String, String>,
}

/// The request a page answers: who asks, in which language, about which link.
struct Asked<'a> {
    req: &'a HttpRequest,
    state: &'a AppState,
    lang: Lang,
    raw_token: &'a str,
}

fn page(
    asked: &Asked<'_>,
    status: StatusCode,
    notice: Option<&str>,
    answer: Option<&Answer>,
    draft: Draft<'_>,
) -> HttpResponse {
    let Asked {
        req,
        state,
        lang,
        raw_token,
    } = *asked;
    let csrf = csrf::issue_for(req, state);
    let action = format!("/rate/{raw_token}");
    let form = answer.is_some_and(|a| a.open) && notice.is_none();
    let page = RatePage {
        t: texts(lang),
        r: rating_texts(lang),
        chrome: Chrome::new(lang, &action),
        notice: notice.map(str::to_owned),
        answer: answer.map(|a| answer_view(state, a, lang)),
        form,
        action,
        csrf: csrf.token,
        choices: Rating::ALL
            .iter()
            .map(|r| Choice {
                code: r.code(),
                label: r.label(lang),
                selected: r.code() == draft.rating,
            })
            .collect(),
        comment: draft.comment.to_owned(),
        errors: draft.errors,
    };
    render_private(status, &page, csrf.cookie)
}

fn blank<'a>() -> Draft<'a> {
    Draft {
        rating: "",
        comment: "",
        errors: BTreeMap::new(),
    }
}

pub async fn rate_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let raw = path.into_inner();
    let asked = Asked {
        req: &req,
        state: &state,
        lang,
        raw_token: &raw,
    };
    let claim = match verified(&state, &raw, lang) {
        Ok(c) => c,
        Err((status, message)) => return Ok(page(&asked, status, Some(message), None, blank())),
    };
    let answer = service::answer(&state, claim).await.page(lang)?;
    let r = rating_texts(lang);
    let notice = match (answer.rated, answer.open) {
        (Some(_), _) => Some(r.already),
        (None, false) => Some(r.not_open),
        (None, true) => None,
    };
    Ok(page(&asked, StatusCode::OK, notice, Some(&answer), blank()))
}

pub async fn rate(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
    form: CsrfForm<RateForm>,
) -> Result<HttpResponse, PageError> {
    let raw = path.into_inner();
    let form = form.into_inner();
    let asked = Asked {
        req: &req,
        state: &state,
        lang,
        raw_token: &raw,
    };
    let claim = match verified(&state, &raw, lang) {
        Ok(c) => c,
        Err((status, message)) => return Ok(page(&asked, status, Some(message), None, blank())),
    };
    let mut errors = FieldErrors::default();
    let rating = Rating::from_code(form.rating.trim());
    if rating.is_none() {
        errors.add("rating", Problem::ChooseRating);
    }
    let comment = match service::parse_comment(&form.comment) {
        Ok(c) => c,
        Err(AppError::Invalid(e)) => {
            for (field, problems) in e.iter() {
                for p in problems {
                    errors.add(field, p.clone());
                }
            }
            None
        }
        Err(e) => return Err(PageError::new(e, lang)),
    };
    let r = rating_texts(lang);
    let (Some(rating), true) = (rating, errors.is_empty()) else {
        let answer = service::answer(&state, claim).await.page(lang)?;
        let draft = Draft {
            rating: &form.rating,
            comment: &form.comment,
            errors: errors
                .messages(lang)
                .into_iter()
                .map(|(k, v)| (k, v.join(" ")))
                .collect(),
        };
        return Ok(page(
            &asked,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(&answer),
            draft,
        ));
    };
    match service::rate(&state, claim.clone(), rating, comment).await {
        Ok(done) => {
            let message = match done {
                Rated::Closed => r.thanks_closed,
                Rated::Reopened => r.thanks_reopened,
            };
            Ok(page(&asked, StatusCode::OK, Some(message), None, blank()))
        }
        Err(AppError::Conflict(_)) => {
            let answer = service::answer(&state, claim).await.page(lang)?;
            let message = if answer.rated.is_some() {
                r.already
            } else {
                r.not_open
            };
            Ok(page(
                &asked,
                StatusCode::CONFLICT,
                Some(message),
                Some(&answer),
                blank(),
            ))
        }
        Err(e) => Err(PageError::new(e, lang)),
    }
}

crate::has_csrf!(RateForm);
