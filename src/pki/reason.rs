//! RFC 5280 CRL reasons: the codes, OpenSSL's spellings and the JSON names.

use serde::Serialize;

/// RFC 5280 revocation reasons, in OpenSSL's spellings for index.txt and kebab-case on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Unspecified,
    KeyCompromise,
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    CertificateHold,
    RemoveFromCrl,
    PrivilegeWithdrawn,
    AaCompromise,
}

impl Reason {
    /// The spelling the command line takes (`--reason key-compromise`).
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "key-compromise",
            Self::CaCompromise => "ca-compromise",
            Self::AffiliationChanged => "affiliation-changed",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessation-of-operation",
            Self::CertificateHold => "certificate-hold",
            Self::RemoveFromCrl => "remove-from-crl",
            Self::PrivilegeWithdrawn => "privilege-withdrawn",
            Self::AaCompromise => "aa-compromise",
        }
    }

    /// The spelling `openssl ca` writes (and reads, case-insensitively).
    pub fn openssl_name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keyCompromise",
            Self::CaCompromise => "CACompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
            Self::CertificateHold => "certificateHold",
            Self::RemoveFromCrl => "removeFromCRL",
            Self::PrivilegeWithdrawn => "privilegeWithdrawn",
            Self::AaCompromise => "AACompromise",
        }
    }

    /// The CRLReason code (RFC 5280 §5.3.1; 7 is unused).
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::CertificateHold => 6,
            Self::RemoveFromCrl => 8,
            Self::PrivilegeWithdrawn => 9,
            Self::AaCompromise => 10,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub const ALL: [Self; 10] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::CaCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::CertificateHold,
        Self::RemoveFromCrl,
        Self::PrivilegeWithdrawn,
        Self::AaCompromise,
    ];

    /// Parse OpenSSL's spelling, case-insensitively; its pseudo-reasons map as `openssl ca` maps them.
    pub fn from_openssl(name: &str) -> Option<Self> {
        for (pseudo, reason) in [
            ("holdInstruction", Self::CertificateHold),
            ("keyTime", Self::KeyCompromise),
            ("CAkeyTime", Self::CaCompromise),
        ] {
            if name.eq_ignore_ascii_case(pseudo) {
                return Some(reason);
            }
        }
        Self::ALL.into_iter().find(|r| r.openssl_name().eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_round_trips() {
        for r in Reason::ALL {
            assert_eq!(Reason::from_openssl(r.openssl_name()), Some(r));
            assert_eq!(Reason::from_code(r.code()), Some(r));
        }
    }
}
