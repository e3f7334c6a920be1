//! The billed amount: `max(0, calls − included-calls) × price-per-call`, exactly.
//!
//! Prices are decimal strings (`"0.0005"`), so the arithmetic is fixed-point on integers: a
//! price is `units / 10^scale`, and a product of calls and price is exact in `u128` (prices
//! have at most 18 decimals and calls fit `u64`, far below `u128::MAX`). No floats, so no
//! `0.1 + 0.2`. The exact amount keeps the price's decimals; the invoice amount is rounded to
//! the currency's minor unit (2 decimals, 0 for JPY/KRW/…, 3 for BHD/KWD/…), half away from
//! zero. A dependency (`rust_decimal`, ~50 KB of wasm) would do the same; twenty lines do it
//! without growing the component.
//!
//! `included-calls` is an allowance per billing period; the period is the range asked for
//! (ask for whole calendar months to invoice).

use tollgate_config::Billing;

/// Most decimals a price may have.
pub const MAX_SCALE: u32 = 18;

/// A non-negative decimal: `units / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    /// The digits as an integer.
    pub units: u128,
    /// How many of them are decimals.
    pub scale: u32,
}

impl Decimal {
    /// Parses `digits[.digits]` (the loader already checked the form); `None` for anything
    /// else or more than [`MAX_SCALE`] decimals.
    pub fn parse(text: &str) -> Option<Decimal> {
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) {
            return None;
        }
        let scale = u32::try_from(fraction.len())
            .ok()
            .filter(|s| *s <= MAX_SCALE)?;
        let units = format!("{whole}{fraction}").parse::<u128>().ok()?;
        Some(Decimal { units, scale })
    }

    /// `self × n`, exactly (saturating far beyond any real bill).
    pub fn times(self, n: u64) -> Decimal {
        Decimal {
            units: self.units.saturating_mul(u128::from(n)),
            scale: self.scale,
        }
    }

    /// Rounded to `scale` decimals, half away from zero.
    pub fn round(self, scale: u32) -> Decimal {
        if scale >= self.scale {
            return Decimal {
                units: self.units.saturating_mul(10u128.pow(scale - self.scale)),
                scale,
            };
        }
        let divisor = 10u128.pow(self.scale - scale);
        let (quotient, remainder) = (self.units / divisor, self.units % divisor);
        let up = u128::from(remainder * 2 >= divisor);
        Decimal {
            units: quotient + up,
            scale,
        }
    }
}

impl std::fmt::Display for Decimal {
    /// Exactly `scale` decimals: `0.0015`, `12.50`, `7`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digits = self.units.to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return f.write_str(&digits);
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        write!(f, "{whole}.{fraction}")
    }
}

/// Decimals of a currency's minor unit (ISO 4217).
pub fn minor_unit(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// What a subscription owes for some admitted calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bill {
    /// Calls beyond the included ones.
    pub billable_calls: u64,
    /// `billable_calls × price`, exact.
    pub amount: Decimal,
    /// The amount rounded to the currency's minor unit.
    pub rounded: Decimal,
}

/// The bill for `calls` admitted calls under `billing`; `None` when the price does not parse
/// (the loader rejects such prices, so only a hand-made configuration gets here).
pub fn bill(billing: &Billing, calls: u64) -> Option<Bill> {
    let price = Decimal::parse(&billing.price_per_call)?;
    let billable_calls = calls.saturating_sub(billing.included_calls);
    let amount = price.times(billable_calls);
    Some(Bill {
        billable_calls,
        amount,
        rounded: amount.round(minor_unit(&billing.currency)),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn billing(price: &str, included: u64, currency: &str) -> Billing {
        Billing {
            currency: currency.into(),
            price_per_call: price.into(),
            included_calls: included,
        }
    }

    #[test]
    fn decimals_parse_and_print_exactly() {
        let d = Decimal::parse("0.0005").unwrap();
        assert_eq!((d.units, d.scale), (5, 4));
        assert_eq!(d.to_string(), "0.0005");
        assert_eq!(Decimal::parse("12").unwrap().to_string(), "12");
        assert_eq!(Decimal::parse("1.50").unwrap().to_string(), "1.50");
        assert_eq!(Decimal::parse(".5"), None);
        assert_eq!(Decimal::parse("1."), Some(Decimal { units: 1, scale: 0 }));
        assert_eq!(Decimal::parse("-1"), None);
        assert_eq!(Decimal::parse("0.0000000000000000001"), None);
    }

    #[test]
    fn no_float_drift() {
        // 0.1 × 3 is 0.3, not 0.30000000000000004.
        let d = Decimal::parse("0.1").unwrap().times(3);
        assert_eq!(d.to_string(), "0.3");
        // A million calls at 0.0005 is exactly 500.
        assert_eq!(
            Decimal::parse("0.0005")
                .unwrap()
                .times(1_000_000)
                .to_string(),
            "500.0000"
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero_to_the_minor_unit() {
        let d = |s: &str| Decimal::parse(s).unwrap();
        assert_eq!(d("0.0049").round(2).to_string(), "0.00");
        assert_eq!(d("0.0050").round(2).to_string(), "0.01");
        assert_eq!(d("2.345").round(2).to_string(), "2.35");
        assert_eq!(d("2.3449").round(2).to_string(), "2.34");
        assert_eq!(d("7").round(2).to_string(), "7.00");
        assert_eq!(d("1.5").round(0).to_string(), "2");
        assert_eq!(d("0.0005").round(3).to_string(), "0.001");
    }

    #[test]
    fn included_calls_are_free_and_the_rest_is_exact() {
        let premium = billing("0.0005", 10_000, "USD");
        let bill = super::bill(&premium, 9_999).unwrap();
        assert_eq!(
            (bill.billable_calls, bill.amount.to_string()),
            (0, "0.0000".into())
        );
        let bill = super::bill(&premium, 10_001).unwrap();
        assert_eq!(bill.billable_calls, 1);
        assert_eq!(bill.amount.to_string(), "0.0005");
        assert_eq!(bill.rounded.to_string(), "0.00");
        let bill = super::bill(&premium, 10_000 + 12_345).unwrap();
        assert_eq!(bill.amount.to_string(), "6.1725");
        assert_eq!(bill.rounded.to_string(), "6.17");
        let yen = super::bill(&billing("0.5", 0, "JPY"), 3).unwrap();
        assert_eq!(
            (yen.amount.to_string(), yen.rounded.to_string()),
            ("1.5".into(), "2".into())
        );
    }
}
