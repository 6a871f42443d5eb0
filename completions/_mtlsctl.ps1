
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mtlsctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mtlsctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mtlsctl' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init-ca', 'init-ca', [CompletionResultType]::ParameterValue, 'Create a root CA store (an OpenSSL `ca` directory), or an intermediate with --parent')
            [CompletionResult]::new('issue', 'issue', [CompletionResultType]::ParameterValue, 'Generate a key and a certificate for a subject in one step')
            [CompletionResult]::new('csr', 'csr', [CompletionResultType]::ParameterValue, 'Generate a key and a certificate signing request (PKCS#10)')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign a certificate request (PKCS#10) with the store''s CA')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke certificates of the store (by serial, CN or certificate file)')
            [CompletionResult]::new('gen-crl', 'gen-crl', [CompletionResultType]::ParameterValue, 'Sign and publish a CRL of every revoked certificate')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a certificate against the CA, its CRL, a purpose and a name')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Perform an mTLS handshake and explain it')
            [CompletionResult]::new('ocsp', 'ocsp', [CompletionResultType]::ParameterValue, 'Answer OCSP requests for the store''s CA, or pre-sign the answers')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the store''s certificates (from index.txt)')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Decode a certificate, chain, CSR, CRL, OCSP request or response, or key (PEM or DER)')
            [CompletionResult]::new('renew', 'renew', [CompletionResultType]::ParameterValue, 'Re-issue a certificate with the same subject, SANs and profile')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Package an issued identity as PKCS#12, a PEM bundle or a Kubernetes Secret')
            [CompletionResult]::new('nginx-config', 'nginx-config', [CompletionResultType]::ParameterValue, 'Print the nginx server block for an mTLS endpoint using this store''s files')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the store for problems: lost index lines, identities, modes, stale temp files, the CRL')
            [CompletionResult]::new('ca-urls', 'ca-urls', [CompletionResultType]::ParameterValue, 'Show or change the URLs every certificate issued from now on carries')
            [CompletionResult]::new('schedule', 'schedule', [CompletionResultType]::ParameterValue, 'Print a systemd timer or a crontab line that renews this store by itself')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mtlsctl;init-ca' {
            [CompletionResult]::new('--cn', '--cn', [CompletionResultType]::ParameterName, 'The CA''s common name [default: "mtlsctl Root CA"; "mtlsctl Intermediate CA" with --parent]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The CA''s organization (O)')
            [CompletionResult]::new('--key-type', '--key-type', [CompletionResultType]::ParameterName, 'Key algorithm of the CA')
            [CompletionResult]::new('--validity', '--validity', [CompletionResultType]::ParameterName, 'How long the CA is valid (e.g. 10y, 3650d) [default: 10y; 5y with --parent, cut to the parent''s expiry]')
            [CompletionResult]::new('--path-len', '--path-len', [CompletionResultType]::ParameterName, 'Maximum number of intermediate CAs below this one (basicConstraints pathLen) [default: none; 0 with --parent]')
            [CompletionResult]::new('--parent', '--parent', [CompletionResultType]::ParameterName, 'Make an intermediate CA signed by the CA of the store in DIR')
            [CompletionResult]::new('--parent-passphrase-file', '--parent-passphrase-file', [CompletionResultType]::ParameterName, 'Read the parent CA''s key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)')
            [CompletionResult]::new('--permitted-dns', '--permitted-dns', [CompletionResultType]::ParameterName, 'Only allow DNS names in this domain (name constraints; repeatable)')
            [CompletionResult]::new('--excluded-dns', '--excluded-dns', [CompletionResultType]::ParameterName, 'Never allow DNS names in this domain (name constraints; repeatable)')
            [CompletionResult]::new('--ocsp-url', '--ocsp-url', [CompletionResultType]::ParameterName, 'OCSP responder URL to put into every certificate this CA issues (authorityInfoAccess; http://)')
            [CompletionResult]::new('--crl-url', '--crl-url', [CompletionResultType]::ParameterName, 'CRL URL to put into every certificate this CA issues (crlDistributionPoints; http://)')
            [CompletionResult]::new('--issuer-url', '--issuer-url', [CompletionResultType]::ParameterName, 'URL of this CA''s certificate for every certificate it issues (authorityInfoAccess caIssuers; http://)')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;issue' {
            [CompletionResult]::new('--cn', '--cn', [CompletionResultType]::ParameterName, 'The subject''s common name (the identity servers see)')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The subject''s organization (O)')
            [CompletionResult]::new('--san', '--san', [CompletionResultType]::ParameterName, 'A subject alternative name: dns:NAME, ip:ADDR, uri:URI or email:ADDR (repeatable)')
            [CompletionResult]::new('--spiffe-id', '--spiffe-id', [CompletionResultType]::ParameterName, 'Make a SPIFFE X.509-SVID with this ID as its one URI SAN (peer profile unless --profile)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'What the certificate is for [default: client; peer with --spiffe-id]')
            [CompletionResult]::new('--validity', '--validity', [CompletionResultType]::ParameterName, 'How long the certificate is valid (e.g. 24h, 7d, 90d, 1y)')
            [CompletionResult]::new('--key-type', '--key-type', [CompletionResultType]::ParameterName, 'Key algorithm')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the files here instead of issued/<cn>/')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace a valid certificate already in the output directory (a revoked or expired one is replaced without it)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;csr' {
            [CompletionResult]::new('--cn', '--cn', [CompletionResultType]::ParameterName, 'The subject''s common name')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The subject''s organization (O)')
            [CompletionResult]::new('--san', '--san', [CompletionResultType]::ParameterName, 'A subject alternative name: dns:NAME, ip:ADDR, uri:URI or email:ADDR (repeatable)')
            [CompletionResult]::new('--spiffe-id', '--spiffe-id', [CompletionResultType]::ParameterName, 'Ask for a SPIFFE X.509-SVID with this ID as its one URI SAN')
            [CompletionResult]::new('--key-type', '--key-type', [CompletionResultType]::ParameterName, 'Algorithm of the new key')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Use this existing private key (PEM or DER; PKCS#8, SEC1 or PKCS#1) instead of making one')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the files here instead of ./<cn>/')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace files already in the output directory')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;sign' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'What the certificate is for [default: client; peer for a SPIFFE ID request]')
            [CompletionResult]::new('--validity', '--validity', [CompletionResultType]::ParameterName, 'How long the certificate is valid (e.g. 24h, 7d, 90d, 1y)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the files here instead of issued/<cn>/')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace a valid certificate already in the output directory (a revoked or expired one is replaced without it)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;revoke' {
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The serial number to revoke (hex, as `mtlsctl list` shows it)')
            [CompletionResult]::new('--cn', '--cn', [CompletionResultType]::ParameterName, 'Revoke every valid certificate with this common name')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (RFC 5280 reason code; OpenSSL''s spelling, e.g. keyCompromise, is accepted too)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;gen-crl' {
            [CompletionResult]::new('--next-update', '--next-update', [CompletionResultType]::ParameterName, 'How long the CRL is valid: its nextUpdate (e.g. 24h, 7d, 30d)')
            [CompletionResult]::new('--der', '--der', [CompletionResultType]::ParameterName, 'Also write the CRL in DER form to FILE')
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'With --if-due: the window, e.g. 2d or 50% (100% always regenerates) [default: 50%]')
            [CompletionResult]::new('--parent-crl', '--parent-crl', [CompletionResultType]::ParameterName, 'For an intermediate CA: the parent CAs'' CRLs (PEM) to bundle into crl/ca-chain.crl [default: the parent store''s current CRL (recorded by init-ca --parent), else those already in crl/ca-chain.crl]')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'After writing a CRL, run CMD through `sh -c` (e.g. ''nginx -s reload'': nginx reads ssl_crl only at start and reload); with --if-due only when a CRL was written')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--exclude-expired', '--exclude-expired', [CompletionResultType]::ParameterName, 'Leave out revoked certificates that have expired')
            [CompletionResult]::new('--if-due', '--if-due', [CompletionResultType]::ParameterName, 'Only regenerate when the current CRL is due: at most DURATION or PERCENT of its lifetime left (for an intermediate, also when the parent store has published a new CRL)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;verify' {
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'Trust the CAs in FILE (roots and intermediates, PEM) instead of the store''s CA')
            [CompletionResult]::new('--crl', '--crl', [CompletionResultType]::ParameterName, 'Check revocation against the CRLs in FILE (PEM or DER) instead of the store''s CRL')
            [CompletionResult]::new('--purpose', '--purpose', [CompletionResultType]::ParameterName, 'The use to check [default: each purpose the certificate''s extended key usage names]')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'Also check that the certificate is valid for this DNS name')
            [CompletionResult]::new('--ip', '--ip', [CompletionResultType]::ParameterName, 'Also check that the certificate is valid for this IP address')
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'Also check that the certificate is valid for this e-mail address')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'Verify as of TIME (RFC 3339, a date, or now+7d) instead of now')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'Accept at most N intermediate CAs between the certificate and the trust anchor (as nginx ssl_verify_depth and openssl verify -verify_depth)')
            [CompletionResult]::new('--ocsp-url', '--ocsp-url', [CompletionResultType]::ParameterName, 'Also check revocation by OCSP at URL (e.g. `mtlsctl ocsp serve`''s http://127.0.0.1:8888/)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--no-crl', '--no-crl', [CompletionResultType]::ParameterName, 'Skip the revocation check')
            [CompletionResult]::new('--ocsp', '--ocsp', [CompletionResultType]::ParameterName, 'Also check revocation by OCSP, at the responder the certificate''s authorityInfoAccess names')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;probe' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Use the store''s issued identity NAME (issued/NAME/chain.pem and key.pem)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate file (PEM; intermediates after the leaf are sent too)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key file [default: the --cert file]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust the server certificate only if one of these CAs signed it [default: the store''s CA, else the system roots]')
            [CompletionResult]::new('--servername', '--servername', [CompletionResultType]::ParameterName, 'The name to send as SNI and to check the server certificate against [default: HOST]')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, 'The path of the HTTP GET request sent after the handshake [default: /]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit for each connection: connect, handshake and answer (e.g. 5s, 1m)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Continue when the server certificate does not verify (the report still says why)')
            [CompletionResult]::new('--no-client-cert', '--no-client-cert', [CompletionResultType]::ParameterName, 'Also try without a client certificate and with an untrusted one, to show whether the server enforces mTLS')
            [CompletionResult]::new('--no-http', '--no-http', [CompletionResultType]::ParameterName, 'Send no HTTP request (for services that do not speak HTTP)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;ocsp' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run an OCSP responder (RFC 6960 over HTTP) for the store''s CA')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Pre-sign an OCSP response for every certificate in index.txt')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mtlsctl;ocsp;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'The address to listen on, exactly (IP:PORT)')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'The URL path requests come under')
            [CompletionResult]::new('--validity', '--validity', [CompletionResultType]::ParameterName, 'How long each answer is valid (its nextUpdate)')
            [CompletionResult]::new('--signer', '--signer', [CompletionResultType]::ParameterName, 'Who signs the answers')
            [CompletionResult]::new('--responder-lifetime', '--responder-lifetime', [CompletionResultType]::ParameterName, 'The lifetime of the delegated responder certificate issued at start')
            [CompletionResult]::new('--responses', '--responses', [CompletionResultType]::ParameterName, 'Also serve the pre-signed answers in DIR (`ocsp sign --out DIR` on a parent store)')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Requests answered at once (worker threads)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'The longest a client may take to send its request')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;ocsp;sign' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The directory to write the responses to')
            [CompletionResult]::new('--validity', '--validity', [CompletionResultType]::ParameterName, 'How long each response is valid (its nextUpdate)')
            [CompletionResult]::new('--signer', '--signer', [CompletionResultType]::ParameterName, 'Who signs: the CA key (default), or a responder certificate issued to outlive the responses')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;ocsp;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run an OCSP responder (RFC 6960 over HTTP) for the store''s CA')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Pre-sign an OCSP response for every certificate in index.txt')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mtlsctl;ocsp;help;serve' {
            break
        }
        'mtlsctl;ocsp;help;sign' {
            break
        }
        'mtlsctl;ocsp;help;help' {
            break
        }
        'mtlsctl;list' {
            [CompletionResult]::new('--expiring', '--expiring', [CompletionResultType]::ParameterName, 'Only valid certificates expiring within DURATION (e.g. 7d, 24h)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--revoked', '--revoked', [CompletionResultType]::ParameterName, 'Only revoked certificates')
            [CompletionResult]::new('--valid', '--valid', [CompletionResultType]::ParameterName, 'Only valid certificates (not revoked, not expired)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;inspect' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;renew' {
            [CompletionResult]::new('--cn', '--cn', [CompletionResultType]::ParameterName, 'Renew the newest certificate with this common name')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'Renew the certificate with this serial (hex, as `mtlsctl list` shows it)')
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'Only renew when at most DURATION (e.g. 8h) or PERCENT of the lifetime (e.g. 50%) remains [default with --due: 33%]')
            [CompletionResult]::new('--jitter', '--jitter', [CompletionResultType]::ParameterName, 'With --due: first sleep a random time up to DURATION, so a fleet does not renew at once')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'With --due: run CMD once through `sh -c` after at least one renewal (e.g. ''nginx -s reload'')')
            [CompletionResult]::new('--validity', '--validity', [CompletionResultType]::ParameterName, 'How long the new certificate is valid [default: the original''s lifetime]')
            [CompletionResult]::new('--key-type', '--key-type', [CompletionResultType]::ParameterName, 'Key algorithm of the new key [default: the old key''s]')
            [CompletionResult]::new('--revoke-old', '--revoke-old', [CompletionResultType]::ParameterName, 'Revoke the old certificate with this reason once the new one is recorded (e.g. superseded)')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--due', '--due', [CompletionResultType]::ParameterName, 'Renew every identity under issued/ that is due (see --before)')
            [CompletionResult]::new('--reuse-key', '--reuse-key', [CompletionResultType]::ParameterName, 'Keep the existing key (issued/<cn>/key.pem) instead of generating a new one')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;export' {
            [CompletionResult]::new('--cn', '--cn', [CompletionResultType]::ParameterName, 'The identity to export (issued/<cn>/)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to produce')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write to FILE (0600) instead of stdout; required for pkcs12')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'The PKCS#12 password (visible in `ps`; prefer --password-file)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the PKCS#12 password from the first line of FILE')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Secret name for k8s-secret [default: the CN, made a valid name]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Secret namespace for k8s-secret')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--legacy', '--legacy', [CompletionResultType]::ParameterName, 'PKCS#12 with 3DES and a SHA-1 MAC, for importers that reject AES (macOS, old Java/Windows)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;nginx-config' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The server identity (issued/<NAME>/, made with `issue --profile server`)')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address nginx listens on: PORT, ADDR:PORT, [IPv6]:PORT or unix:PATH')
            [CompletionResult]::new('--upstream', '--upstream', [CompletionResultType]::ParameterName, 'Proxy requests to URL (http:// or https://HOST[:PORT][/PATH]), with the client''s identity in X-Client-Cert-* headers [default: answer 200 with the client''s subject]')
            [CompletionResult]::new('--ocsp', '--ocsp', [CompletionResultType]::ParameterName, 'Check client certificates by OCSP at URL (`mtlsctl ocsp serve`), on every connection')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--optional', '--optional', [CompletionResultType]::ParameterName, 'ssl_verify_client optional instead of on (clients without a certificate get through)')
            [CompletionResult]::new('--no-crl', '--no-crl', [CompletionResultType]::ParameterName, 'Leave out ssl_crl (no revocation checking)')
            [CompletionResult]::new('--ocsp-chain', '--ocsp-chain', [CompletionResultType]::ParameterName, 'With --ocsp: also ask about the intermediate CAs (`ssl_ocsp on`; the root''s answers must be served too, e.g. `ocsp serve --responses`) [default for a root store]')
            [CompletionResult]::new('--ocsp-cache', '--ocsp-cache', [CompletionResultType]::ParameterName, 'With --ocsp: cache answers in nginx (a revocation then waits for the cached answer''s nextUpdate)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;check' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--repair', '--repair', [CompletionResultType]::ParameterName, 'Re-add the index lines of orphan certificates and remove stale temporary files')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;ca-urls' {
            [CompletionResult]::new('--ocsp', '--ocsp', [CompletionResultType]::ParameterName, 'The OCSP responder URL (authorityInfoAccess id-ad-ocsp)')
            [CompletionResult]::new('--crl', '--crl', [CompletionResultType]::ParameterName, 'The CRL URL (crlDistributionPoints)')
            [CompletionResult]::new('--issuer-url', '--issuer-url', [CompletionResultType]::ParameterName, 'The URL of the CA certificate (authorityInfoAccess id-ad-caIssuers)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--clear', '--clear', [CompletionResultType]::ParameterName, 'Remove all three URLs (before setting those given)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;schedule' {
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'How often the job runs (e.g. 15m, 1h, 6h, 1d)')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Command to run through `sh -c` after a new CRL and once after any renewals (e.g. ''nginx -s reload'')')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the unit files into DIR (systemd) instead of printing them')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;completions' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: in messages on stderr and in tables on stdout (auto: when that stream is a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as one JSON document on stdout; human text goes to stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only warnings and errors')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Never prompt (implied when stdin is not a terminal or CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mtlsctl;help' {
            [CompletionResult]::new('init-ca', 'init-ca', [CompletionResultType]::ParameterValue, 'Create a root CA store (an OpenSSL `ca` directory), or an intermediate with --parent')
            [CompletionResult]::new('issue', 'issue', [CompletionResultType]::ParameterValue, 'Generate a key and a certificate for a subject in one step')
            [CompletionResult]::new('csr', 'csr', [CompletionResultType]::ParameterValue, 'Generate a key and a certificate signing request (PKCS#10)')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign a certificate request (PKCS#10) with the store''s CA')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke certificates of the store (by serial, CN or certificate file)')
            [CompletionResult]::new('gen-crl', 'gen-crl', [CompletionResultType]::ParameterValue, 'Sign and publish a CRL of every revoked certificate')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a certificate against the CA, its CRL, a purpose and a name')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Perform an mTLS handshake and explain it')
            [CompletionResult]::new('ocsp', 'ocsp', [CompletionResultType]::ParameterValue, 'Answer OCSP requests for the store''s CA, or pre-sign the answers')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the store''s certificates (from index.txt)')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Decode a certificate, chain, CSR, CRL, OCSP request or response, or key (PEM or DER)')
            [CompletionResult]::new('renew', 'renew', [CompletionResultType]::ParameterValue, 'Re-issue a certificate with the same subject, SANs and profile')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Package an issued identity as PKCS#12, a PEM bundle or a Kubernetes Secret')
            [CompletionResult]::new('nginx-config', 'nginx-config', [CompletionResultType]::ParameterValue, 'Print the nginx server block for an mTLS endpoint using this store''s files')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the store for problems: lost index lines, identities, modes, stale temp files, the CRL')
            [CompletionResult]::new('ca-urls', 'ca-urls', [CompletionResultType]::ParameterValue, 'Show or change the URLs every certificate issued from now on carries')
            [CompletionResult]::new('schedule', 'schedule', [CompletionResultType]::ParameterValue, 'Print a systemd timer or a crontab line that renews this store by itself')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mtlsctl;help;init-ca' {
            break
        }
        'mtlsctl;help;issue' {
            break
        }
        'mtlsctl;help;csr' {
            break
        }
        'mtlsctl;help;sign' {
            break
        }
        'mtlsctl;help;revoke' {
            break
        }
        'mtlsctl;help;gen-crl' {
            break
        }
        'mtlsctl;help;verify' {
            break
        }
        'mtlsctl;help;probe' {
            break
        }
        'mtlsctl;help;ocsp' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run an OCSP responder (RFC 6960 over HTTP) for the store''s CA')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Pre-sign an OCSP response for every certificate in index.txt')
            break
        }
        'mtlsctl;help;ocsp;serve' {
            break
        }
        'mtlsctl;help;ocsp;sign' {
            break
        }
        'mtlsctl;help;list' {
            break
        }
        'mtlsctl;help;inspect' {
            break
        }
        'mtlsctl;help;renew' {
            break
        }
        'mtlsctl;help;export' {
            break
        }
        'mtlsctl;help;nginx-config' {
            break
        }
        'mtlsctl;help;check' {
            break
        }
        'mtlsctl;help;ca-urls' {
            break
        }
        'mtlsctl;help;schedule' {
            break
        }
        'mtlsctl;help;completions' {
            break
        }
        'mtlsctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
