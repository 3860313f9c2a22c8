//! The small demo tables: locations, routers, profiles (+ where they sell) and vendors.

use diesel::prelude::*;
use rust_decimal::Decimal;

use super::data::{self, DemoProfile};
use super::{DEMO_TAG, DemoError, DemoOptions, Step};
use crate::crypto::{self, MasterKey};
use crate::models::{
    Location, NewLocation, NewProfile, NewProfileLocation, NewRouter, NewVendor, Profile, Router,
    Vendor,
};
use crate::schema::{locations, profile_locations, profiles, routers, vendors};

pub(crate) struct CatalogLocation {
    pub id: i64,
    pub code: &'static str,
    pub city: &'static str,
    /// routers of this location, by id
    pub routers: Vec<i64>,
}

pub(crate) struct CatalogProfile {
    pub id: i64,
    pub spec: &'static DemoProfile,
}

pub(crate) struct Catalog {
    pub locations: Vec<CatalogLocation>,
    pub routers: Vec<i64>,
    pub profiles: Vec<CatalogProfile>,
    pub vendors: Vec<i64>,
}

impl Catalog {
    pub fn hotspot_profiles(&self) -> impl Iterator<Item = &CatalogProfile> {
        self.profiles.iter().filter(|p| p.spec.hotspot)
    }
}

pub(crate) fn insert(
    conn: &mut PgConnection,
    key: &MasterKey,
    opts: &DemoOptions,
) -> Result<Catalog, DemoError> {
    let password_enc = crypto::encrypt_str(key, &opts.router_password)?;
    conn.transaction(|conn| {
        let mut locs = Vec::new();
        for spec in data::LOCATIONS {
            let row: Location = diesel::insert_into(locations::table)
                .values(NewLocation {
                    name: spec.name,
                    address: Some(spec.address),
                    timezone: spec.timezone,
                    notes: Some(DEMO_TAG),
                })
                .returning(Location::as_returning())
                .get_result(conn)
                .step("inserting demo locations (a location of the same name exists?)")?;
            locs.push(CatalogLocation {
                id: row.id,
                code: spec.code,
                city: spec.city,
                routers: Vec::new(),
            });
        }

        let mut router_ids = Vec::new();
        for i in 0..opts.routers {
            let loc = &mut locs[i % data::LOCATIONS.len()];
            let name = format!("{}-{:02}", loc.code, loc.routers.len() + 1);
            let port = i32::from(opts.sim_base_port) + i32::try_from(i).unwrap_or(0);
            let row: Router = diesel::insert_into(routers::table)
                .values(NewRouter {
                    location_id: loc.id,
                    name: &name,
                    host: "127.0.0.1",
                    api_port: port,
                    use_tls: false,
                    tls_fingerprint: None,
                    username: &opts.router_username,
                    password_enc: &password_enc,
                    timezone: None,
                    enabled: true,
                    ros_version: None,
                    sync_mode: "report",
                    notes: Some(DEMO_TAG),
                })
                .returning(Router::as_returning())
                .get_result(conn)
                .step("inserting demo routers")?;
            loc.routers.push(row.id);
            router_ids.push(row.id);
        }

        let mut profs = Vec::new();
        for spec in data::PROFILES {
            let row: Profile = diesel::insert_into(profiles::table)
                .values(NewProfile {
                    name: spec.name,
                    profile_type: if spec.hotspot { "hotspot" } else { "pppoe" },
                    router_profile: spec.router_profile,
                    validity: spec.validity,
                    validity_seconds: spec.validity_seconds,
                    rate_limit: Some(spec.rate_limit),
                    shared_users: spec.shared_users,
                    price_cost: Decimal::from(spec.cost),
                    price_sell: Decimal::from(spec.sell),
                    active: true,
                    description: Some(DEMO_TAG),
                })
                .returning(Profile::as_returning())
                .get_result(conn)
                .step("inserting demo profiles (a profile of the same name exists?)")?;
            // hotspot plans sell everywhere; PPPoE only where there is cable (first three)
            let where_sold = if spec.hotspot {
                &locs[..]
            } else {
                &locs[..3.min(locs.len())]
            };
            let links: Vec<NewProfileLocation> = where_sold
                .iter()
                .map(|l| NewProfileLocation {
                    profile_id: row.id,
                    location_id: l.id,
                })
                .collect();
            diesel::insert_into(profile_locations::table)
                .values(&links)
                .execute(conn)
                .step("inserting demo profile locations")?;
            profs.push(CatalogProfile { id: row.id, spec });
        }

        let mut vendor_ids = Vec::new();
        for (i, spec) in data::VENDORS.iter().enumerate() {
            let row: Vendor = diesel::insert_into(vendors::table)
                .values(NewVendor {
                    name: spec.name,
                    phone: Some(spec.phone),
                    contact_name: Some(spec.contact),
                    address: Some(data::LOCATIONS[i % data::LOCATIONS.len()].address),
                    location_id: Some(locs[i % locs.len()].id),
                    discount_percent: Decimal::from(spec.discount_percent),
                    active: true,
                    notes: Some(DEMO_TAG),
                })
                .returning(Vendor::as_returning())
                .get_result(conn)
                .step("inserting demo vendors (a vendor of the same name exists?)")?;
            vendor_ids.push(row.id);
        }
        Ok(Catalog {
            locations: locs,
            routers: router_ids,
            profiles: profs,
            vendors: vendor_ids,
        })
    })
}
