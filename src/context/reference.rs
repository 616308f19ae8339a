//! Reference data a batch reads once instead of once per item: catalog
//! entries, the organizations it names (as row-level security shows them
//! to this transaction), and the live blind-index keys. Empty for an
//! ordinary request, whose rules then read the database as they go; a
//! batch fills it first, and the same rules read it instead
//! (docs/decisions/0037-moha-sync-set-based-batches.md). Nothing here is
//! changed by the batch itself: it is read-only data for its duration.

use std::collections::HashMap;

use serde_json::Value;

use crate::ids::OrganizationId;
use crate::org::model::Organization;

#[derive(Debug, Default)]
pub struct Reference {
    /// Every catalog entry: (catalog, code) to its details.
    catalog: Option<HashMap<(String, String), Value>>,
    /// Organizations by id: `None` when this transaction does not see it.
    units: HashMap<OrganizationId, Option<Organization>>,
    /// Organizations by code: `None` when none has it (or it is unseen).
    codes: HashMap<String, Option<OrganizationId>>,
    /// Blind-index key versions not retired, newest first.
    blind_versions: Option<Vec<u32>>,
}

impl Reference {
    /// Every entry of every catalog.
    pub fn keep_catalog(&mut self, entries: impl IntoIterator<Item = (String, String, Value)>) {
        let entries = entries
            .into_iter()
            .map(|(catalog, code, details)| ((catalog, code), details));
        self.catalog = Some(entries.collect());
    }

    /// The catalog, when a batch loaded it whole.
    pub fn catalog(&self) -> Option<&HashMap<(String, String), Value>> {
        self.catalog.as_ref()
    }

    /// The organizations `asked` for: those among `found` and, for the rest,
    /// that they are not seen.
    pub fn keep_units(&mut self, asked: &[OrganizationId], found: Vec<Organization>) {
        for id in asked {
            self.units.entry(*id).or_insert(None);
        }
        for unit in found {
            self.codes.insert(unit.code.clone(), Some(unit.id));
            self.units.insert(unit.id, Some(unit));
        }
    }

    /// The organizations named by `asked` codes: those among `found` and,
    /// for the rest, that none has the code.
    pub fn keep_codes(&mut self, asked: &[String], found: Vec<Organization>) {
        for code in asked {
            self.codes.entry(code.clone()).or_insert(None);
        }
        for unit in found {
            self.codes.insert(unit.code.clone(), Some(unit.id));
            self.units.insert(unit.id, Some(unit));
        }
    }

    /// `Some(found)` when the organization was loaded (or looked for).
    pub fn unit(&self, id: OrganizationId) -> Option<Option<&Organization>> {
        self.units.get(&id).map(Option::as_ref)
    }

    /// `Some(found)` when the code was loaded (or looked for).
    pub fn code(&self, code: &str) -> Option<Option<&Organization>> {
        let id = self.codes.get(code)?;
        Some(id.and_then(|id| self.units.get(&id)?.as_ref()))
    }

    pub fn keep_blind_versions(&mut self, versions: Vec<u32>) {
        self.blind_versions = Some(versions);
    }

    pub fn blind_versions(&self) -> Option<&[u32]> {
        self.blind_versions.as_deref()
    }

    /// Back to reading the database as it goes.
    pub fn clear(&mut self) {
        *self = Reference::default();
    }
}
