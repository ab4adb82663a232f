//! Normalisation, shingles, the signature's stability and encoding, and the band keys.

use super::*;

fn shingle_strings(text: &str) -> Vec<String> {
    let normalised = normalise(text);
    let mut out = Vec::new();
    for_each_shingle(&normalised, |s| out.push(s.to_owned()));
    out
}

#[test]
fn normalises_full_width_punctuation_and_case() {
    assert_eq!(normalise("Ｗｉｎｄｏｗ　３，排队！"), "window 3 排队");
    assert_eq!(
        normalise("  户籍窗口：只开１个……（上午）  "),
        "户籍窗口 只开1个 上午"
    );
    assert_eq!(normalise("“派出所”—不给立案?!"), "派出所 不给立案");
    assert_eq!(normalise("DMV-Window #3"), "dmv window 3");
    // Symbols and emoji are separators too; NFKC folds the circled digit.
    assert_eq!(normalise("交警😡罚款¥200，②号"), "交警 罚款 200 2号");
    assert_eq!(normalise("。，！…"), "");
    assert_eq!(normalise(""), "");
}

#[test]
fn cjk_gives_bigrams_and_other_scripts_words() {
    assert_eq!(
        shingle_strings("户籍窗口"),
        ["户", "户籍", "籍", "籍窗", "窗", "窗口", "口"]
    );
    assert_eq!(shingle_strings("所"), ["所"]);
    // Digits and Latin runs are whole words, split from CJK where the script changes; bigrams
    // never span a separator.
    assert_eq!(
        shingle_strings("3号窗口，排队"),
        ["3", "号", "号窗", "窗", "窗口", "口", "排", "排队", "队"]
    );
    assert_eq!(shingle_strings("The queue at window 3"), ["queue", "window", "3"]);
    assert_eq!(shingle_strings("在12123上"), ["在", "12123", "上"]);
    assert_eq!(shingle_strings("Ｗｉｎｄｏｗ３"), ["window3"]);
    assert!(shingle_strings("the a of and").is_empty());
}

#[test]
fn shingles_are_distinct_and_measures_exact() {
    let a = Shingles::of("窗口窗口窗口");
    assert_eq!(a.len(), 4, "窗, 口, 窗口 and 口窗");
    let b = Shingles::of("户籍窗口");
    assert_eq!(a.common(&b), 3);
    assert!((jaccard(&a, &b) - 3.0 / 8.0).abs() < 1e-12);
    assert!((containment(&a, &b) - 3.0 / 4.0).abs() < 1e-12);
    let empty = Shingles::of("！！");
    assert!(empty.is_empty());
    assert_eq!(jaccard(&empty, &empty), 0.0);
    assert_eq!(containment(&a, &empty), 0.0);
    assert!(Signature::of(&empty).is_none());
    assert!(Fingerprint::of("……").band_keys().is_empty());
    // Lone CJK characters have no grams; their signature is made of the characters.
    let lone = Shingles::of("所，局");
    assert_eq!((lone.grams().len(), lone.characters().len()), (0, 2));
    assert!(Signature::of(&lone).is_some());
    assert!(!Fingerprint::of("……").suggests(&Fingerprint::of("……")));
}

#[test]
fn the_same_text_after_normalisation_is_similarity_one() {
    let a = Fingerprint::of("城关派出所户籍窗口只开了一个，排队两个多小时");
    let b = Fingerprint::of("  城关派出所户籍窗口只开了一个,排队两个多小时!! ");
    assert_eq!(a, b);
    let (sa, sb) = (a.signature().unwrap(), b.signature().unwrap());
    assert_eq!(sa.estimated_jaccard(sb), 1.0);
    assert_eq!(jaccard(a.shingles(), b.shingles()), 1.0);
    assert_eq!(sa.band_keys(), sb.band_keys());
    assert!(a.suggests(&b));
}

#[test]
fn unrelated_texts_are_near_zero_and_not_suggested() {
    let a = Fingerprint::of("肥城市车管所3号窗口工作人员玩手机不理人，后面排队的人都很有意见");
    let b = Fingerprint::of("检察院的公益诉讼能不能管一管我们村旁边化工厂往河里排污水的事情");
    let estimate = a.signature().unwrap().estimated_jaccard(b.signature().unwrap());
    assert!(estimate < 0.05, "{estimate}");
    assert!(jaccard(a.shingles(), b.shingles()) < 0.05);
    assert!(!a.suggests(&b));
}

#[test]
fn the_estimate_follows_the_exact_jaccard() {
    let a = Shingles::of("在肥城车管所办理驾驶证换证，3号窗口的女工作人员一直低头玩手机，问她问题也不抬头");
    let b = Shingles::of("肥城市车管所3号窗口工作人员玩手机不理人，办理驾驶证换证的人排队很长");
    let grams = |s: &Shingles| {
        s.grams()
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
    };
    let (ga, gb) = (grams(&a), grams(&b));
    let exact = ga.intersection(&gb).count() as f64 / ga.union(&gb).count() as f64;
    let estimate = Signature::of(&a)
        .unwrap()
        .estimated_jaccard(&Signature::of(&b).unwrap());
    // Four standard errors of a 128-value estimate at this similarity.
    assert!(
        (exact - estimate).abs() < 0.16,
        "exact {exact}, estimate {estimate}"
    );
}

/// A platform, toolchain or crate change that alters a signature must fail here: stored
/// signatures and band keys would silently stop matching new ones. Change these values only
/// together with [`ALGORITHM_VERSION`].
#[test]
fn signatures_and_band_keys_are_stable() {
    assert_eq!(ALGORITHM_VERSION, 1);
    assert_eq!(
        format!("{:032x}", shingle_hash("窗口")),
        "297e9e7e23d021f1040d664fb0dd452b"
    );
    let fingerprint = Fingerprint::of("城关派出所户籍窗口只开了一个，排队两个多小时。Window 3");
    let shingles = fingerprint.shingles();
    assert_eq!((shingles.grams().len(), shingles.characters().len()), (21, 20));
    let other = Shingles::of("城关所户籍室一个窗口，排了两个钟头");
    assert_eq!((shingles.common(&other), other.len()), (18, 29));
    assert!((score(shingles, &other) - 18.0 / 29.0).abs() < 1e-12);
    let signature = fingerprint.signature().unwrap();
    let bytes = signature.to_bytes();
    assert_eq!(
        hex::encode(&bytes[..32]),
        "7d803903bad56d01df1fde036af7e9263e49e909da718d1ecab706017e757202"
    );
    assert_eq!(
        hex::encode(&bytes[SIGNATURE_BYTES - 16..]),
        "079f6f0c67930924309133012331220d"
    );
    let keys = signature.band_keys();
    assert_eq!((keys[0].band, keys[0].key), (0, -431884271234949382));
    assert_eq!(
        (keys[BANDS - 1].band, keys[BANDS - 1].key),
        (BANDS as i32 - 1, 1689479716694609259)
    );
}

#[test]
fn signature_bytes_round_trip_little_endian() {
    let signature = Signature::of(&Shingles::of("Paid 50 yuan at Xinhua Road station, no receipt")).unwrap();
    let bytes = signature.to_bytes();
    assert_eq!(bytes.len(), SIGNATURE_BYTES);
    assert_eq!(
        u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
        signature.values()[0]
    );
    assert_eq!(Signature::from_bytes(&bytes), Ok(signature.clone()));
    assert_eq!(
        Signature::from_bytes(&bytes[1..]),
        Err(BadSignature(SIGNATURE_BYTES - 1))
    );
    assert_eq!(Signature::from_bytes(&[]), Err(BadSignature(0)));
}

#[test]
fn band_keys_are_the_indexed_bands_once_each() {
    let keys = Fingerprint::of("交警在学校门口乱贴罚单，送孩子停一分钟就罚").band_keys();
    assert_eq!(keys.len(), INDEXED_BANDS);
    assert_eq!(BANDS * ROWS, PERMUTATIONS);
    assert!(keys.iter().enumerate().all(|(i, k)| k.band == i as i32));
}

#[test]
fn the_service_decision_needs_scope_and_text() {
    let a = Fingerprint::of("城关派出所户籍窗口只开了一个，排队两个多小时");
    let b = Fingerprint::of("今天到城关派出所办户口，户籍就开了一个窗口，排队排了两个多小时还没轮到");
    let at = |region| Scope {
        region,
        target_unit: None,
    };
    assert!(a.suggests(&b));
    let s = a.suggests_in(&b, &at("370983"), &at("370900"));
    assert_eq!(s, Some(score(a.shingles(), b.shingles())));
    assert_eq!(a.suggests_in(&b, &at("370983"), &at("370921")), None);
    let unit = |region| Scope {
        region,
        target_unit: Some("police-chengguan"),
    };
    assert!(a.suggests_in(&b, &unit("370983"), &unit("370921")).is_some());
    // Another matter at the same place: the place's name is not what happened.
    let other = Fingerprint::of("城关派出所户籍窗口的工作人员把我的出生日期录错了");
    assert!(confirms(a.shingles(), other.shingles()));
    assert!(!a.suggests(&other));
    // The same matter at another named station.
    let elsewhere = Fingerprint::of("新华路派出所户籍窗口只开了一个，排队两个多小时");
    assert!(!a.suggests(&elsewhere));
}

#[test]
fn a_candidate_confirmed_without_its_signature_is_decided_alike() {
    let scope = Scope {
        region: "370983",
        target_unit: None,
    };
    let texts = [
        "城关派出所户籍窗口只开了一个，排队两个多小时",
        "今天上午到城关派出所办户口，户籍那边就一个窗口在办理，前面几十个人，希望能多开几个窗口。",
        "城关派出所户籍窗口的工作人员把我的出生日期录错了",
        "新华路派出所户籍窗口只开了一个，排队两个多小时",
        "张店法院诉讼服务中心对外公布的电话打了几十次，从来没人接",
    ];
    for a in texts {
        for b in texts {
            let (fa, fb) = (Fingerprint::of(a), Fingerprint::of(b));
            if fa.is_candidate(&fb) {
                let confirmed = fa.confirms_in(&Fingerprint::of_candidate(b), &scope, &scope);
                assert_eq!(confirmed, fa.suggests_in(&fb, &scope, &scope), "{a} / {b}");
            }
        }
    }
    assert!(Fingerprint::of_candidate(texts[0]).band_keys().is_empty());
}
