#!/usr/bin/env bats
# The manual pages: clean for groff, the sections of man-pages(7) in their
# order, and every option that a tool's --help lists documented in its
# page.

bats_require_minimum_version 1.5.0

setup() {
    load test_helper/common
    need_cmd groff
}

# page_ok PAGE: the checks every page passes (skipped while it is empty).
page_ok() {
    local page=$top_srcdir/man/$1 name=${1%.*} sect=${1##*.}
    [ -s "$page" ] || skip "$1 is still empty"
    # groff has nothing to say about it, with tables too if it has any
    run groff -man -ww -z "$page"
    assert_success
    assert_output ""
    run groff -t -man -ww -z "$page"
    assert_success
    assert_output ""
    # its title and its NAME line fit the file
    run grep -m1 '^\.TH ' "$page"
    assert_output --regexp "^\.TH \"?${name^^}\"? $sect "
    run sed -n '/^\.SH NAME/{n;p;q}' "$page"
    assert_output --regexp "^$name \\\\- [a-z]"
    # the sections, all of them, in the order of man-pages(7)
    run sed -n 's/^\.SH "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$page"
    local want="NAME SYNOPSIS DESCRIPTION OPTIONS EXIT STATUS ENVIRONMENT FILES EXAMPLES SEE ALSO"
    local got
    got=$(echo "$output" | tr '\n' ' ')
    assert_equal "${got% }" "$want"
}

# options_ok TOOL: every long option of TOOL --help is in man/TOOL.1.
options_ok() {
    local tool=$1 page=$top_srcdir/man/$1.1 opt missing=()
    [ -s "$page" ] || skip "$tool.1 is still empty"
    run --separate-stderr "$tool" --help
    assert_success
    local opts
    opts=$(grep -o -- '--[a-z][a-z0-9-]*' <<< "$output" | sort -u)
    [ -n "$opts" ] || fail "no options in $tool --help"
    # the page's source with the escaped hyphens unescaped
    local text
    text=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$page")
    for opt in $opts; do
        grep -Eq -- "$opt([^a-z0-9-]|\$)" <<< "$text" || missing+=("$opt")
    done
    [ ${#missing[@]} -eq 0 ] || fail "$tool.1 lacks ${missing[*]}"
}

@test "manpages: digitclassify.1 is clean and complete" {
    page_ok digitclassify.1
}

@test "manpages: digittrain.1 is clean and complete" {
    page_ok digittrain.1
}

@test "manpages: pnmdigitprep.1 is clean and complete" {
    page_ok pnmdigitprep.1
}

@test "manpages: digitaugment.1 is clean and complete" {
    page_ok digitaugment.1
}

@test "manpages: digitmodel.5 is clean and complete" {
    page_ok digitmodel.5
}

@test "manpages: the installed helpers have clean, complete pages" {
    local tool
    for tool in digit-idx2pgm digit-get-mnist digit-get-emnist; do
        page_ok "$tool.1"
    done
    # (the downloaders take no option but --help)
    options_ok digit-idx2pgm
}

@test "manpages: digitclassify.1 documents every option of --help" {
    options_ok digitclassify
}

@test "manpages: digittrain.1 documents every option of --help" {
    options_ok digittrain
}

@test "manpages: pnmdigitprep.1 documents every option of --help" {
    options_ok pnmdigitprep
}

@test "manpages: digitaugment.1 documents every option of --help" {
    options_ok digitaugment
}

@test "manpages: the option check notices a missing option" {
    # the check itself: a page without --top must be caught
    mkdir -p "$BATS_TEST_TMPDIR/man"
    sed 's/\\-\\-top/\\-\\-pot/g' "$top_srcdir/man/digitclassify.1" \
        > "$BATS_TEST_TMPDIR/man/digitclassify.1"
    run options_ok_in "$BATS_TEST_TMPDIR" digitclassify
    assert_failure
    assert_output --partial "lacks --top"
}

# options_ok_in DIR TOOL: options_ok with DIR as the source tree.
options_ok_in() {
    local top_srcdir=$1
    options_ok "$2"
}

@test "manpages: the limits are documented where a user meets them" {
    # image sides and pixels in every tool that reads images; strips in
    # the tools that read them; model activations in digitmodel(5)
    local page
    for page in pnmdigitprep.1 digitclassify.1 digitaugment.1; do
        grep -q '65,536 pixels' "$top_srcdir/man/$page"
        grep -q '2\\(ha28 pixels' "$top_srcdir/man/$page"
    done
    grep -q '2,340' "$top_srcdir/man/digitclassify.1"
    grep -q '2,340' "$top_srcdir/man/digitaugment.1"
    grep -q '16,777,216 pixels' "$top_srcdir/man/pnmdigitprep.1"
    grep -q '1,048,576 floats' "$top_srcdir/man/digitmodel.5"
}
