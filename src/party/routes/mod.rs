//! DB2 over HTTP: the party tree, members and their workflows, transfers.

mod members;
mod transfers;
mod units;
mod workflows;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    units::configure(table);
    members::configure(table);
    workflows::configure(table);
    transfers::configure(table);
}
