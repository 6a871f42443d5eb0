//! The clap side of the pki enums a flag chooses from: pki names them and
//! says what they do, the command line lists them.

use clap::ValueEnum;
use clap::builder::PossibleValue;

use crate::pki::build::Profile;
use crate::pki::keys::KeyType;
use crate::pki::reason::Reason;

impl ValueEnum for KeyType {
    fn value_variants<'a>() -> &'a [Self] {
        &[Self::EcP256, Self::EcP384, Self::Ed25519, Self::Rsa2048, Self::Rsa3072, Self::Rsa4096]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

impl ValueEnum for Profile {
    fn value_variants<'a>() -> &'a [Self] {
        &[Self::Client, Self::Server, Self::Peer]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            Self::Client => "TLS client authentication (EKU clientAuth)",
            Self::Server => "TLS server authentication (EKU serverAuth)",
            Self::Peer => "Both: a service that accepts and makes mTLS connections",
        };
        Some(PossibleValue::new(self.name()).help(help))
    }
}

impl ValueEnum for Reason {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    /// kebab-case as listed; OpenSSL's spelling (`keyCompromise`, what
    /// `openssl ca -crl_reason` takes) and the JSON's snake_case are accepted too.
    fn to_possible_value(&self) -> Option<PossibleValue> {
        let snake = self.cli_name().replace('-', "_");
        let mut v = PossibleValue::new(self.cli_name());
        for alias in [self.openssl_name().to_string(), snake] {
            if alias != self.cli_name() {
                v = v.alias(alias);
            }
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant is listed, under the name pki gives it.
    #[test]
    fn every_variant_is_a_choice() {
        for k in KeyType::value_variants() {
            assert_eq!(KeyType::from_str(k.name(), false), Ok(*k));
        }
        for p in Profile::value_variants() {
            assert_eq!(Profile::from_str(p.name(), false), Ok(*p));
        }
        for r in Reason::value_variants() {
            assert_eq!(Reason::from_str(r.cli_name(), false), Ok(*r));
            assert_eq!(Reason::from_str(r.openssl_name(), false), Ok(*r));
            assert_eq!(Reason::from_str(&r.cli_name().replace('-', "_"), false), Ok(*r));
        }
        assert_eq!(KeyType::value_variants().len(), 6);
    }
}
