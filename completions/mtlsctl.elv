
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
            cand --color 'When to use colour on stderr'
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
            cand list 'List the store''s certificates (from index.txt)'
            cand inspect 'Decode a certificate, chain, CSR, CRL or key (PEM or DER)'
            cand completions 'Print shell completions (bash, zsh, fish, powershell, elvish)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mtlsctl;init-ca'= {
            cand --cn 'The CA''s common name'
            cand --org 'The CA''s organization (O)'
            cand --key-type 'Key algorithm of the CA'
            cand --validity 'How long the CA is valid (e.g. 10y, 3650d) [default: 10y; 5y with --parent, cut to the parent''s expiry]'
            cand --path-len 'Maximum number of intermediate CAs below this one (basicConstraints pathLen) [default: none; 0 with --parent]'
            cand --parent 'Make an intermediate CA signed by the CA of the store in DIR'
            cand --parent-passphrase-file 'Read the parent CA''s key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)'
            cand --permitted-dns 'Only allow DNS names in this domain (name constraints; repeatable)'
            cand --excluded-dns 'Never allow DNS names in this domain (name constraints; repeatable)'
            cand --passphrase-file 'Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour on stderr'
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
            cand --color 'When to use colour on stderr'
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
        &'mtlsctl;list'= {
            cand --expiring 'Only valid certificates expiring within DURATION (e.g. 7d, 24h)'
            cand --dir 'The CA store directory'
            cand --color 'When to use colour on stderr'
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
            cand --color 'When to use colour on stderr'
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
            cand --color 'When to use colour on stderr'
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
            cand list 'List the store''s certificates (from index.txt)'
            cand inspect 'Decode a certificate, chain, CSR, CRL or key (PEM or DER)'
            cand completions 'Print shell completions (bash, zsh, fish, powershell, elvish)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mtlsctl;help;init-ca'= {
        }
        &'mtlsctl;help;issue'= {
        }
        &'mtlsctl;help;list'= {
        }
        &'mtlsctl;help;inspect'= {
        }
        &'mtlsctl;help;completions'= {
        }
        &'mtlsctl;help;help'= {
        }
    ]
    $completions[$command]
}
