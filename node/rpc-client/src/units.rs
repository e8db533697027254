//! Amounts of LUX as people write them ("1.5") and as the chain stores them (10^-18 LUX units).

use lux_primitives::{Balance, TOKEN_DECIMALS};

/// Parses a decimal amount of LUX ("2", "0.25", "1_000") into the smallest unit.
pub fn parse_lux(s: &str) -> Result<Balance, String> {
    let s: String = s.trim().chars().filter(|c| *c != '_').collect();
    let (whole, fraction) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err("empty amount".into());
    }
    if !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()) {
        return Err(format!("`{s}` is not a decimal number"));
    }
    if fraction.len() > TOKEN_DECIMALS as usize {
        return Err(format!("at most {TOKEN_DECIMALS} decimals"));
    }
    let unit = 10u128.pow(TOKEN_DECIMALS as u32);
    let whole: Balance =
        if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "amount too large")? };
    let padded = format!("{fraction:0<width$}", width = TOKEN_DECIMALS as usize);
    let fraction: Balance = padded.parse().map_err(|_| "bad fraction")?;
    whole
        .checked_mul(unit)
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(|| "amount too large".into())
}

/// Formats an amount in the smallest unit as LUX, without trailing zeros.
pub fn format_lux(amount: Balance) -> String {
    let unit = 10u128.pow(TOKEN_DECIMALS as u32);
    let (whole, fraction) = (amount / unit, amount % unit);
    if fraction == 0 {
        return format!("{whole} LUX");
    }
    let fraction = format!("{fraction:0>width$}", width = TOKEN_DECIMALS as usize);
    format!("{whole}.{} LUX", fraction.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lux_primitives::LUX;

    #[test]
    fn parse_and_format() {
        assert_eq!(parse_lux("2"), Ok(2 * LUX));
        assert_eq!(parse_lux("0.25"), Ok(LUX / 4));
        assert_eq!(parse_lux("1_000.000000000000000001"), Ok(1000 * LUX + 1));
        assert!(parse_lux("1.0000000000000000001").is_err());
        assert!(parse_lux("abc").is_err());
        assert!(parse_lux("").is_err());
        assert_eq!(format_lux(2 * LUX), "2 LUX");
        assert_eq!(format_lux(LUX + LUX / 4), "1.25 LUX");
        assert_eq!(format_lux(1), "0.000000000000000001 LUX");
    }
}
