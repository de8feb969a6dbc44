//! `balance`, `rates` and `capabilities`: what the account and the provider offer.

use serde_json::json;
use vibergate_core::{Balance, Rate};

use super::{on_client, pretty, NoArgs};
use crate::{output, CmdResult};

pub fn balance(a: NoArgs) -> CmdResult {
    on_client(&a.common, "balance", json!({}), |b: &Balance| {
        println!("balance: {}", b.balance);
        if let Some(credit) = &b.credit {
            println!("credit:  {credit}");
        }
    })
}

pub fn rates(a: NoArgs) -> CmdResult {
    on_client(&a.common, "rates", json!({}), |rates: &Vec<Rate>| {
        let rows: Vec<Vec<String>> = rates
            .iter()
            .map(|r| {
                vec![
                    r.country.clone(),
                    r.network.clone().unwrap_or_else(|| "all".into()),
                    r.price.to_string(),
                    if r.charge_delivered_only {
                        "delivered only".into()
                    } else {
                        "all".into()
                    },
                ]
            })
            .collect();
        output::table(&["COUNTRY", "NETWORK", "PRICE", "CHARGED"], &rows);
    })
}

pub fn capabilities(a: NoArgs) -> CmdResult {
    // People read the same JSON, indented.
    on_client(&a.common, "capabilities", json!({}), pretty)
}
