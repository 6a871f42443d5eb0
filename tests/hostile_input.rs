//! Hostile input the CA must refuse or survive with words: index lines written by
//! other tools, terminal escapes in names, oversized and malformed requests,
//! odd store paths and closed output streams (issue 14).

use crate::common::Env;

/// A valid index line whose subject another tool wrote with `text` as the CN.
fn foreign_index_line(env: &Env, serial: &str, subject: &str) {
    let mut index = env.index_text();
    index.push_str(&format!("V\t391231235959Z\t\t{serial}\tunknown\t{subject}\n"));
    std::fs::write(env.store().join("index.txt"), index).expect("write index");
}

fn no_panic(run: &crate::common::Run) {
    assert_ne!(run.code, 101, "panic:\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "panic:\n{}", run.stderr);
}

#[test]
fn an_escape_before_a_multibyte_character_in_an_index_subject_does_not_panic() {
    let env = Env::new().with_ca();
    foreign_index_line(&env, "0A", "/CN=\\x€");
    let list = env.run(&["list"]).ok();
    assert!(list.stdout.contains('€'), "{}", list.stdout);
    no_panic(&env.run(&["revoke", "--cn", "nobody-here"]));
    no_panic(&env.run(&["renew", "--cn", "nobody-here"]));
    no_panic(&env.run(&["revoke", "--cn", "\\x€"]));
}
