//! Compile-time behaviour of `#[tranq::task]`: what it accepts, and the exact error (message and
//! span) for each thing it rejects.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
