//! Reference data read from `config/categories.toml` and `config/units.toml`: the kinds and
//! their categories, the regions (GB/T 2260) and the directory of units.
//!
//! The catalog is loaded once, checked as a whole (every problem named with its file and entry),
//! held in memory behind an `Arc`, and copied into the database at start-up by
//! [`crate::storage::reference`]. Nothing here does I/O after loading.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use crate::domain::{Kind, UnitKind};
use crate::i18n::Lang;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindInfo {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub summary: String,
    pub summary_en: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kinds: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: String,
    pub region: String,
    pub parent: Option<String>,
    pub email: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoriesFile {
    kind: Vec<KindInfo>,
    category: Vec<Category>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitsFile {
    region: Vec<Region>,
    unit: Vec<Unit>,
}

/// A name in both languages, picked per request.
pub trait Named {
    fn name_zh(&self) -> &str;
    fn name_en(&self) -> &str;
    fn name(&self, lang: Lang) -> &str {
        lang.pick(self.name_zh(), self.name_en())
    }
}

macro_rules! named {
    ($($t:ty),+) => {$(
        impl Named for $t {
            fn name_zh(&self) -> &str { &self.name }
            fn name_en(&self) -> &str { &self.name_en }
        }
    )+};
}
named!(KindInfo, Category, Region, Unit);

/// The checked reference data, with indexes for look-ups.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub kinds: Vec<KindInfo>,
    pub categories: Vec<Category>,
    pub regions: Vec<Region>,
    pub units: Vec<Unit>,
    category_index: HashMap<String, usize>,
    region_index: HashMap<String, usize>,
    unit_index: HashMap<String, usize>,
}

impl Catalog {
    /// Reads and checks both files; every problem found is returned, not just the first.
    pub fn load(config_dir: &Path) -> Result<Catalog, Vec<String>> {
        let cat_path = config_dir.join("categories.toml");
        let unit_path = config_dir.join("units.toml");
        let cats: Result<CategoriesFile, String> = read_toml(&cat_path);
        let units: Result<UnitsFile, String> = read_toml(&unit_path);
        match (cats, units) {
            (Ok(c), Ok(u)) => Self::build(c, u, &cat_path, &unit_path),
            (c, u) => Err([c.err(), u.err()].into_iter().flatten().collect()),
        }
    }

    fn build(
        cats: CategoriesFile,
        units: UnitsFile,
        cat_path: &Path,
        unit_path: &Path,
    ) -> Result<Catalog, Vec<String>> {
        let cf = cat_path.display();
        let uf = unit_path.display();
        let mut errors = Vec::new();

        let kind_codes: Vec<&str> = cats.kind.iter().map(|k| k.code.as_str()).collect();
        let expected: Vec<&str> = Kind::ALL.iter().map(|k| k.code()).collect();
        if kind_codes != expected {
            errors.push(format!(
                "{cf}: [[kind]] entries must be exactly {expected:?} in that order, found {kind_codes:?}"
            ));
        }
        let mut category_index = HashMap::new();
        for (i, c) in cats.category.iter().enumerate() {
            if category_index.insert(c.code.clone(), i).is_some() {
                errors.push(format!("{cf}: category `{}` is listed twice", c.code));
            }
            if c.kinds.is_empty() {
                errors.push(format!("{cf}: category `{}` belongs to no kind", c.code));
            }
            for k in &c.kinds {
                if Kind::from_code(k).is_none() {
                    errors.push(format!("{cf}: category `{}` names unknown kind `{k}`", c.code));
                }
            }
        }
        for kind in Kind::ALL {
            if !cats
                .category
                .iter()
                .any(|c| c.kinds.iter().any(|k| k == kind.code()))
            {
                errors.push(format!("{cf}: kind `{kind}` has no category"));
            }
        }

        let mut region_index = HashMap::new();
        for (i, r) in units.region.iter().enumerate() {
            if r.code.len() != 6 || !r.code.chars().all(|c| c.is_ascii_digit()) {
                errors.push(format!(
                    "{uf}: region `{}` is not a six-digit GB/T 2260 code",
                    r.code
                ));
            }
            if region_index.insert(r.code.clone(), i).is_some() {
                errors.push(format!("{uf}: region `{}` is listed twice", r.code));
            }
        }
        for r in &units.region {
            if let Some(p) = &r.parent {
                if !region_index.contains_key(p) {
                    errors.push(format!("{uf}: region `{}` has unknown parent `{p}`", r.code));
                }
            }
        }
        let mut unit_index = HashMap::new();
        for (i, u) in units.unit.iter().enumerate() {
            if unit_index.insert(u.code.clone(), i).is_some() {
                errors.push(format!("{uf}: unit `{}` is listed twice", u.code));
            }
            if UnitKind::from_code(&u.kind).is_none() {
                errors.push(format!("{uf}: unit `{}` has unknown kind `{}`", u.code, u.kind));
            }
            if !region_index.contains_key(&u.region) {
                errors.push(format!(
                    "{uf}: unit `{}` is in unknown region `{}`",
                    u.code, u.region
                ));
            }
            if !u.email.contains('@') {
                errors.push(format!("{uf}: unit `{}` has no valid e-mail address", u.code));
            }
        }
        let catalog = Catalog {
            kinds: cats.kind,
            categories: cats.category,
            regions: units.region,
            units: units.unit,
            category_index,
            region_index,
            unit_index,
        };
        for u in &catalog.units {
            let Some(p) = &u.parent else { continue };
            match catalog.unit(p) {
                None => errors.push(format!("{uf}: unit `{}` has unknown parent `{p}`", u.code)),
                Some(parent) => {
                    if !catalog.region_is_ancestor(&parent.region, &u.region) {
                        errors.push(format!(
                            "{uf}: unit `{}`: parent `{p}` is not in an enclosing region",
                            u.code
                        ));
                    }
                }
            }
        }
        for r in &catalog.regions {
            if catalog.region_depth(&r.code).is_none() {
                errors.push(format!("{uf}: region `{}` has a cycle in its parents", r.code));
            }
        }
        if errors.is_empty() {
            Ok(catalog)
        } else {
            Err(errors)
        }
    }

    #[allow(
        clippy::expect_used,
        reason = "Catalog::load refuses a catalog without every kind"
    )]
    pub fn kind_info(&self, kind: Kind) -> &KindInfo {
        self.kinds
            .iter()
            .find(|k| k.code == kind.code())
            .expect("the catalog holds every kind")
    }

    pub fn category(&self, code: &str) -> Option<&Category> {
        self.category_index.get(code).map(|&i| &self.categories[i])
    }

    pub fn categories_of(&self, kind: Kind) -> impl Iterator<Item = &Category> {
        self.categories
            .iter()
            .filter(move |c| c.kinds.iter().any(|k| k == kind.code()))
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.region_index.get(code).map(|&i| &self.regions[i])
    }

    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.unit_index.get(code).map(|&i| &self.units[i])
    }

    /// 0 for a province, 1 for a city, 2 for a county; `None` on a cycle.
    pub fn region_depth(&self, code: &str) -> Option<usize> {
        let mut depth = 0;
        let mut current = self.region(code)?;
        while let Some(p) = &current.parent {
            depth += 1;
            if depth > self.regions.len() {
                return None;
            }
            current = self.region(p)?;
        }
        Some(depth)
    }

    /// True when `ancestor` is `region` itself or encloses it.
    pub fn region_is_ancestor(&self, ancestor: &str, region: &str) -> bool {
        let mut current = Some(region);
        let mut steps = 0;
        while let Some(code) = current {
            if code == ancestor {
                return true;
            }
            steps += 1;
            if steps > self.regions.len() {
                return false;
            }
            current = self.region(code).and_then(|r| r.parent.as_deref());
        }
        false
    }

    /// Regions in display order (each parent before its children), with their depth.
    pub fn regions_tree(&self) -> Vec<(&Region, usize)> {
        let mut children: BTreeMap<Option<&str>, Vec<&Region>> = BTreeMap::new();
        for r in &self.regions {
            children.entry(r.parent.as_deref()).or_default().push(r);
        }
        let mut out = Vec::with_capacity(self.regions.len());
        fn walk<'a>(
            key: Option<&'a str>,
            depth: usize,
            children: &BTreeMap<Option<&'a str>, Vec<&'a Region>>,
            out: &mut Vec<(&'a Region, usize)>,
        ) {
            for r in children.get(&key).into_iter().flatten() {
                out.push((r, depth));
                walk(Some(&r.code), depth + 1, children, out);
            }
        }
        walk(None, 0, &children, &mut out);
        out
    }
}

fn read_toml<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Catalog {
        Catalog::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config"))).unwrap()
    }

    #[test]
    fn shipped_catalog_is_consistent() {
        let c = shipped();
        assert_eq!(c.kinds.len(), 4);
        assert_eq!(c.categories_of(Kind::Report).count(), 7);
        assert_eq!(c.region_depth("370000"), Some(0));
        assert_eq!(c.region_depth("370900"), Some(1));
        assert_eq!(c.region_depth("370983"), Some(2));
        assert!(c.region_is_ancestor("370900", "370983"));
        assert!(!c.region_is_ancestor("370500", "370983"));
        let feicheng_police = c.unit("370983-police").unwrap();
        assert_eq!(feicheng_police.parent.as_deref(), Some("370900-police"));
        // Every unit kind exists at province level.
        for kind in UnitKind::ALL {
            assert!(c.unit(&format!("370000-{kind}")).is_some(), "{kind}");
        }
        // Some counties lack a court or a discipline body, so routing must walk up.
        assert!(c.unit("370503-court").is_none());
        assert!(c.unit("370505-discipline").is_none());
        let tree = c.regions_tree();
        assert_eq!(tree.len(), c.regions.len());
        assert_eq!(tree[0].0.code, "370000");
    }

    #[test]
    fn problems_name_file_and_entry() {
        let dir = std::env::temp_dir().join(format!("minsheng-catalog-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let src = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config"));
        std::fs::copy(src.join("categories.toml"), dir.join("categories.toml")).unwrap();
        let units = std::fs::read_to_string(src.join("units.toml")).unwrap();
        let broken = units.replacen("parent = \"370900-police\"", "parent = \"999999-police\"", 1);
        std::fs::write(dir.join("units.toml"), broken).unwrap();
        let errors = Catalog::load(&dir).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("units.toml") && e.contains("999999-police")),
            "{errors:?}"
        );
    }
}
