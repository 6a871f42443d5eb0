//! From an OCSP request's DER to a response's DER: status from index.txt,
//! pre-signed responses for a parent's issuer, and signed responses reused
//! while they are fresh (keyed by CertID and status, dropped on index change).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use time::{Duration, OffsetDateTime};

use super::presigned::Presigned;
use super::status::Watch;
use crate::pki::ocsp::{self, Answer, CertRef, CertState, ErrorStatus, IssuerId, ResponseSigner};

/// A signed response is reused for at most this long (and half its validity).
const REUSE_MAX: Duration = Duration::seconds(60);
/// Cached responses kept before the cache starts over.
const CACHE_MAX: usize = 100_000;

struct Cached {
    state: CertState,
    generation: u64,
    der: Arc<[u8]>,
    signed_at: OffsetDateTime,
    next_update: OffsetDateTime,
}

/// What one request was answered.
#[derive(Debug, Clone)]
pub struct Answered {
    pub der: Arc<[u8]>,
    /// `successful` or an error status name.
    pub ocsp_status: &'static str,
    /// Each CertID's serial (hex) and status.
    pub certs: Vec<(String, &'static str)>,
    /// The earliest nextUpdate of the answers (for Cache-Control).
    pub next_update: Option<OffsetDateTime>,
    pub cached: bool,
    /// Why the answer is an error, for the log.
    pub error: Option<String>,
}

impl Answered {
    fn error(status: ErrorStatus, why: impl Into<String>) -> Self {
        Self {
            der: Arc::from(ocsp::error_response(status)),
            ocsp_status: status.name(),
            certs: Vec::new(),
            next_update: None,
            cached: false,
            error: Some(why.into()),
        }
    }
}

/// The responder: one CA's issuer identity and signing key, its index, and
/// optionally a parent's pre-signed responses.
pub struct Responder {
    issuer: IssuerId,
    signer: ResponseSigner,
    index: Watch,
    validity: Duration,
    presigned: Option<Presigned>,
    cache: RwLock<HashMap<Vec<u8>, Cached>>,
}

impl Responder {
    pub fn new(
        issuer: IssuerId,
        signer: ResponseSigner,
        index: Watch,
        validity: Duration,
        presigned: Option<Presigned>,
    ) -> Self {
        Self { issuer, signer, index, validity, presigned, cache: RwLock::new(HashMap::new()) }
    }

    /// Answer the OCSP request `der`.
    pub fn answer(&self, der: &[u8], now: OffsetDateTime) -> Answered {
        let req = match ocsp::parse_request(der) {
            Ok(r) => r,
            Err(e) => return Answered::error(ErrorStatus::MalformedRequest, format!("{e:#}")),
        };
        let ours: Vec<bool> = req.ids.iter().map(|id| self.issuer.matches(id)).collect();
        if !ours.iter().any(|o| *o) {
            return self.foreign(&req.ids, now);
        }
        let table = self.index.current();
        let table = match table.as_ref() {
            Ok(t) => t,
            // Fail closed: never a stale "good".
            Err(e) => return Answered::error(ErrorStatus::InternalError, e.clone()),
        };
        let next_update = now + self.validity;
        let answers: Vec<Answer<'_>> = req
            .ids
            .iter()
            .zip(&ours)
            .map(|(id, ours)| Answer {
                id,
                // Another issuer's certificate inside a request for ours: not ours to know.
                state: if *ours { table.state(&id.serial) } else { CertState::Unknown },
                this_update: now,
                next_update,
            })
            .collect();
        let certs = answers.iter().map(|a| (a.id.serial_hex(), a.state.name())).collect();
        if answers.len() == 1 && !req.has_nonce() {
            return self.single_cached(&answers[0], table.generation, now, certs);
        }
        match self.signer.sign(&answers, Some(&req), now) {
            Ok(d) => Answered {
                der: Arc::from(d),
                ocsp_status: "successful",
                certs,
                next_update: Some(next_update),
                cached: false,
                error: None,
            },
            Err(e) => Answered::error(ErrorStatus::InternalError, format!("{e:#}")),
        }
    }

    /// A request naming no certificate of ours: a parent's pre-signed
    /// response when we hold one, else `unauthorized`.
    fn foreign(&self, ids: &[CertRef], now: OffsetDateTime) -> Answered {
        if let (Some(p), [id]) = (&self.presigned, ids) {
            if p.matches(id) {
                return match p.response(id, now) {
                    Some((der, next)) => Answered {
                        der,
                        ocsp_status: "successful",
                        certs: vec![(id.serial_hex(), "presigned")],
                        next_update: Some(next),
                        cached: true,
                        error: None,
                    },
                    None => Answered::error(
                        ErrorStatus::Unauthorized,
                        format!("no current pre-signed response for serial {}", id.serial_hex()),
                    ),
                };
            }
        }
        Answered::error(ErrorStatus::Unauthorized, "the request names another issuer's certificates")
    }

    /// One CertID without a nonce: reuse the last response for the same
    /// CertID and status while it is fresh, else sign and keep it.
    fn single_cached(
        &self,
        a: &Answer<'_>,
        generation: u64,
        now: OffsetDateTime,
        certs: Vec<(String, &'static str)>,
    ) -> Answered {
        let key = match a.id.der() {
            Ok(k) => k,
            Err(e) => return Answered::error(ErrorStatus::InternalError, format!("{e:#}")),
        };
        let reuse = REUSE_MAX.min(self.validity / 2);
        if let Ok(cache) = self.cache.read() {
            if let Some(c) = cache.get(&key) {
                if c.state == a.state && c.generation == generation && now < c.signed_at + reuse {
                    return Answered {
                        der: Arc::clone(&c.der),
                        ocsp_status: "successful",
                        certs,
                        next_update: Some(c.next_update),
                        cached: true,
                        error: None,
                    };
                }
            }
        }
        let der: Arc<[u8]> = match self.signer.sign(std::slice::from_ref(a), None, now) {
            Ok(d) => Arc::from(d),
            Err(e) => return Answered::error(ErrorStatus::InternalError, format!("{e:#}")),
        };
        if let Ok(mut cache) = self.cache.write() {
            // An index change makes every entry stale; a full cache starts over.
            if cache.len() >= CACHE_MAX || cache.values().next().is_some_and(|c| c.generation != generation) {
                cache.clear();
            }
            let c = Cached {
                state: a.state,
                generation,
                der: Arc::clone(&der),
                signed_at: now,
                next_update: a.next_update,
            };
            cache.insert(key, c);
        }
        Answered { der, ocsp_status: "successful", certs, next_update: Some(a.next_update), cached: false, error: None }
    }
}
