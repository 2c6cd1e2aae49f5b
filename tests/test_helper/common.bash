# common.bash - loaded by every .bats file: assertion libraries, and the
# build tree's binaries first on PATH (never the installed ones).

bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

: "${top_builddir:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
: "${top_srcdir:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
export top_builddir top_srcdir
PATH="$top_builddir:$PATH"
export PATH
# Tests never depend on the user's choice of model: the build tree's
# tools read the source tree's models (an installed tool would read its
# pkgdatadir).
unset DIGIT_MODEL
DIGIT_MODEL_DIR="$top_srcdir/model"
export DIGIT_MODEL_DIR
# Numbers and sorting do not depend on the locale.
export LC_ALL=C

# need_data: skip the test unless the reference data are available.
need_data() {
    if [ -z "${DIGIT_DATA:-}" ] || [ ! -d "$DIGIT_DATA" ]; then
        skip "DIGIT_DATA is not set (reference data not available)"
    fi
}

# need_cmd CMD: skip unless an external command is installed.
need_cmd() {
    command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"
}

# pgm_size FILE: print "WIDTH HEIGHT" of the first image in a PGM.
pgm_size() {
    head -c 64 "$1" | tr -s ' \n' '  ' | awk '{print $2, $3}'
}

# write_gen FILE: copy the generator of the made-up digits used by the
# tests of digitclassify and digittrain to FILE (see
# test_helper/patterns.pl for what it draws).
write_gen() {
    cp "$top_srcdir/tests/test_helper/patterns.pl" "$1"
}

# tiny_model HIDDEN EPOCHS: in the current directory, the generator
# (gen.pl), 300 made-up training digits (train-*) and a small model
# trained on them with seed 3 (m.model).
tiny_model() {
    write_gen gen.pl
    perl gen.pl idx train 300 1
    digittrain -q --train=train --hidden="$1" --epochs="$2" --seed=3 \
        -o m.model
}

# skip_under_asan: skip a test of memory use or of the installed binaries'
# contents when the build is instrumented with AddressSanitizer (configure
# CFLAGS='-fsanitize=address'): its shadow memory defeats ulimit -v and
# RSS bounds, and it embeds the source paths.
skip_under_asan() {
    if grep -q -- '-fsanitize=address' "$top_builddir/Makefile" 2>/dev/null
    then
        skip "built with AddressSanitizer"
    fi
}
