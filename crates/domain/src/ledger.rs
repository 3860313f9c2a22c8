//! The ledger rule: how each operation changes a customer's (balance, debt) and the entry
//! that records it. [`apply`] is the only place a balance or debt changes.
//!
//! Decisions:
//! - An entry's `amount` is always the signed change of the **balance**; the change of the
//!   debt is `debt_after - debt_before`. So `sum(amount) == balance` holds for every
//!   customer, whatever the operation (a migration enforces
//!   `amount = balance_after - balance_before`).
//! - Money paid in (`top_up`, `pay_debt`, `payment`) settles the debt first; the rest becomes
//!   balance (carry-over). The three differ only in what the operator or gateway said the
//!   money was for, which reports use.
//! - `debit`/`purchase` and a negative `adjustment` never take the balance below zero
//!   (refused with [`LedgerError::InsufficientBalance`]); nothing is ever bought on balance
//!   that is not there — selling on credit is an explicit `add_debt`.
//! - `refund` gives money back to the balance (it reverses a debit, so it does not pay debt).

use crate::money::{Money, SignedMoney};
use crate::status::LedgerEntryType;

/// Longest reason/note kept with an entry.
pub const MAX_REASON_CHARS: usize = 500;

/// A customer's money position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub balance: Money,
    pub debt: Money,
}

/// One requested change. Amounts are the size of the operation and must be above zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Cash paid in at the counter.
    TopUp(Money),
    /// Money paid in through a payment (gateway or manual method).
    Payment(Money),
    /// Cash paid in explicitly against the debt.
    PayDebt(Money),
    /// Money taken from the balance by an operator.
    Debit(Money),
    /// Money taken from the balance to buy a voucher or a subscription.
    Purchase(Money),
    /// Money given back to the balance.
    Refund(Money),
    /// A manual correction of the balance, either way, with the reason.
    Adjustment { delta: SignedMoney, reason: Reason },
    /// A sale on credit: the debt grows, the balance does not change.
    AddDebt(Money),
}

impl Operation {
    pub fn entry_type(&self) -> LedgerEntryType {
        match self {
            Operation::TopUp(_) => LedgerEntryType::TopUp,
            Operation::Payment(_) => LedgerEntryType::Payment,
            Operation::PayDebt(_) => LedgerEntryType::PayDebt,
            Operation::Debit(_) => LedgerEntryType::Debit,
            Operation::Purchase(_) => LedgerEntryType::Purchase,
            Operation::Refund(_) => LedgerEntryType::Refund,
            Operation::Adjustment { .. } => LedgerEntryType::Adjustment,
            Operation::AddDebt(_) => LedgerEntryType::AddDebt,
        }
    }

    /// The reason that must be kept with the entry, if the operation carries one.
    pub fn reason(&self) -> Option<&Reason> {
        match self {
            Operation::Adjustment { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// A non-blank explanation of at most [`MAX_REASON_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    pub fn parse(text: &str) -> Result<Reason, LedgerError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(LedgerError::ReasonRequired);
        }
        if text.chars().count() > MAX_REASON_CHARS {
            return Err(LedgerError::ReasonTooLong);
        }
        Ok(Reason(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why an operation is refused. A refused operation changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("the amount must be greater than zero")]
    ZeroAmount,
    #[error("insufficient balance: {balance} available, {requested} requested")]
    InsufficientBalance { balance: Money, requested: Money },
    #[error("a reason is required")]
    ReasonRequired,
    #[error("the reason is longer than {MAX_REASON_CHARS} characters")]
    ReasonTooLong,
    #[error("the balance or debt would exceed the largest storable amount")]
    LimitExceeded,
}

/// What [`apply`] decided: the new position and the entry to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub entry_type: LedgerEntryType,
    /// Signed change of the balance (`balance_after - balance_before`).
    pub amount: SignedMoney,
    pub before: Position,
    pub after: Position,
}

impl Applied {
    /// Signed change of the debt.
    pub fn debt_change(&self) -> SignedMoney {
        self.before.debt.delta_to(self.after.debt)
    }
}

fn positive(amount: Money) -> Result<Money, LedgerError> {
    if amount.is_zero() {
        Err(LedgerError::ZeroAmount)
    } else {
        Ok(amount)
    }
}

fn credit(balance: Money, amount: Money) -> Result<Money, LedgerError> {
    balance
        .checked_add(amount)
        .ok_or(LedgerError::LimitExceeded)
}

fn take(balance: Money, amount: Money) -> Result<Money, LedgerError> {
    balance
        .checked_sub(amount)
        .ok_or(LedgerError::InsufficientBalance {
            balance,
            requested: amount,
        })
}

/// Applies `op` to `before`, or refuses it. Pure: the caller writes the entry and the new
/// position in one transaction with the customer row locked.
pub fn apply(before: Position, op: &Operation) -> Result<Applied, LedgerError> {
    let after = match op {
        Operation::TopUp(amount) | Operation::Payment(amount) | Operation::PayDebt(amount) => {
            let amount = positive(*amount)?;
            let settles = amount.min(before.debt);
            let rest = amount
                .checked_sub(settles)
                .ok_or(LedgerError::LimitExceeded)?;
            Position {
                balance: credit(before.balance, rest)?,
                debt: before
                    .debt
                    .checked_sub(settles)
                    .ok_or(LedgerError::LimitExceeded)?,
            }
        }
        Operation::Debit(amount) | Operation::Purchase(amount) => Position {
            balance: take(before.balance, positive(*amount)?)?,
            debt: before.debt,
        },
        Operation::Refund(amount) => Position {
            balance: credit(before.balance, positive(*amount)?)?,
            debt: before.debt,
        },
        Operation::Adjustment { delta, .. } => {
            let size = positive(delta.magnitude())?;
            let balance = if delta.is_negative() {
                take(before.balance, size)?
            } else {
                credit(before.balance, size)?
            };
            Position {
                balance,
                debt: before.debt,
            }
        }
        Operation::AddDebt(amount) => Position {
            balance: before.balance,
            debt: before
                .debt
                .checked_add(positive(*amount)?)
                .ok_or(LedgerError::LimitExceeded)?,
        },
    };
    Ok(Applied {
        entry_type: op.entry_type(),
        amount: before.balance.delta_to(after.balance),
        before,
        after,
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing test should panic")]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn m(units: u32) -> Money {
        Money::whole(units)
    }

    fn pos(balance: u32, debt: u32) -> Position {
        Position {
            balance: m(balance),
            debt: m(debt),
        }
    }

    #[test]
    fn money_in_settles_debt_first_and_the_rest_becomes_balance() {
        for op in [
            Operation::TopUp(m(100)),
            Operation::PayDebt(m(100)),
            Operation::Payment(m(100)),
        ] {
            let applied = apply(pos(10, 30), &op).unwrap();
            assert_eq!(applied.after, pos(80, 0), "{op:?}");
            assert_eq!(applied.amount, SignedMoney::from(m(70)));
            assert_eq!(applied.debt_change(), SignedMoney::negative(m(30)));
            let partial = apply(pos(0, 300), &op).unwrap();
            assert_eq!(partial.after, pos(0, 200));
            assert_eq!(partial.amount, SignedMoney::ZERO);
        }
    }

    #[test]
    fn debit_beyond_balance_is_refused() {
        assert_eq!(
            apply(pos(50, 0), &Operation::Debit(m(51))),
            Err(LedgerError::InsufficientBalance {
                balance: m(50),
                requested: m(51)
            })
        );
        let exact = apply(pos(50, 7), &Operation::Purchase(m(50))).unwrap();
        assert_eq!(exact.after, pos(0, 7));
        assert_eq!(exact.amount, SignedMoney::negative(m(50)));
    }

    #[test]
    fn adjustments_go_either_way_but_not_below_zero() {
        let reason = Reason::parse("counted cash twice").unwrap();
        let down = Operation::Adjustment {
            delta: SignedMoney::negative(m(20)),
            reason: reason.clone(),
        };
        assert_eq!(apply(pos(30, 0), &down).unwrap().after, pos(10, 0));
        assert!(matches!(
            apply(pos(10, 0), &down),
            Err(LedgerError::InsufficientBalance { .. })
        ));
        let zero = Operation::Adjustment {
            delta: SignedMoney::ZERO,
            reason,
        };
        assert_eq!(apply(pos(1, 0), &zero), Err(LedgerError::ZeroAmount));
        assert_eq!(Reason::parse("   "), Err(LedgerError::ReasonRequired));
        assert_eq!(
            Reason::parse(&"x".repeat(MAX_REASON_CHARS + 1)),
            Err(LedgerError::ReasonTooLong)
        );
    }

    #[test]
    fn add_debt_refund_and_limits() {
        let debt = apply(pos(5, 0), &Operation::AddDebt(m(40))).unwrap();
        assert_eq!(debt.after, pos(5, 40));
        assert_eq!(debt.amount, SignedMoney::ZERO);
        assert_eq!(
            apply(pos(5, 0), &Operation::Refund(m(5))).unwrap().after,
            pos(10, 0)
        );
        assert_eq!(
            apply(pos(5, 0), &Operation::TopUp(Money::ZERO)),
            Err(LedgerError::ZeroAmount)
        );
        let max = Money::parse("9999999999999.99").unwrap();
        let full = Position {
            balance: max,
            debt: max,
        };
        assert_eq!(
            apply(full, &Operation::Refund(m(1))),
            Err(LedgerError::LimitExceeded)
        );
        assert_eq!(
            apply(full, &Operation::AddDebt(m(1))),
            Err(LedgerError::LimitExceeded)
        );
    }

    fn amount() -> impl Strategy<Value = Money> {
        // mostly small amounts so debits often succeed, sometimes huge ones to hit limits
        prop_oneof![
            9 => (0i64..=5_000_000).prop_map(|c| Money::try_from(Decimal::new(c, 2)).unwrap_or_default()),
            1 => (0i64..=999_999_999_999_999).prop_map(|c| Money::try_from(Decimal::new(c, 2)).unwrap_or_default()),
        ]
    }

    fn operation() -> impl Strategy<Value = Operation> {
        prop_oneof![
            amount().prop_map(Operation::TopUp),
            amount().prop_map(Operation::Payment),
            amount().prop_map(Operation::PayDebt),
            amount().prop_map(Operation::Debit),
            amount().prop_map(Operation::Purchase),
            amount().prop_map(Operation::Refund),
            amount().prop_map(Operation::AddDebt),
            (amount(), any::<bool>()).prop_map(|(a, neg)| Operation::Adjustment {
                delta: if neg {
                    SignedMoney::negative(a)
                } else {
                    SignedMoney::from(a)
                },
                reason: Reason("test".into()),
            }),
        ]
    }

    proptest! {
        #[test]
        fn any_sequence_keeps_the_ledger_equal_to_the_position(ops in prop::collection::vec(operation(), 0..200)) {
            let mut position = Position::default();
            let mut balance_sum = Decimal::ZERO;
            let mut debt_sum = Decimal::ZERO;
            for op in &ops {
                match apply(position, op) {
                    Ok(applied) => {
                        prop_assert_eq!(applied.before, position);
                        prop_assert_eq!(applied.entry_type, op.entry_type());
                        prop_assert_eq!(
                            applied.amount.as_decimal(),
                            applied.after.balance.as_decimal() - applied.before.balance.as_decimal()
                        );
                        balance_sum += applied.amount.as_decimal();
                        debt_sum += applied.debt_change().as_decimal();
                        position = applied.after;
                    }
                    Err(LedgerError::InsufficientBalance { balance, requested }) => {
                        prop_assert_eq!(balance, position.balance);
                        prop_assert!(requested > balance);
                    }
                    Err(_) => {}
                }
                prop_assert_eq!(balance_sum, position.balance.as_decimal());
                prop_assert_eq!(debt_sum, position.debt.as_decimal());
                prop_assert!(!position.balance.as_decimal().is_sign_negative());
                prop_assert!(!position.debt.as_decimal().is_sign_negative());
            }
        }

        #[test]
        fn money_in_never_leaves_both_debt_and_new_balance(
            balance in amount(), debt in amount(), paid in amount(),
        ) {
            let before = Position { balance, debt };
            if let Ok(applied) = apply(before, &Operation::TopUp(paid)) {
                // the balance grows only once the debt is gone
                prop_assert!(applied.after.balance == before.balance || applied.after.debt.is_zero());
                let paid_in = applied.amount.as_decimal() - applied.debt_change().as_decimal();
                prop_assert_eq!(paid_in, paid.as_decimal());
            }
        }
    }
}
