//! How a terminal draws the input of each transaction (§2.4.1, §2.5.1, §2.6.1): districts,
//! customers by NURand id or by last name (60%), New-Order lines with NURand item ids, 1% remote
//! supply warehouses and the 1% unused item that forces a rollback, Payment's 15% remote
//! customers and amounts.
//!
//! Inputs are drawn once per transaction and kept, so a retried transaction repeats the same
//! business transaction. They are plain values: New-Order's lines are a fixed array of 15 and
//! last names go into a buffer the terminal reuses.

use crate::data::{
    NURAND_A_CUSTOMER_ID, NURAND_A_ITEM_ID, NURAND_A_LAST_NAME, NurandConstants, append_last_name,
    nurand,
};
use crate::numeric::Decimal4;
use crate::rng::Rng;
use crate::schema::{CUSTOMERS_PER_DISTRICT, DISTRICTS_PER_WAREHOUSE, ITEMS};

/// What a terminal needs to draw inputs.
#[derive(Debug, Clone, Copy)]
pub struct TerminalIdentity {
    /// The terminal's home warehouse.
    pub warehouse_id: i32,
    /// Warehouses in the database.
    pub warehouses: i32,
    /// The district this terminal's Stock-Level always uses (§2.8.1.1).
    pub stock_level_district_id: i32,
    /// The run's NURand constants.
    pub constants: NurandConstants,
}

impl TerminalIdentity {
    fn other_warehouse(&self, rng: &mut Rng) -> i32 {
        let other = rng.between_i32(1, self.warehouses - 1);
        if other >= self.warehouse_id {
            other + 1
        } else {
            other
        }
    }

    fn customer_id(&self, rng: &mut Rng) -> i32 {
        nurand(
            rng,
            NURAND_A_CUSTOMER_ID,
            self.constants.customer_id,
            1,
            CUSTOMERS_PER_DISTRICT,
        )
    }
}

/// An item id no item has, for the 1% rollbacks.
pub const UNUSED_ITEM_ID: i32 = ITEMS + 1;

/// Most order lines in one order.
pub const MAX_ORDER_LINES: usize = 15;

/// One line of a New-Order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderLineInput {
    /// OL_NUMBER, the line's position as entered.
    pub number: i32,
    /// OL_I_ID.
    pub item_id: i32,
    /// OL_SUPPLY_W_ID.
    pub supply_warehouse_id: i32,
    /// OL_QUANTITY.
    pub quantity: i32,
}

/// Input of a New-Order (§2.4.1).
#[derive(Debug, Clone)]
pub struct NewOrderInput {
    /// D_ID.
    pub district_id: i32,
    /// C_ID.
    pub customer_id: i32,
    /// Lines in processing order: sorted by supplying warehouse and item, so concurrent
    /// New-Orders lock stock rows in the same order and do not deadlock. OL_NUMBER keeps the
    /// entered order.
    pub lines: [OrderLineInput; MAX_ORDER_LINES],
    /// O_OL_CNT.
    pub line_count: usize,
    /// O_ALL_LOCAL.
    pub all_local: bool,
    /// Whether the last line carries [`UNUSED_ITEM_ID`].
    pub rolls_back: bool,
}

impl NewOrderInput {
    /// Draws an input for `terminal`.
    pub fn draw(rng: &mut Rng, terminal: &TerminalIdentity) -> Self {
        let district_id = rng.between_i32(1, DISTRICTS_PER_WAREHOUSE);
        let customer_id = terminal.customer_id(rng);
        let line_count = rng.between(5, MAX_ORDER_LINES as i64) as usize;
        let rolls_back = rng.between(1, 100) == 1;
        let mut lines = [OrderLineInput::default(); MAX_ORDER_LINES];
        let mut all_local = true;
        for (index, line) in lines[..line_count].iter_mut().enumerate() {
            let item_id = if rolls_back && index == line_count - 1 {
                UNUSED_ITEM_ID
            } else {
                nurand(rng, NURAND_A_ITEM_ID, terminal.constants.item_id, 1, ITEMS)
            };
            let supply_warehouse_id = if terminal.warehouses > 1 && rng.between(1, 100) == 1 {
                all_local = false;
                terminal.other_warehouse(rng)
            } else {
                terminal.warehouse_id
            };
            *line = OrderLineInput {
                number: index as i32 + 1,
                item_id,
                supply_warehouse_id,
                quantity: rng.between_i32(1, 10),
            };
        }
        lines[..line_count].sort_unstable_by_key(|line| (line.supply_warehouse_id, line.item_id));
        Self {
            district_id,
            customer_id,
            lines,
            line_count,
            all_local,
            rolls_back,
        }
    }
}

/// How Payment and Order-Status find their customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerChoice {
    /// By C_ID.
    Id(i32),
    /// By C_LAST (held in the terminal's `last_name` buffer), taking the middle match.
    LastName,
}

fn draw_customer_choice(
    rng: &mut Rng,
    terminal: &TerminalIdentity,
    last_name: &mut String,
) -> CustomerChoice {
    if rng.between(1, 100) <= 60 {
        last_name.clear();
        let number = nurand(
            rng,
            NURAND_A_LAST_NAME,
            terminal.constants.last_name,
            0,
            999,
        );
        append_last_name(number as u32, last_name);
        CustomerChoice::LastName
    } else {
        CustomerChoice::Id(terminal.customer_id(rng))
    }
}

/// Input of a Payment (§2.5.1).
#[derive(Debug, Clone, Copy)]
pub struct PaymentInput {
    /// D_ID (of the home warehouse).
    pub district_id: i32,
    /// C_W_ID: home 85% of the time, otherwise another warehouse.
    pub customer_warehouse_id: i32,
    /// C_D_ID.
    pub customer_district_id: i32,
    /// The customer.
    pub customer: CustomerChoice,
    /// H_AMOUNT in 1.00..=5,000.00.
    pub amount: Decimal4,
}

impl PaymentInput {
    /// Draws an input; a by-name customer's last name goes to `last_name`.
    pub fn draw(rng: &mut Rng, terminal: &TerminalIdentity, last_name: &mut String) -> Self {
        let district_id = rng.between_i32(1, DISTRICTS_PER_WAREHOUSE);
        let (customer_warehouse_id, customer_district_id) =
            if terminal.warehouses == 1 || rng.between(1, 100) <= 85 {
                (terminal.warehouse_id, district_id)
            } else {
                (
                    terminal.other_warehouse(rng),
                    rng.between_i32(1, DISTRICTS_PER_WAREHOUSE),
                )
            };
        let customer = draw_customer_choice(rng, terminal, last_name);
        let amount = Decimal4::from_cents(rng.between(100, 500_000));
        Self {
            district_id,
            customer_warehouse_id,
            customer_district_id,
            customer,
            amount,
        }
    }
}

/// Input of an Order-Status (§2.6.1).
#[derive(Debug, Clone, Copy)]
pub struct OrderStatusInput {
    /// D_ID.
    pub district_id: i32,
    /// The customer.
    pub customer: CustomerChoice,
}

impl OrderStatusInput {
    /// Draws an input; a by-name customer's last name goes to `last_name`.
    pub fn draw(rng: &mut Rng, terminal: &TerminalIdentity, last_name: &mut String) -> Self {
        let district_id = rng.between_i32(1, DISTRICTS_PER_WAREHOUSE);
        let customer = draw_customer_choice(rng, terminal, last_name);
        Self {
            district_id,
            customer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terminal(warehouses: i32) -> TerminalIdentity {
        TerminalIdentity {
            warehouse_id: 1,
            warehouses,
            stock_level_district_id: 1,
            constants: NurandConstants {
                last_name: 100,
                customer_id: 200,
                item_id: 300,
            },
        }
    }

    #[test]
    fn new_order_inputs_follow_the_spec() {
        let mut rng = Rng::seeded(21);
        let identity = terminal(4);
        let draws = 20_000;
        let mut rollbacks = 0;
        let mut remote_lines = 0;
        let mut lines_total = 0;
        for _ in 0..draws {
            let input = NewOrderInput::draw(&mut rng, &identity);
            assert!((5..=15).contains(&input.line_count));
            assert!((1..=10).contains(&input.district_id));
            assert!((1..=3000).contains(&input.customer_id));
            let lines = &input.lines[..input.line_count];
            let mut numbers: Vec<i32> = lines.iter().map(|line| line.number).collect();
            numbers.sort_unstable();
            assert_eq!(numbers, (1..=input.line_count as i32).collect::<Vec<_>>());
            assert!(lines.windows(2).all(|pair| {
                (pair[0].supply_warehouse_id, pair[0].item_id)
                    <= (pair[1].supply_warehouse_id, pair[1].item_id)
            }));
            let unused = lines
                .iter()
                .filter(|line| line.item_id == UNUSED_ITEM_ID)
                .count();
            assert_eq!(unused, usize::from(input.rolls_back));
            let last = lines
                .iter()
                .find(|line| line.number == input.line_count as i32);
            if input.rolls_back {
                assert_eq!(last.map(|line| line.item_id), Some(UNUSED_ITEM_ID));
                rollbacks += 1;
            }
            for line in lines {
                assert!((1..=10).contains(&line.quantity));
                assert!((1..=4).contains(&line.supply_warehouse_id));
                if line.supply_warehouse_id != 1 {
                    remote_lines += 1;
                }
            }
            assert_eq!(
                input.all_local,
                lines.iter().all(|line| line.supply_warehouse_id == 1)
            );
            lines_total += input.line_count;
        }
        let rollback_share = rollbacks as f64 / draws as f64;
        assert!(
            (0.006..0.014).contains(&rollback_share),
            "rollback share {rollback_share}"
        );
        let remote_share = remote_lines as f64 / lines_total as f64;
        assert!(
            (0.007..0.013).contains(&remote_share),
            "remote share {remote_share}"
        );
    }

    #[test]
    fn single_warehouse_orders_are_all_local() {
        let mut rng = Rng::seeded(22);
        for _ in 0..2000 {
            let input = NewOrderInput::draw(&mut rng, &terminal(1));
            assert!(input.all_local);
        }
    }

    #[test]
    fn payment_inputs_follow_the_spec() {
        let mut rng = Rng::seeded(23);
        let identity = terminal(3);
        let mut name = String::new();
        let (mut by_name, mut remote) = (0, 0);
        let draws = 20_000;
        for _ in 0..draws {
            let input = PaymentInput::draw(&mut rng, &identity, &mut name);
            assert!(
                (Decimal4::from_cents(100)..=Decimal4::from_cents(500_000)).contains(&input.amount)
            );
            match input.customer {
                CustomerChoice::LastName => {
                    by_name += 1;
                    assert!(name.len() >= 9 && name.bytes().all(|byte| byte.is_ascii_uppercase()));
                }
                CustomerChoice::Id(id) => assert!((1..=3000).contains(&id)),
            }
            if input.customer_warehouse_id != 1 {
                remote += 1;
            } else {
                assert_eq!(input.customer_district_id, input.district_id);
            }
        }
        let by_name_share = by_name as f64 / draws as f64;
        assert!(
            (0.58..0.62).contains(&by_name_share),
            "by-name share {by_name_share}"
        );
        let remote_share = remote as f64 / draws as f64;
        assert!(
            (0.13..0.17).contains(&remote_share),
            "remote share {remote_share}"
        );
    }

    #[test]
    fn order_status_uses_last_names_sixty_percent_of_the_time() {
        let mut rng = Rng::seeded(24);
        let mut name = String::new();
        let by_name = (0..20_000)
            .filter(|_| {
                OrderStatusInput::draw(&mut rng, &terminal(2), &mut name).customer
                    == CustomerChoice::LastName
            })
            .count();
        assert!((11_600..12_400).contains(&by_name), "{by_name}");
    }
}
