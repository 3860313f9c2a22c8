//! Every job handler and periodic task of the product, registered in one place. Each feature
//! adds its module here and one line in [`register_all`].

pub mod housekeeping;

use crate::registry::Registry;

/// Registers every handler and task.
pub fn register_all(reg: &mut Registry) {
    housekeeping::register(reg);
}
