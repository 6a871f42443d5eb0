# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mtlsctl_global_optspecs
    string join \n dir= json q/quiet batch color= h/help V/version
end

function __fish_mtlsctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mtlsctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mtlsctl_using_subcommand
    set -l cmd (__fish_mtlsctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "init-ca" -d 'Create a root CA store (an OpenSSL `ca` directory), or an intermediate with --parent'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "issue" -d 'Generate a key and a certificate for a subject in one step'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "csr" -d 'Generate a key and a certificate signing request (PKCS#10)'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "sign" -d 'Sign a certificate request (PKCS#10) with the store\'s CA'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "revoke" -d 'Revoke certificates of the store (by serial, CN or certificate file)'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "gen-crl" -d 'Sign and publish a CRL of every revoked certificate'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "verify" -d 'Check a certificate against the CA, its CRL, a purpose and a name'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "probe" -d 'Perform an mTLS handshake and explain it'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "ocsp" -d 'Answer OCSP requests for the store\'s CA, or pre-sign the answers'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "list" -d 'List the store\'s certificates (from index.txt)'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "inspect" -d 'Decode a certificate, chain, CSR, CRL, OCSP request or response, or key (PEM or DER)'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "renew" -d 'Re-issue a certificate with the same subject, SANs and profile'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "export" -d 'Package an issued identity as PKCS#12, a PEM bundle or a Kubernetes Secret'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "nginx-config" -d 'Print the nginx server block for an mTLS endpoint using this store\'s files'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "check" -d 'Check the store for problems: lost index lines, identities, modes, stale temp files, the CRL'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "ca-urls" -d 'Show or change the URLs every certificate issued from now on carries'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "schedule" -d 'Print a systemd timer or a crontab line that renews this store by itself'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, powershell, elvish)'
complete -c mtlsctl -n "__fish_mtlsctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l cn -d 'The CA\'s common name [default: "mtlsctl Root CA"; "mtlsctl Intermediate CA" with --parent]' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l org -d 'The CA\'s organization (O)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l key-type -d 'Key algorithm of the CA' -r -f -a "ec-p256\t''
ec-p384\t''
ed25519\t''
rsa-2048\t''
rsa-3072\t''
rsa-4096\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l validity -d 'How long the CA is valid (e.g. 10y, 3650d) [default: 10y; 5y with --parent, cut to the parent\'s expiry]' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l path-len -d 'Maximum number of intermediate CAs below this one (basicConstraints pathLen) [default: none; 0 with --parent]' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l parent -d 'Make an intermediate CA signed by the CA of the store in DIR' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l parent-passphrase-file -d 'Read the parent CA\'s key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l permitted-dns -d 'Only allow DNS names in this domain (name constraints; repeatable)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l excluded-dns -d 'Never allow DNS names in this domain (name constraints; repeatable)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l ocsp-url -d 'OCSP responder URL to put into every certificate this CA issues (authorityInfoAccess; http://)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l crl-url -d 'CRL URL to put into every certificate this CA issues (crlDistributionPoints; http://)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l issuer-url -d 'URL of this CA\'s certificate for every certificate it issues (authorityInfoAccess caIssuers; http://)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l passphrase-file -d 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand init-ca" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -l cn -d 'The subject\'s common name (the identity servers see)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -l org -d 'The subject\'s organization (O)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -l san -d 'A subject alternative name: dns:NAME, ip:ADDR, uri:URI or email:ADDR (repeatable)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -l spiffe-id -d 'Make a SPIFFE X.509-SVID with this ID as its one URI SAN (peer profile unless --profile)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -l profile -d 'What the certificate is for [default: client; peer with --spiffe-id]' -r -f -a "client\t'TLS client authentication (EKU clientAuth)'
server\t'TLS server authentication (EKU serverAuth)'
peer\t'Both: a service that accepts and makes mTLS connections'"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -l validity -d 'How long the certificate is valid (e.g. 24h, 7d, 90d, 1y)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -l key-type -d 'Key algorithm' -r -f -a "ec-p256\t''
ec-p384\t''
ed25519\t''
rsa-2048\t''
rsa-3072\t''
rsa-4096\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -l out -d 'Write the files here instead of issued/<cn>/' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -l passphrase-file -d 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -l force -d 'Replace a valid certificate already in the output directory (a revoked or expired one is replaced without it)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand issue" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -l cn -d 'The subject\'s common name' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -l org -d 'The subject\'s organization (O)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -l san -d 'A subject alternative name: dns:NAME, ip:ADDR, uri:URI or email:ADDR (repeatable)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -l spiffe-id -d 'Ask for a SPIFFE X.509-SVID with this ID as its one URI SAN' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -l key-type -d 'Algorithm of the new key' -r -f -a "ec-p256\t''
ec-p384\t''
ed25519\t''
rsa-2048\t''
rsa-3072\t''
rsa-4096\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -l key -d 'Use this existing private key (PEM or DER; PKCS#8, SEC1 or PKCS#1) instead of making one' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -l out -d 'Write the files here instead of ./<cn>/' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -l force -d 'Replace files already in the output directory'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand csr" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand sign" -l profile -d 'What the certificate is for [default: client; peer for a SPIFFE ID request]' -r -f -a "client\t'TLS client authentication (EKU clientAuth)'
server\t'TLS server authentication (EKU serverAuth)'
peer\t'Both: a service that accepts and makes mTLS connections'"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand sign" -l validity -d 'How long the certificate is valid (e.g. 24h, 7d, 90d, 1y)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand sign" -l out -d 'Write the files here instead of issued/<cn>/' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand sign" -l passphrase-file -d 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand sign" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand sign" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand sign" -l force -d 'Replace a valid certificate already in the output directory (a revoked or expired one is replaced without it)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand sign" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand sign" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand sign" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand sign" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand revoke" -l serial -d 'The serial number to revoke (hex, as `mtlsctl list` shows it)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand revoke" -l cn -d 'Revoke every valid certificate with this common name' -r -f
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand revoke" -l reason -d 'Why (RFC 5280 reason code; OpenSSL\'s spelling, e.g. keyCompromise, is accepted too)' -r -f -a "unspecified\t''
key-compromise\t''
ca-compromise\t''
affiliation-changed\t''
superseded\t''
cessation-of-operation\t''
certificate-hold\t''
remove-from-crl\t''
privilege-withdrawn\t''
aa-compromise\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand revoke" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand revoke" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand revoke" -s y -l yes -d 'Do not ask for confirmation'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand revoke" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand revoke" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand revoke" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand revoke" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -l next-update -d 'How long the CRL is valid: its nextUpdate (e.g. 24h, 7d, 30d)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -l der -d 'Also write the CRL in DER form to FILE' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -l before -d 'With --if-due: the window, e.g. 2d or 50% (100% always regenerates) [default: 50%]' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -l parent-crl -d 'For an intermediate CA: the parent CAs\' CRLs (PEM) to bundle into crl/ca-chain.crl [default: the parent store\'s current CRL (recorded by init-ca --parent), else those already in crl/ca-chain.crl]' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -l exec -d 'After writing a CRL, run CMD through `sh -c` (e.g. \'nginx -s reload\': nginx reads ssl_crl only at start and reload); with --if-due only when a CRL was written' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -l passphrase-file -d 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -l exclude-expired -d 'Leave out revoked certificates that have expired'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -l if-due -d 'Only regenerate when the current CRL is due: at most DURATION or PERCENT of its lifetime left (for an intermediate, also when the parent store has published a new CRL)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand gen-crl" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l ca -d 'Trust the CAs in FILE (roots and intermediates, PEM) instead of the store\'s CA' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l crl -d 'Check revocation against the CRLs in FILE (PEM or DER) instead of the store\'s CRL' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l purpose -d 'The use to check [default: each purpose the certificate\'s extended key usage names]' -r -f -a "client\t'TLS client authentication (EKU clientAuth)'
server\t'TLS server authentication (EKU serverAuth)'"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l hostname -d 'Also check that the certificate is valid for this DNS name' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l ip -d 'Also check that the certificate is valid for this IP address' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l email -d 'Also check that the certificate is valid for this e-mail address' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l at -d 'Verify as of TIME (RFC 3339, a date, or now+7d) instead of now' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l max-depth -d 'Accept at most N intermediate CAs between the certificate and the trust anchor (as nginx ssl_verify_depth and openssl verify -verify_depth)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l ocsp-url -d 'Also check revocation by OCSP at URL (e.g. `mtlsctl ocsp serve`\'s http://127.0.0.1:8888/)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l no-crl -d 'Skip the revocation check'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l ocsp -d 'Also check revocation by OCSP, at the responder the certificate\'s authorityInfoAccess names'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand verify" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -l name -d 'Use the store\'s issued identity NAME (issued/NAME/chain.pem and key.pem)' -r -f
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -l cert -d 'Client certificate file (PEM; intermediates after the leaf are sent too)' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -l key -d 'Client private key file [default: the --cert file]' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -l cacert -d 'Trust the server certificate only if one of these CAs signed it [default: the store\'s CA, else the system roots]' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -l servername -d 'The name to send as SNI and to check the server certificate against [default: HOST]' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -l http -d 'The path of the HTTP GET request sent after the handshake [default: /]' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -l timeout -d 'Time limit for each connection: connect, handshake and answer (e.g. 5s, 1m)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -l insecure -d 'Continue when the server certificate does not verify (the report still says why)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -l no-client-cert -d 'Also try without a client certificate and with an untrusted one, to show whether the server enforces mTLS'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -l no-http -d 'Send no HTTP request (for services that do not speak HTTP)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand probe" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and not __fish_seen_subcommand_from serve sign help" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and not __fish_seen_subcommand_from serve sign help" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and not __fish_seen_subcommand_from serve sign help" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and not __fish_seen_subcommand_from serve sign help" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and not __fish_seen_subcommand_from serve sign help" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and not __fish_seen_subcommand_from serve sign help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and not __fish_seen_subcommand_from serve sign help" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and not __fish_seen_subcommand_from serve sign help" -f -a "serve" -d 'Run an OCSP responder (RFC 6960 over HTTP) for the store\'s CA'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and not __fish_seen_subcommand_from serve sign help" -f -a "sign" -d 'Pre-sign an OCSP response for every certificate in index.txt'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and not __fish_seen_subcommand_from serve sign help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -l listen -d 'The address to listen on, exactly (IP:PORT)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -l prefix -d 'The URL path requests come under' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -l validity -d 'How long each answer is valid (its nextUpdate)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -l signer -d 'Who signs the answers' -r -f -a "delegated\t'A responder certificate issued at start (EKU OCSPSigning); the CA key then leaves memory'
ca\t'The CA key itself'"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -l responder-lifetime -d 'The lifetime of the delegated responder certificate issued at start' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -l responses -d 'Also serve the pre-signed answers in DIR (`ocsp sign --out DIR` on a parent store)' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -l workers -d 'Requests answered at once (worker threads)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -l request-timeout -d 'The longest a client may take to send its request' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -l passphrase-file -d 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from serve" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from sign" -l out -d 'The directory to write the responses to' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from sign" -l validity -d 'How long each response is valid (its nextUpdate)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from sign" -l signer -d 'Who signs: the CA key (default), or a responder certificate issued to outlive the responses' -r -f -a "delegated\t'A responder certificate issued at start (EKU OCSPSigning); the CA key then leaves memory'
ca\t'The CA key itself'"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from sign" -l passphrase-file -d 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from sign" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from sign" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from sign" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from sign" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from sign" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from sign" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Run an OCSP responder (RFC 6960 over HTTP) for the store\'s CA'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from help" -f -a "sign" -d 'Pre-sign an OCSP response for every certificate in index.txt'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ocsp; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand list" -l expiring -d 'Only valid certificates expiring within DURATION (e.g. 7d, 24h)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand list" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand list" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand list" -l revoked -d 'Only revoked certificates'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand list" -l valid -d 'Only valid certificates (not revoked, not expired)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand list" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand list" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand list" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand list" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand inspect" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand inspect" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand inspect" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand inspect" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand inspect" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand inspect" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l cn -d 'Renew the newest certificate with this common name' -r -f
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l serial -d 'Renew the certificate with this serial (hex, as `mtlsctl list` shows it)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l before -d 'Only renew when at most DURATION (e.g. 8h) or PERCENT of the lifetime (e.g. 50%) remains [default with --due: 33%]' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l jitter -d 'With --due: first sleep a random time up to DURATION, so a fleet does not renew at once' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l exec -d 'With --due: run CMD once through `sh -c` after at least one renewal (e.g. \'nginx -s reload\')' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l validity -d 'How long the new certificate is valid [default: the original\'s lifetime]' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l key-type -d 'Key algorithm of the new key [default: the old key\'s]' -r -f -a "ec-p256\t''
ec-p384\t''
ed25519\t''
rsa-2048\t''
rsa-3072\t''
rsa-4096\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l revoke-old -d 'Revoke the old certificate with this reason once the new one is recorded (e.g. superseded)' -r -f -a "unspecified\t''
key-compromise\t''
ca-compromise\t''
affiliation-changed\t''
superseded\t''
cessation-of-operation\t''
certificate-hold\t''
remove-from-crl\t''
privilege-withdrawn\t''
aa-compromise\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l passphrase-file -d 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l due -d 'Renew every identity under issued/ that is due (see --before)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l reuse-key -d 'Keep the existing key (issued/<cn>/key.pem) instead of generating a new one'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand renew" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -l cn -d 'The identity to export (issued/<cn>/)' -r -f
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -l format -d 'What to produce' -r -f -a "pkcs12\t'PKCS#12 (.p12/.pfx): key, certificate and chain, password-protected'
bundle\t'PEM: certificate, intermediates, then the private key'
k8s-secret\t'YAML of a kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt'"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -l out -d 'Write to FILE (0600) instead of stdout; required for pkcs12' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -l password -d 'The PKCS#12 password (visible in `ps`; prefer --password-file)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -l password-file -d 'Read the PKCS#12 password from the first line of FILE' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -l name -d 'Secret name for k8s-secret [default: the CN, made a valid name]' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -l namespace -d 'Secret namespace for k8s-secret' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -l legacy -d 'PKCS#12 with 3DES and a SHA-1 MAC, for importers that reject AES (macOS, old Java/Windows)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand export" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -l server -d 'The server identity (issued/<NAME>/, made with `issue --profile server`)' -r -f
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -l listen -d 'Address nginx listens on: PORT, ADDR:PORT, [IPv6]:PORT or unix:PATH' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -l upstream -d 'Proxy requests to URL (http:// or https://HOST[:PORT][/PATH]), with the client\'s identity in X-Client-Cert-* headers [default: answer 200 with the client\'s subject]' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -l ocsp -d 'Check client certificates by OCSP at URL (`mtlsctl ocsp serve`), on every connection' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -l optional -d 'ssl_verify_client optional instead of on (clients without a certificate get through)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -l no-crl -d 'Leave out ssl_crl (no revocation checking)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -l ocsp-chain -d 'With --ocsp: also ask about the intermediate CAs (`ssl_ocsp on`; the root\'s answers must be served too, e.g. `ocsp serve --responses`) [default for a root store]'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -l ocsp-cache -d 'With --ocsp: cache answers in nginx (a revocation then waits for the cached answer\'s nextUpdate)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand nginx-config" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand check" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand check" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand check" -l repair -d 'Re-add the index lines of orphan certificates and remove stale temporary files'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand check" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand check" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand check" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand check" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ca-urls" -l ocsp -d 'The OCSP responder URL (authorityInfoAccess id-ad-ocsp)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ca-urls" -l crl -d 'The CRL URL (crlDistributionPoints)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ca-urls" -l issuer-url -d 'The URL of the CA certificate (authorityInfoAccess id-ad-caIssuers)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ca-urls" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ca-urls" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ca-urls" -l clear -d 'Remove all three URLs (before setting those given)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ca-urls" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ca-urls" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ca-urls" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ca-urls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand ca-urls" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand schedule" -l every -d 'How often the job runs (e.g. 15m, 1h, 6h, 1d)' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand schedule" -l exec -d 'Command to run through `sh -c` after a new CRL and once after any renewals (e.g. \'nginx -s reload\')' -r
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand schedule" -l out -d 'Write the unit files into DIR (systemd) instead of printing them' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand schedule" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand schedule" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand schedule" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand schedule" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand schedule" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand schedule" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand schedule" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand completions" -l dir -d 'The CA store directory' -r -F
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand completions" -l color -d 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand completions" -l json -d 'Print the result as one JSON document on stdout; human text goes to stderr'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand completions" -s q -l quiet -d 'Print only warnings and errors'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand completions" -l batch -d 'Never prompt (implied when stdin is not a terminal or CI is set)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "init-ca" -d 'Create a root CA store (an OpenSSL `ca` directory), or an intermediate with --parent'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "issue" -d 'Generate a key and a certificate for a subject in one step'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "csr" -d 'Generate a key and a certificate signing request (PKCS#10)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "sign" -d 'Sign a certificate request (PKCS#10) with the store\'s CA'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "revoke" -d 'Revoke certificates of the store (by serial, CN or certificate file)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "gen-crl" -d 'Sign and publish a CRL of every revoked certificate'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "verify" -d 'Check a certificate against the CA, its CRL, a purpose and a name'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "probe" -d 'Perform an mTLS handshake and explain it'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "ocsp" -d 'Answer OCSP requests for the store\'s CA, or pre-sign the answers'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "list" -d 'List the store\'s certificates (from index.txt)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "inspect" -d 'Decode a certificate, chain, CSR, CRL, OCSP request or response, or key (PEM or DER)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "renew" -d 'Re-issue a certificate with the same subject, SANs and profile'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "export" -d 'Package an issued identity as PKCS#12, a PEM bundle or a Kubernetes Secret'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "nginx-config" -d 'Print the nginx server block for an mTLS endpoint using this store\'s files'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "check" -d 'Check the store for problems: lost index lines, identities, modes, stale temp files, the CRL'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "ca-urls" -d 'Show or change the URLs every certificate issued from now on carries'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "schedule" -d 'Print a systemd timer or a crontab line that renews this store by itself'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, powershell, elvish)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and not __fish_seen_subcommand_from init-ca issue csr sign revoke gen-crl verify probe ocsp list inspect renew export nginx-config check ca-urls schedule completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and __fish_seen_subcommand_from ocsp" -f -a "serve" -d 'Run an OCSP responder (RFC 6960 over HTTP) for the store\'s CA'
complete -c mtlsctl -n "__fish_mtlsctl_using_subcommand help; and __fish_seen_subcommand_from ocsp" -f -a "sign" -d 'Pre-sign an OCSP response for every certificate in index.txt'
