//! The services offered over Open311 and their definitions, from the catalog, in the request's
//! language: one service per kind/category pair a citizen may choose on the web form; its
//! attributes are what the form asks beyond the text — the region (a list of region codes), the
//! unit the matter is about, a title, and anonymity for reports or consent to publication for the
//! rest.

use crate::catalog::{Catalog, Named};
use crate::domain::open311::{parse_service_code, service_code, services as pairs};
use crate::domain::Kind;
use crate::i18n::Lang;

/// One service in `GET services`.
#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub code: String,
    pub name: String,
    pub description: String,
    pub keywords: String,
    /// The kind's name: services are grouped by kind.
    pub group: String,
}

/// The spec's attribute datatypes used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datatype {
    String,
    SingleValueList,
}

impl Datatype {
    pub fn code(self) -> &'static str {
        match self {
            Datatype::String => "string",
            Datatype::SingleValueList => "singlevaluelist",
        }
    }
}

/// One attribute of a service definition.
#[derive(Debug, Clone)]
pub struct Attribute {
    pub code: &'static str,
    pub datatype: Datatype,
    pub required: bool,
    pub datatype_description: Option<String>,
    pub order: u32,
    pub description: String,
    /// (key, name) for a list.
    pub values: Vec<(String, String)>,
}

/// Attribute codes, as sent in `attribute[code]`.
pub const REGION: &str = "region";
pub const TARGET_UNIT: &str = "target_unit";
pub const TITLE: &str = "title";
pub const ANONYMOUS: &str = "anonymous";
pub const PUBLISHABLE: &str = "publishable";

/// Every service, kind by kind.
pub fn services(catalog: &Catalog, lang: Lang) -> Vec<ServiceInfo> {
    pairs(catalog)
        .into_iter()
        .map(|(kind, category)| {
            let info = catalog.kind_info(kind);
            ServiceInfo {
                code: service_code(kind, &category.code),
                name: format!("{}：{}", info.name(lang), category.name(lang)),
                description: lang.pick(&info.summary, &info.summary_en).to_owned(),
                keywords: [
                    info.name.as_str(),
                    info.name_en.as_str(),
                    category.name.as_str(),
                    category.name_en.as_str(),
                ]
                .join(", "),
                group: info.name(lang).to_owned(),
            }
        })
        .collect()
}

/// The attributes of the service `code`, or `None` if there is no such service.
pub fn definition(catalog: &Catalog, code: &str, lang: Lang) -> Option<Vec<Attribute>> {
    let (kind, _) = parse_service_code(code, catalog)?;
    let yes_no = vec![
        ("false".to_owned(), lang.pick("否", "No").to_owned()),
        ("true".to_owned(), lang.pick("是", "Yes").to_owned()),
    ];
    let mut out = vec![
        Attribute {
            code: REGION,
            datatype: Datatype::SingleValueList,
            required: true,
            datatype_description: Some(
                lang.pick(
                    "GB/T 2260 地区代码；也可作为 address_id 发送。",
                    "A GB/T 2260 region code; it may also be sent as address_id.",
                )
                .to_owned(),
            ),
            order: 1,
            description: lang
                .pick("事情发生在哪个地区", "Where the matter happened")
                .to_owned(),
            values: catalog
                .regions_tree()
                .into_iter()
                .map(|(r, _)| (r.code.clone(), r.name(lang).to_owned()))
                .collect(),
        },
        Attribute {
            code: TARGET_UNIT,
            datatype: Datatype::SingleValueList,
            required: false,
            datatype_description: None,
            order: 2,
            description: lang
                .pick("涉及的单位（如知道）", "The unit the matter is about, if known")
                .to_owned(),
            values: catalog
                .units
                .iter()
                .map(|u| (u.code.clone(), u.name(lang).to_owned()))
                .collect(),
        },
        Attribute {
            code: TITLE,
            datatype: Datatype::String,
            required: false,
            datatype_description: None,
            order: 3,
            description: lang.pick("标题（可不填）", "A title (optional)").to_owned(),
            values: Vec::new(),
        },
    ];
    out.push(if kind == Kind::Report {
        Attribute {
            code: ANONYMOUS,
            datatype: Datatype::SingleValueList,
            required: false,
            datatype_description: Some(
                lang.pick(
                    "匿名举报时不得填写姓名、电话或电子邮箱。",
                    "An anonymous report carries no name, phone or e-mail.",
                )
                .to_owned(),
            ),
            order: 4,
            description: lang.pick("匿名举报", "Report anonymously").to_owned(),
            values: yes_no,
        }
    } else {
        Attribute {
            code: PUBLISHABLE,
            datatype: Datatype::SingleValueList,
            required: false,
            datatype_description: None,
            order: 4,
            description: lang
                .pick(
                    "同意在去除个人信息后公开问题和答复",
                    "I agree that the question and the answer may be published without personal data",
                )
                .to_owned(),
            values: yes_no,
        }
    });
    Some(out)
}
