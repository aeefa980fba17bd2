//! The transaction mix: New-Order 45%, Payment 43%, Order-Status, Delivery and Stock-Level 4%
//! each, dealt from a shuffled deck (§5.2.4.2 allows a deck in place of independent draws).
//!
//! Why a deck: every 100 consecutive transactions of a terminal have exactly the standard mix,
//! so even a short run meets the minimum percentages, while the order within a deck is random.

use crate::rng::Rng;

/// The five TPC-C transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TransactionType {
    /// §2.4.
    NewOrder,
    /// §2.5.
    Payment,
    /// §2.6.
    OrderStatus,
    /// §2.7.
    Delivery,
    /// §2.8.
    StockLevel,
}

impl TransactionType {
    /// All five, in report order.
    pub const ALL: [TransactionType; 5] = [
        TransactionType::NewOrder,
        TransactionType::Payment,
        TransactionType::OrderStatus,
        TransactionType::Delivery,
        TransactionType::StockLevel,
    ];

    /// The name used in reports and statement names.
    pub fn name(self) -> &'static str {
        match self {
            TransactionType::NewOrder => "new_order",
            TransactionType::Payment => "payment",
            TransactionType::OrderStatus => "order_status",
            TransactionType::Delivery => "delivery",
            TransactionType::StockLevel => "stock_level",
        }
    }

    /// Position in [`TransactionType::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Cards of this type in a deck of [`DECK_SIZE`].
    pub fn cards(self) -> usize {
        match self {
            TransactionType::NewOrder => 45,
            TransactionType::Payment => 43,
            TransactionType::OrderStatus
            | TransactionType::Delivery
            | TransactionType::StockLevel => 4,
        }
    }
}

/// Cards in one deck.
pub const DECK_SIZE: usize = 100;

const _: () = assert!(
    45 + 43 + 4 + 4 + 4 == DECK_SIZE,
    "the mix must add up to the deck"
);

/// A shuffled deck, reshuffled whenever it runs out.
#[derive(Debug, Clone)]
pub struct Deck {
    cards: [TransactionType; DECK_SIZE],
    next: usize,
}

impl Default for Deck {
    fn default() -> Self {
        Self::new()
    }
}

impl Deck {
    /// A deck with the standard mix; it is shuffled before the first deal.
    pub fn new() -> Self {
        let mut cards = [TransactionType::NewOrder; DECK_SIZE];
        let mut position = 0;
        for kind in TransactionType::ALL {
            for _ in 0..kind.cards() {
                cards[position] = kind;
                position += 1;
            }
        }
        Self {
            cards,
            next: DECK_SIZE,
        }
    }

    /// The next transaction to run.
    pub fn deal(&mut self, rng: &mut Rng) -> TransactionType {
        if self.next == DECK_SIZE {
            rng.shuffle(&mut self.cards);
            self.next = 0;
        }
        let card = self.cards[self.next];
        self.next += 1;
        card
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_deck_has_the_standard_mix() {
        let mut rng = Rng::seeded(9);
        let mut deck = Deck::new();
        for _ in 0..50 {
            let mut counts = [0usize; 5];
            for _ in 0..DECK_SIZE {
                counts[deck.deal(&mut rng).index()] += 1;
            }
            assert_eq!(counts, [45, 43, 4, 4, 4]);
        }
    }

    #[test]
    fn proportions_over_many_draws_and_random_order() {
        let mut rng = Rng::seeded(10);
        let mut deck = Deck::new();
        let mut counts = [0usize; 5];
        let mut first_ten = Vec::new();
        for draw in 0..100_000 {
            let kind = deck.deal(&mut rng);
            counts[kind.index()] += 1;
            if draw < 10 {
                first_ten.push(kind);
            }
        }
        let shares: Vec<f64> = counts.iter().map(|count| *count as f64 / 1000.0).collect();
        assert_eq!(shares, vec![45.0, 43.0, 4.0, 4.0, 4.0]);
        // Shuffled: the first ten cards are not the unshuffled run of New-Orders.
        assert!(
            first_ten
                .iter()
                .any(|kind| *kind != TransactionType::NewOrder)
        );
    }
}
