//! The directory of units held in memory for routing: regions with their depth and parent, units
//! with their kind, region and parent, and an index from (region, unit kind) to the unit there.
//! Built once from the catalog (or, in tests and benchmarks, from generated data).

use std::collections::HashMap;

use crate::catalog::Catalog;
use crate::domain::UnitKind;

#[derive(Debug, Clone)]
pub struct RegionEntry {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub parent: Option<usize>,
    pub depth: usize,
}

#[derive(Debug, Clone)]
pub struct UnitEntry {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: UnitKind,
    pub region: usize,
    pub parent: Option<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub regions: Vec<RegionEntry>,
    pub units: Vec<UnitEntry>,
    region_index: HashMap<String, usize>,
    unit_index: HashMap<String, usize>,
    /// For each region, the unit of each kind there (indexed by `UnitKind as usize`).
    at: Vec<[Option<usize>; 7]>,
}

/// A region or unit to add to a directory; parents are named by code and may come in any order.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub name_en: &'a str,
    pub parent: Option<&'a str>,
}

fn kind_slot(kind: UnitKind) -> usize {
    UnitKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

impl Directory {
    /// Builds the directory; entries whose parent or region is unknown are left out (the catalog
    /// loader reports those).
    pub fn build(regions: &[Entry<'_>], units: &[(Entry<'_>, UnitKind, &str)]) -> Directory {
        let mut d = Directory::default();
        for r in regions {
            d.region_index.insert(r.code.to_owned(), d.regions.len());
            d.regions.push(RegionEntry {
                code: r.code.to_owned(),
                name: r.name.to_owned(),
                name_en: r.name_en.to_owned(),
                parent: None,
                depth: 0,
            });
        }
        for (i, r) in regions.iter().enumerate() {
            d.regions[i].parent = r.parent.and_then(|p| d.region_index.get(p).copied());
        }
        for i in 0..d.regions.len() {
            let mut depth = 0;
            let mut cur = d.regions[i].parent;
            while let Some(p) = cur {
                depth += 1;
                if depth > d.regions.len() {
                    break;
                }
                cur = d.regions[p].parent;
            }
            d.regions[i].depth = depth;
        }
        d.at = vec![[None; 7]; d.regions.len()];
        for (u, kind, region) in units {
            let Some(&region) = d.region_index.get(*region) else {
                continue;
            };
            let idx = d.units.len();
            d.unit_index.insert(u.code.to_owned(), idx);
            d.units.push(UnitEntry {
                code: u.code.to_owned(),
                name: u.name.to_owned(),
                name_en: u.name_en.to_owned(),
                kind: *kind,
                region,
                parent: None,
            });
            d.at[region][kind_slot(*kind)].get_or_insert(idx);
        }
        for (u, _, _) in units {
            if let (Some(&idx), Some(p)) = (d.unit_index.get(u.code), u.parent) {
                d.units[idx].parent = d.unit_index.get(p).copied();
            }
        }
        d
    }

    pub fn from_catalog(catalog: &Catalog) -> Directory {
        let regions: Vec<Entry<'_>> = catalog
            .regions
            .iter()
            .map(|r| Entry {
                code: &r.code,
                name: &r.name,
                name_en: &r.name_en,
                parent: r.parent.as_deref(),
            })
            .collect();
        let units: Vec<(Entry<'_>, UnitKind, &str)> = catalog
            .units
            .iter()
            .filter_map(|u| {
                let kind = UnitKind::from_code(&u.kind)?;
                let entry = Entry {
                    code: &u.code,
                    name: &u.name,
                    name_en: &u.name_en,
                    parent: u.parent.as_deref(),
                };
                Some((entry, kind, u.region.as_str()))
            })
            .collect();
        Directory::build(&regions, &units)
    }

    /// A directory from owned codes, each name being its code: for generated data in tests and
    /// benchmarks. Regions are `(code, parent)`, units `(code, kind, region, parent)`.
    pub fn from_codes(
        regions: &[(String, Option<String>)],
        units: &[(String, UnitKind, String, Option<String>)],
    ) -> Directory {
        let region_entries: Vec<Entry<'_>> = regions
            .iter()
            .map(|(c, p)| Entry {
                code: c,
                name: c,
                name_en: c,
                parent: p.as_deref(),
            })
            .collect();
        let unit_entries: Vec<(Entry<'_>, UnitKind, &str)> = units
            .iter()
            .map(|(c, k, r, p)| {
                (
                    Entry {
                        code: c,
                        name: c,
                        name_en: c,
                        parent: p.as_deref(),
                    },
                    *k,
                    r.as_str(),
                )
            })
            .collect();
        Directory::build(&region_entries, &unit_entries)
    }

    pub fn region(&self, code: &str) -> Option<usize> {
        self.region_index.get(code).copied()
    }

    pub fn unit(&self, code: &str) -> Option<usize> {
        self.unit_index.get(code).copied()
    }

    /// The unit of `kind` in exactly this region.
    pub fn unit_at(&self, region: usize, kind: UnitKind) -> Option<usize> {
        self.at.get(region)?[kind_slot(kind)]
    }

    /// The unit of `kind` in `region` or, walking up, the nearest enclosing region that has one.
    pub fn nearest(&self, region: usize, kind: UnitKind) -> Option<usize> {
        let mut cur = Some(region);
        let mut steps = 0;
        while let Some(r) = cur {
            if let Some(u) = self.unit_at(r, kind) {
                return Some(u);
            }
            steps += 1;
            if steps > self.regions.len() {
                return None;
            }
            cur = self.regions[r].parent;
        }
        None
    }

    /// The top of `region`'s chain (its province).
    pub fn root(&self, region: usize) -> usize {
        let mut cur = region;
        let mut steps = 0;
        while let Some(p) = self.regions[cur].parent {
            cur = p;
            steps += 1;
            if steps > self.regions.len() {
                break;
            }
        }
        cur
    }

    /// True when `ancestor` is `region` or encloses it.
    pub fn region_within(&self, region: usize, ancestor: usize) -> bool {
        let mut cur = Some(region);
        let mut steps = 0;
        while let Some(r) = cur {
            if r == ancestor {
                return true;
            }
            steps += 1;
            if steps > self.regions.len() {
                return false;
            }
            cur = self.regions[r].parent;
        }
        false
    }

    /// True when `boss` is above `u` in the chain of superior units (not `u` itself).
    pub fn is_subordinate(&self, u: usize, boss: usize) -> bool {
        let mut cur = self.units[u].parent;
        let mut steps = 0;
        while let Some(p) = cur {
            if p == boss {
                return true;
            }
            steps += 1;
            if steps > self.units.len() {
                return false;
            }
            cur = self.units[p].parent;
        }
        false
    }

    /// True when unit `u` is `target` itself or below it: in `target`'s chain of subordinate units,
    /// or in a region strictly inside `target`'s region (a lower level of government).
    pub fn at_or_below(&self, u: usize, target: usize) -> bool {
        if u == target {
            return true;
        }
        let (ur, tr) = (self.units[u].region, self.units[target].region);
        (ur != tr && self.region_within(ur, tr)) || self.is_subordinate(u, target)
    }
}
