//! Every job handler and periodic task of the product, registered in one place. Each feature
//! adds its module here and one line in [`register_all`].

pub mod housekeeping;
pub mod router_alert;
pub mod router_links;
pub mod router_poll;
pub mod router_profile;
pub mod router_sync;

use crate::registry::Registry;

/// Registers every handler and task.
pub fn register_all(reg: &mut Registry) {
    housekeeping::register(reg);
    reg.register(router_sync::SyncRouterHandler);
    reg.register(router_profile::SyncProfileHandler);
    reg.register(router_poll::PollRouterHandler);
    reg.register(router_alert::RouterStatusAlertHandler);
    router_poll::register_tasks(reg);
}
