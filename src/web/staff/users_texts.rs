//! The fixed texts of the administrators' page of staff accounts (`/handler/users`), in
//! Simplified Chinese and English.

use crate::domain::kind::Role;
use crate::i18n::Lang;

pub struct UsersTexts {
    pub heading: &'static str,
    pub intro: &'static str,
    pub username: &'static str,
    pub unit: &'static str,
    pub role: &'static str,
    pub status: &'static str,
    pub active: &'static str,
    pub disabled: &'static str,
    pub sessions: &'static str,
    pub sign_out_everywhere: &'static str,
    pub signed_out: &'static str,
}

pub static ZH: UsersTexts = UsersTexts {
    heading: "工作人员账号",
    intro: "“全部下线”会立即结束该账号在所有设备上的登录（包括被他人复制的登录凭据），账号本身不受影响，本人可重新登录。修改或重置密码、停用账号时也会自动全部下线。",
    username: "用户名",
    unit: "单位",
    role: "角色",
    status: "状态",
    active: "正常",
    disabled: "已停用",
    sessions: "当前登录数",
    sign_out_everywhere: "全部下线",
    signed_out: "已结束该账号的全部登录。",
};

pub static EN: UsersTexts = UsersTexts {
    heading: "Staff accounts",
    intro: "“Sign out everywhere” ends every session of the account at once, on every device (a copied session cookie too). The account itself stays as it is: its owner can sign in again. Changing or resetting a password and disabling an account sign it out everywhere as well.",
    username: "Username",
    unit: "Unit",
    role: "Role",
    status: "Status",
    active: "Active",
    disabled: "Disabled",
    sessions: "Sessions now",
    sign_out_everywhere: "Sign out everywhere",
    signed_out: "Every session of that account has ended.",
};

pub fn users_texts(lang: Lang) -> &'static UsersTexts {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// A role in words.
pub fn role_label(role: Option<Role>, lang: Lang) -> &'static str {
    match role {
        Some(Role::Handler) => lang.pick("办理人", "Handler"),
        Some(Role::Supervisor) => lang.pick("督办人", "Supervisor"),
        Some(Role::Dispatcher) => lang.pick("分派人", "Dispatcher"),
        Some(Role::Admin) => lang.pick("管理员", "Administrator"),
        None => lang.pick("未知", "Unknown"),
    }
}
