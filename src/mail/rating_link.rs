//! The signed rating link's token: which case, which answer (review round) and until when,
//! with a MAC under the data key. It carries no access key and stops working when the rating
//! window closes. Layout: `<tracking code>.<round>.<until, epoch seconds>.<hex MAC>`.

use crate::vault::Vault;

const PURPOSE: &str = "rating-link";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingClaim {
    pub tracking_code: String,
    pub round: i32,
    /// End of the rating window, seconds since the epoch.
    pub until: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Not a token we made (or altered).
    Invalid,
    /// Ours, but the rating window has closed.
    Expired,
}

fn signed_part(c: &RatingClaim) -> String {
    format!("{}.{}.{}", c.tracking_code, c.round, c.until)
}

pub fn sign(vault: &Vault, claim: &RatingClaim) -> String {
    let body = signed_part(claim);
    let mac = vault.token(PURPOSE, body.as_bytes());
    format!("{body}.{mac}")
}

/// Checks the MAC, then the window, as of `now` (epoch seconds).
pub fn verify(vault: &Vault, token: &str, now: i64) -> Result<RatingClaim, TokenError> {
    let mut parts = token.rsplitn(2, '.');
    let (Some(mac), Some(body)) = (parts.next(), parts.next()) else {
        return Err(TokenError::Invalid);
    };
    if !vault.verify_token(PURPOSE, body.as_bytes(), mac) {
        return Err(TokenError::Invalid);
    }
    let mut fields = body.split('.');
    let claim = match (fields.next(), fields.next(), fields.next(), fields.next()) {
        (Some(code), Some(round), Some(until), None) => RatingClaim {
            tracking_code: code.to_owned(),
            round: round.parse().map_err(|_| TokenError::Invalid)?,
            until: until.parse().map_err(|_| TokenError::Invalid)?,
        },
        _ => return Err(TokenError::Invalid),
    };
    if now > claim.until {
        return Err(TokenError::Expired);
    }
    Ok(claim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault() -> Vault {
        Vault::from_hex(&"42".repeat(32)).unwrap()
    }

    fn claim() -> RatingClaim {
        RatingClaim {
            tracking_code: "MS-7K3Q-9F2D-XW4P".into(),
            round: 0,
            until: 2_000_000_000,
        }
    }

    #[test]
    fn a_signed_token_verifies_until_the_window_closes() {
        let v = vault();
        let t = sign(&v, &claim());
        assert_eq!(verify(&v, &t, 1_900_000_000), Ok(claim()));
        assert_eq!(verify(&v, &t, 2_000_000_000), Ok(claim()));
        assert_eq!(verify(&v, &t, 2_000_000_001), Err(TokenError::Expired));
    }

    #[test]
    fn any_change_or_another_key_is_invalid() {
        let v = vault();
        let t = sign(&v, &claim());
        let longer = t.replace(".2000000000.", ".2100000000.");
        let other_round = t.replacen(".0.", ".1.", 1);
        let other_case = t.replace("XW4P", "XW4Q");
        for bad in [longer, other_round, other_case, "garbage".into(), String::new()] {
            assert_eq!(verify(&v, &bad, 0), Err(TokenError::Invalid), "{bad}");
        }
        let other = Vault::from_hex(&"43".repeat(32)).unwrap();
        assert_eq!(verify(&other, &t, 0), Err(TokenError::Invalid));
    }
}
