
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
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
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
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the store''s certificates (from index.txt)')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Decode a certificate, chain, CSR, CRL or key (PEM or DER)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mtlsctl;init-ca' {
            [CompletionResult]::new('--cn', '--cn', [CompletionResultType]::ParameterName, 'The CA''s common name')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The CA''s organization (O)')
            [CompletionResult]::new('--key-type', '--key-type', [CompletionResultType]::ParameterName, 'Key algorithm of the CA')
            [CompletionResult]::new('--validity', '--validity', [CompletionResultType]::ParameterName, 'How long the CA is valid (e.g. 10y, 3650d) [default: 10y; 5y with --parent, cut to the parent''s expiry]')
            [CompletionResult]::new('--path-len', '--path-len', [CompletionResultType]::ParameterName, 'Maximum number of intermediate CAs below this one (basicConstraints pathLen) [default: none; 0 with --parent]')
            [CompletionResult]::new('--parent', '--parent', [CompletionResultType]::ParameterName, 'Make an intermediate CA signed by the CA of the store in DIR')
            [CompletionResult]::new('--parent-passphrase-file', '--parent-passphrase-file', [CompletionResultType]::ParameterName, 'Read the parent CA''s key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)')
            [CompletionResult]::new('--permitted-dns', '--permitted-dns', [CompletionResultType]::ParameterName, 'Only allow DNS names in this domain (name constraints; repeatable)')
            [CompletionResult]::new('--excluded-dns', '--excluded-dns', [CompletionResultType]::ParameterName, 'Never allow DNS names in this domain (name constraints; repeatable)')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
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
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
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
        'mtlsctl;list' {
            [CompletionResult]::new('--expiring', '--expiring', [CompletionResultType]::ParameterName, 'Only valid certificates expiring within DURATION (e.g. 7d, 24h)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The CA store directory')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
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
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
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
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on stderr')
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
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the store''s certificates (from index.txt)')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Decode a certificate, chain, CSR, CRL or key (PEM or DER)')
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
        'mtlsctl;help;list' {
            break
        }
        'mtlsctl;help;inspect' {
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
