
use builtin;
use str;

set edit:completion:arg-completer[mtlsctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mtlsctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mtlsctl'= {
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init-ca 'Create a root CA store (an OpenSSL `ca` directory), or an intermediate with --parent'
            cand issue 'Generate a key and a certificate for a subject in one step'
            cand csr 'Generate a key and a certificate signing request (PKCS#10)'
            cand sign 'Sign a certificate request (PKCS#10) with the store''s CA'
            cand revoke 'Revoke certificates of the store (by serial, CN or certificate file)'
            cand gen-crl 'Sign and publish a CRL of every revoked certificate'
            cand verify 'Check a certificate against the CA, its CRL, a purpose and a name'
            cand probe 'Perform an mTLS handshake and explain it'
            cand ocsp 'Answer OCSP requests for the store''s CA, or pre-sign the answers'
            cand list 'List the store''s certificates (from index.txt)'
            cand inspect 'Decode a certificate, chain, CSR, CRL, OCSP request or response, or key (PEM or DER)'
            cand renew 'Re-issue a certificate with the same subject, SANs and profile'
            cand export 'Package an issued identity as PKCS#12, a PEM bundle or a Kubernetes Secret'
            cand nginx-config 'Print the nginx server block for an mTLS endpoint using this store''s files'
            cand check 'Check the store for problems: lost index lines, identities, modes, stale temp files, the CRL'
            cand ca-urls 'Show or change the URLs every certificate issued from now on carries'
            cand schedule 'Print a systemd timer or a crontab line that renews this store by itself'
            cand completions 'Print shell completions (bash, zsh, fish, powershell, elvish)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mtlsctl;init-ca'= {
            cand --cn 'The CA''s common name [default: "mtlsctl Root CA"; "mtlsctl Intermediate CA" with --parent]'
            cand --org 'The CA''s organization (O)'
            cand --key-type 'Key algorithm of the CA'
            cand --validity 'How long the CA is valid (e.g. 10y, 3650d) [default: 10y; 5y with --parent, cut to the parent''s expiry]'
            cand --path-len 'Maximum number of intermediate CAs below this one (basicConstraints pathLen) [default: none; 0 with --parent]'
            cand --parent 'Make an intermediate CA signed by the CA of the store in DIR'
            cand --parent-passphrase-file 'Read the parent CA''s key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)'
            cand --permitted-dns 'Only allow DNS names in this domain (name constraints; repeatable)'
            cand --excluded-dns 'Never allow DNS names in this domain (name constraints; repeatable)'
            cand --ocsp-url 'OCSP responder URL to put into every certificate this CA issues (authorityInfoAccess; http://)'
            cand --crl-url 'CRL URL to put into every certificate this CA issues (crlDistributionPoints; http://)'
            cand --issuer-url 'URL of this CA''s certificate for every certificate it issues (authorityInfoAccess caIssuers; http://)'
            cand --passphrase-file 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;issue'= {
            cand --cn 'The subject''s common name (the identity servers see)'
            cand --org 'The subject''s organization (O)'
            cand --san 'A subject alternative name: dns:NAME, ip:ADDR, uri:URI or email:ADDR (repeatable)'
            cand --spiffe-id 'Make a SPIFFE X.509-SVID with this ID as its one URI SAN (peer profile unless --profile)'
            cand --profile 'What the certificate is for [default: client; peer with --spiffe-id]'
            cand --validity 'How long the certificate is valid (e.g. 24h, 7d, 90d, 1y)'
            cand --key-type 'Key algorithm'
            cand --out 'Write the files here instead of issued/<cn>/'
            cand --passphrase-file 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --force 'Replace a valid certificate already in the output directory (a revoked or expired one is replaced without it)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;csr'= {
            cand --cn 'The subject''s common name'
            cand --org 'The subject''s organization (O)'
            cand --san 'A subject alternative name: dns:NAME, ip:ADDR, uri:URI or email:ADDR (repeatable)'
            cand --spiffe-id 'Ask for a SPIFFE X.509-SVID with this ID as its one URI SAN'
            cand --key-type 'Algorithm of the new key'
            cand --key 'Use this existing private key (PEM or DER; PKCS#8, SEC1 or PKCS#1) instead of making one'
            cand --out 'Write the files here instead of ./<cn>/'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --force 'Replace files already in the output directory'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;sign'= {
            cand --profile 'What the certificate is for [default: client; peer for a SPIFFE ID request]'
            cand --validity 'How long the certificate is valid (e.g. 24h, 7d, 90d, 1y)'
            cand --out 'Write the files here instead of issued/<cn>/'
            cand --passphrase-file 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --force 'Replace a valid certificate already in the output directory (a revoked or expired one is replaced without it)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;revoke'= {
            cand --serial 'The serial number to revoke (hex, as `mtlsctl list` shows it)'
            cand --cn 'Revoke every valid certificate with this common name'
            cand --reason 'Why (RFC 5280 reason code; OpenSSL''s spelling, e.g. keyCompromise, is accepted too)'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;gen-crl'= {
            cand --next-update 'How long the CRL is valid: its nextUpdate (e.g. 24h, 7d, 30d)'
            cand --der 'Also write the CRL in DER form to FILE'
            cand --before 'With --if-due: the window, e.g. 2d or 50% (100% always regenerates) [default: 50%]'
            cand --parent-crl 'For an intermediate CA: the parent CAs'' CRLs (PEM) to bundle into crl/ca-chain.crl [default: the parent store''s current CRL (recorded by init-ca --parent), else those already in crl/ca-chain.crl]'
            cand --exec 'After writing a CRL, run CMD through `sh -c` (e.g. ''nginx -s reload'': nginx reads ssl_crl only at start and reload); with --if-due only when a CRL was written'
            cand --passphrase-file 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --exclude-expired 'Leave out revoked certificates that have expired'
            cand --if-due 'Only regenerate when the current CRL is due: at most DURATION or PERCENT of its lifetime left (for an intermediate, also when the parent store has published a new CRL)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;verify'= {
            cand --ca 'Trust the CAs in FILE (roots and intermediates, PEM) instead of the store''s CA'
            cand --crl 'Check revocation against the CRLs in FILE (PEM or DER) instead of the store''s CRL'
            cand --purpose 'The use to check [default: each purpose the certificate''s extended key usage names]'
            cand --hostname 'Also check that the certificate is valid for this DNS name'
            cand --ip 'Also check that the certificate is valid for this IP address'
            cand --email 'Also check that the certificate is valid for this e-mail address'
            cand --at 'Verify as of TIME (RFC 3339, a date, or now+7d) instead of now'
            cand --max-depth 'Accept at most N intermediate CAs between the certificate and the trust anchor (as nginx ssl_verify_depth and openssl verify -verify_depth)'
            cand --ocsp-url 'Also check revocation by OCSP at URL (e.g. `mtlsctl ocsp serve`''s http://127.0.0.1:8888/)'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --no-crl 'Skip the revocation check'
            cand --ocsp 'Also check revocation by OCSP, at the responder the certificate''s authorityInfoAccess names'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;probe'= {
            cand --name 'Use the store''s issued identity NAME (issued/NAME/chain.pem and key.pem)'
            cand --cert 'Client certificate file (PEM; intermediates after the leaf are sent too)'
            cand --key 'Client private key file [default: the --cert file]'
            cand --cacert 'Trust the server certificate only if one of these CAs signed it [default: the store''s CA, else the system roots]'
            cand --servername 'The name to send as SNI and to check the server certificate against [default: HOST]'
            cand --http 'The path of the HTTP GET request sent after the handshake [default: /]'
            cand --timeout 'Time limit for each connection: connect, handshake and answer (e.g. 5s, 1m)'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --insecure 'Continue when the server certificate does not verify (the report still says why)'
            cand --no-client-cert 'Also try without a client certificate and with an untrusted one, to show whether the server enforces mTLS'
            cand --no-http 'Send no HTTP request (for services that do not speak HTTP)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;ocsp'= {
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Run an OCSP responder (RFC 6960 over HTTP) for the store''s CA'
            cand sign 'Pre-sign an OCSP response for every certificate in index.txt'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mtlsctl;ocsp;serve'= {
            cand --listen 'The address to listen on, exactly (IP:PORT)'
            cand --prefix 'The URL path requests come under'
            cand --validity 'How long each answer is valid (its nextUpdate)'
            cand --signer 'Who signs the answers'
            cand --responder-lifetime 'The lifetime of the delegated responder certificate issued at start'
            cand --responses 'Also serve the pre-signed answers in DIR (`ocsp sign --out DIR` on a parent store)'
            cand --workers 'Requests answered at once (worker threads)'
            cand --request-timeout 'The longest a client may take to send its request'
            cand --passphrase-file 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;ocsp;sign'= {
            cand --out 'The directory to write the responses to'
            cand --validity 'How long each response is valid (its nextUpdate)'
            cand --signer 'Who signs: the CA key (default), or a responder certificate issued to outlive the responses'
            cand --passphrase-file 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;ocsp;help'= {
            cand serve 'Run an OCSP responder (RFC 6960 over HTTP) for the store''s CA'
            cand sign 'Pre-sign an OCSP response for every certificate in index.txt'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mtlsctl;ocsp;help;serve'= {
        }
        &'mtlsctl;ocsp;help;sign'= {
        }
        &'mtlsctl;ocsp;help;help'= {
        }
        &'mtlsctl;list'= {
            cand --expiring 'Only valid certificates expiring within DURATION (e.g. 7d, 24h)'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --revoked 'Only revoked certificates'
            cand --valid 'Only valid certificates (not revoked, not expired)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;inspect'= {
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;renew'= {
            cand --cn 'Renew the newest certificate with this common name'
            cand --serial 'Renew the certificate with this serial (hex, as `mtlsctl list` shows it)'
            cand --before 'Only renew when at most DURATION (e.g. 8h) or PERCENT of the lifetime (e.g. 50%) remains [default with --due: 33%]'
            cand --jitter 'With --due: first sleep a random time up to DURATION, so a fleet does not renew at once'
            cand --exec 'With --due: run CMD once through `sh -c` after at least one renewal (e.g. ''nginx -s reload'')'
            cand --validity 'How long the new certificate is valid [default: the original''s lifetime]'
            cand --key-type 'Key algorithm of the new key [default: the old key''s]'
            cand --revoke-old 'Revoke the old certificate with this reason once the new one is recorded (e.g. superseded)'
            cand --passphrase-file 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --due 'Renew every identity under issued/ that is due (see --before)'
            cand --reuse-key 'Keep the existing key (issued/<cn>/key.pem) instead of generating a new one'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;export'= {
            cand --cn 'The identity to export (issued/<cn>/)'
            cand --format 'What to produce'
            cand --out 'Write to FILE (0600) instead of stdout; required for pkcs12'
            cand --password 'The PKCS#12 password (visible in `ps`; prefer --password-file)'
            cand --password-file 'Read the PKCS#12 password from the first line of FILE'
            cand --name 'Secret name for k8s-secret [default: the CN, made a valid name]'
            cand --namespace 'Secret namespace for k8s-secret'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --legacy 'PKCS#12 with 3DES and a SHA-1 MAC, for importers that reject AES (macOS, old Java/Windows)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;nginx-config'= {
            cand --server 'The server identity (issued/<NAME>/, made with `issue --profile server`)'
            cand --listen 'Address nginx listens on: PORT, ADDR:PORT, [IPv6]:PORT or unix:PATH'
            cand --upstream 'Proxy requests to URL (http:// or https://HOST[:PORT][/PATH]), with the client''s identity in X-Client-Cert-* headers [default: answer 200 with the client''s subject]'
            cand --ocsp 'Check client certificates by OCSP at URL (`mtlsctl ocsp serve`), on every connection'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --optional 'ssl_verify_client optional instead of on (clients without a certificate get through)'
            cand --no-crl 'Leave out ssl_crl (no revocation checking)'
            cand --ocsp-chain 'With --ocsp: also ask about the intermediate CAs (`ssl_ocsp on`; the root''s answers must be served too, e.g. `ocsp serve --responses`) [default for a root store]'
            cand --ocsp-cache 'With --ocsp: cache answers in nginx (a revocation then waits for the cached answer''s nextUpdate)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;check'= {
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --repair 'Re-add the index lines of orphan certificates and remove stale temporary files'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;ca-urls'= {
            cand --ocsp 'The OCSP responder URL (authorityInfoAccess id-ad-ocsp)'
            cand --crl 'The CRL URL (crlDistributionPoints)'
            cand --issuer-url 'The URL of the CA certificate (authorityInfoAccess id-ad-caIssuers)'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --clear 'Remove all three URLs (before setting those given)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;schedule'= {
            cand --every 'How often the job runs (e.g. 15m, 1h, 6h, 1d)'
            cand --exec 'Command to run through `sh -c` after a new CRL and once after any renewals (e.g. ''nginx -s reload'')'
            cand --out 'Write the unit files into DIR (systemd) instead of printing them'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;completions'= {
            cand --dir 'The CA store directory'
            cand --color 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)'
            cand --json 'Print the result as one JSON document on stdout; human text goes to stderr'
            cand -q 'Print only warnings and errors'
            cand --quiet 'Print only warnings and errors'
            cand --batch 'Never prompt (implied when stdin is not a terminal or CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mtlsctl;help'= {
            cand init-ca 'Create a root CA store (an OpenSSL `ca` directory), or an intermediate with --parent'
            cand issue 'Generate a key and a certificate for a subject in one step'
            cand csr 'Generate a key and a certificate signing request (PKCS#10)'
            cand sign 'Sign a certificate request (PKCS#10) with the store''s CA'
            cand revoke 'Revoke certificates of the store (by serial, CN or certificate file)'
            cand gen-crl 'Sign and publish a CRL of every revoked certificate'
            cand verify 'Check a certificate against the CA, its CRL, a purpose and a name'
            cand probe 'Perform an mTLS handshake and explain it'
            cand ocsp 'Answer OCSP requests for the store''s CA, or pre-sign the answers'
            cand list 'List the store''s certificates (from index.txt)'
            cand inspect 'Decode a certificate, chain, CSR, CRL, OCSP request or response, or key (PEM or DER)'
            cand renew 'Re-issue a certificate with the same subject, SANs and profile'
            cand export 'Package an issued identity as PKCS#12, a PEM bundle or a Kubernetes Secret'
            cand nginx-config 'Print the nginx server block for an mTLS endpoint using this store''s files'
            cand check 'Check the store for problems: lost index lines, identities, modes, stale temp files, the CRL'
            cand ca-urls 'Show or change the URLs every certificate issued from now on carries'
            cand schedule 'Print a systemd timer or a crontab line that renews this store by itself'
            cand completions 'Print shell completions (bash, zsh, fish, powershell, elvish)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mtlsctl;help;init-ca'= {
        }
        &'mtlsctl;help;issue'= {
        }
        &'mtlsctl;help;csr'= {
        }
        &'mtlsctl;help;sign'= {
        }
        &'mtlsctl;help;revoke'= {
        }
        &'mtlsctl;help;gen-crl'= {
        }
        &'mtlsctl;help;verify'= {
        }
        &'mtlsctl;help;probe'= {
        }
        &'mtlsctl;help;ocsp'= {
            cand serve 'Run an OCSP responder (RFC 6960 over HTTP) for the store''s CA'
            cand sign 'Pre-sign an OCSP response for every certificate in index.txt'
        }
        &'mtlsctl;help;ocsp;serve'= {
        }
        &'mtlsctl;help;ocsp;sign'= {
        }
        &'mtlsctl;help;list'= {
        }
        &'mtlsctl;help;inspect'= {
        }
        &'mtlsctl;help;renew'= {
        }
        &'mtlsctl;help;export'= {
        }
        &'mtlsctl;help;nginx-config'= {
        }
        &'mtlsctl;help;check'= {
        }
        &'mtlsctl;help;ca-urls'= {
        }
        &'mtlsctl;help;schedule'= {
        }
        &'mtlsctl;help;completions'= {
        }
        &'mtlsctl;help;help'= {
        }
    ]
    $completions[$command]
}
