//! BIP39 mnemonic phrases (English word list): generating and validating them.

use bip39::{Language, Mnemonic};
use rand::{rngs::OsRng, RngCore};
use zeroize::Zeroizing;

use crate::error::{KeyError, Result};

/// The Substrate development phrase. Every dev account and dev session key derives from it; it
/// is public, so never hold real funds with it.
pub const DEV_PHRASE: &str =
    "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

/// How many words a generated phrase has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WordCount {
    /// 12 words: 128 bits of entropy.
    #[default]
    Twelve,
    /// 24 words: 256 bits of entropy.
    TwentyFour,
}

impl WordCount {
    /// The number of words.
    pub fn words(self) -> usize {
        match self {
            WordCount::Twelve => 12,
            WordCount::TwentyFour => 24,
        }
    }

    /// The number of entropy bytes behind a phrase of this length.
    fn entropy_bytes(self) -> usize {
        match self {
            WordCount::Twelve => 16,
            WordCount::TwentyFour => 32,
        }
    }
}

impl TryFrom<usize> for WordCount {
    type Error = KeyError;

    fn try_from(words: usize) -> Result<Self> {
        match words {
            12 => Ok(WordCount::Twelve),
            24 => Ok(WordCount::TwentyFour),
            other => Err(KeyError::InvalidWordCount(other)),
        }
    }
}

/// Generates a new random English BIP39 phrase from the operating system's CSPRNG.
///
/// The returned string is wiped from memory when dropped.
pub fn generate_phrase(words: WordCount) -> Zeroizing<String> {
    let mut entropy = Zeroizing::new([0u8; 32]);
    let entropy = &mut entropy[..words.entropy_bytes()];
    OsRng.fill_bytes(entropy);
    match Mnemonic::from_entropy_in(Language::English, entropy) {
        Ok(mnemonic) => Zeroizing::new(mnemonic.to_string()),
        // 16 and 32 bytes are always valid BIP39 entropy lengths.
        Err(_) => unreachable!("16 or 32 bytes of entropy are valid BIP39 entropy"),
    }
}

/// Checks that `phrase` is a valid English BIP39 mnemonic (known words, valid checksum, 12, 15,
/// 18, 21 or 24 words). Whitespace between words is normalised.
pub fn validate_phrase(phrase: &str) -> Result<()> {
    parse_mnemonic(phrase).map(|_| ())
}

/// Parses an English BIP39 mnemonic.
pub(crate) fn parse_mnemonic(phrase: &str) -> Result<Mnemonic> {
    Mnemonic::parse_in(Language::English, phrase)
        .map_err(|e| KeyError::InvalidPhrase(e.to_string()))
}

/// The BIP39 entropy of a phrase, wiped on drop.
pub(crate) fn phrase_entropy(mnemonic: &Mnemonic) -> Zeroizing<Vec<u8>> {
    let (array, len) = mnemonic.to_entropy_array();
    let array = Zeroizing::new(array);
    Zeroizing::new(array[..len].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_valid_phrases_of_both_lengths() {
        for (count, words) in [(WordCount::Twelve, 12), (WordCount::TwentyFour, 24)] {
            let phrase = generate_phrase(count);
            assert_eq!(phrase.split(' ').count(), words);
            validate_phrase(&phrase).expect("generated phrase is valid");
        }
        assert_ne!(*generate_phrase(WordCount::Twelve), *generate_phrase(WordCount::Twelve));
    }

    #[test]
    fn dev_phrase_is_valid() {
        validate_phrase(DEV_PHRASE).expect("dev phrase is valid");
        validate_phrase("  bottom drive obey lake curtain smoke basket hold race lonely fit walk ")
            .expect("surrounding whitespace is fine");
    }

    #[test]
    fn rejects_bad_phrases() {
        for bad in [
            "",
            "bottom drive obey",
            // last word changed: checksum fails
            "bottom drive obey lake curtain smoke basket hold race lonely fit fit",
            "bottom drive obey lake curtain smoke basket hold race lonely fit walkk",
            "Bottom drive obey lake curtain smoke basket hold race lonely fit walk!",
        ] {
            assert!(
                matches!(validate_phrase(bad), Err(KeyError::InvalidPhrase(_))),
                "{bad:?} must be rejected"
            );
        }
    }

    #[test]
    fn word_count_from_usize() {
        assert_eq!(WordCount::try_from(12), Ok(WordCount::Twelve));
        assert_eq!(WordCount::try_from(24), Ok(WordCount::TwentyFour));
        assert_eq!(WordCount::try_from(13), Err(KeyError::InvalidWordCount(13)));
        assert_eq!(WordCount::TwentyFour.words(), 24);
    }
}
