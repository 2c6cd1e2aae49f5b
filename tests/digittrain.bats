#!/usr/bin/env bats
# digittrain: training a model on labelled digits, and scoring one.
#
# The data are made up by the tests: class 0 a horizontal bar, 1 a
# vertical bar, 2 a diagonal, each moved a little; a small network learns
# them in a fraction of a second, so the recipe, reproducibility,
# checkpoints, evaluation and the IDX reader can all be checked exactly.
# No reference data unless DIGIT_DATA.

bats_require_minimum_version 1.5.0

setup_file() {
    load test_helper/common
    cd "$BATS_FILE_TMPDIR"
    write_gen gen.pl
    perl gen.pl idx train 300 1
    perl gen.pl idx test 90 2
    # the reference run most tests compare with
    digittrain -q --train=train --hidden=32 --epochs=3 --seed=5 -o ref.model
}

setup() {
    load test_helper/common
    cd "$BATS_TEST_TMPDIR"
    D=$BATS_FILE_TMPDIR
    # the options of the reference run, but the output
    RECIPE=(--train="$D/train" --hidden=32 --epochs=3 --seed=5)
}

# crc MODEL: the checksum of the weights digitclassify --info shows.
crc() {
    digitclassify --model="$1" --info | sed -n 's/^weights_crc32=//p'
}

# meta MODEL KEY: a metadata value.
meta() {
    digitclassify --model="$1" --info | sed -n "s/^$2=//p"
}

# ---- the command line ----

@test "digittrain: --help prints every option on stdout and exits 0" {
    run --separate-stderr digittrain --help
    assert_success
    assert_equal "$stderr" ""
    assert_line --index 0 --partial "Usage: digittrain"
    for opt in --train --test --emnist --no-emnist --validation --extra \
        --extra-repeat --hidden --conv --kernel --epochs --batch --lr --seed \
        --augment --reject --output --checkpoint --resume --evaluate \
        --misclassified --join --below \
        --threads --quiet --verbose --help --version; do
        assert_output --partial -- "$opt"
    done
}

@test "digittrain: --version names the tool and the package" {
    run --separate-stderr digittrain --version
    assert_success
    assert_line --index 0 --regexp '^digittrain \(digitfilters\) [0-9]'
}

@test "digittrain: usage errors exit 2 with a hint" {
    # usage ARGS... -- TEXT: digittrain ARGS fails with TEXT and the hint
    usage() {
        local args=() text
        while [ "$1" != -- ]; do args+=("$1"); shift; done
        text=$2
        run --separate-stderr digittrain "${args[@]}"
        assert_equal "$status" 2
        assert_equal "$output" ""
        [[ $stderr == *"$text"*"Try 'digittrain --help'"* ]] ||
            fail "${args[*]}: $stderr"
    }
    usage --train="$D/train" -- "no output: give -o MODEL"
    usage -o x.model -- "no training data"
    usage --train="$D/train" -o x.model --resume -- \
        "--resume needs --checkpoint"
    usage --train="$D/train" -o x.model --hidden=a,b -- \
        "invalid number for --hidden: 'a'"
    usage --train="$D/train" -o x.model --hidden=0 -- \
        "--hidden must be between 1 and 16384"
    usage --train="$D/train" -o x.model --epochs=0 -- "--epochs"
    usage --train="$D/train" -o x.model --lr=fast -- "--lr"
    usage --train="$D/train" -o x.model --seed=-1 -- "invalid seed"
    usage --bogus -- "unrecognized option"
    usage --train="$D/train" -o x.model stray -- "unexpected operand 'stray'"
    usage --evaluate="$D/ref.model" -- "--evaluate needs --test"
    usage --evaluate="$D/ref.model" --test="$D/test" -o x.model -- \
        "--evaluate does not train"
    usage --train="$D/train" -o x.model --misclassified=m.pgm -- \
        "--misclassified goes with --evaluate"
    [ ! -e x.model ]
}

# ---- training ----

@test "digittrain: a tiny made-up set trains into a working model" {
    run --separate-stderr digittrain -q "${RECIPE[@]}" --test="$D/test" \
        -o my.model
    assert_success
    assert_equal "$stderr" ""
    run --separate-stderr digitclassify --model=my.model --info
    assert_success
    assert_line "shape=784-32-10"
    assert_line "architecture=mlp 784-32-10 relu softmax"
    assert_line "train_data=$D/train"
    assert_line "train_size=300"
    assert_line "validation=0"
    assert_line "seed=5"
    assert_line "epochs=3"
    assert_line "batch=128"
    assert_line "lr=0.5 cosine"
    assert_line "augment=no"
    assert_line "test_data=$D/test"
    assert_line "test_accuracy=100.00%"
    assert_line --regexp '^date=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'
    assert_line --regexp '^program=digittrain [0-9]'
    assert_line --regexp '^command=digittrain -q --train=.* -o my\.model$'
    # and it recognises the patterns it was trained on
    perl "$D/gen.pl" pgm 0 1 2 210 > s.pgm
    run --separate-stderr digitclassify --model=my.model s.pgm
    assert_success
    assert_equal "$output" "$(printf '0\n1\n2\n210')"
}

@test "digittrain: the model file has the layout of digitmodel(5)" {
    # magic, version, layer count, metadata length, records, exact length,
    # CRC-32 of all before it; weights_crc32 is the CRC of the parameters
    run perl -MCompress::Zlib -e '
        local $/; open my $f, "<", $ARGV[0] or die; binmode $f; $_ = <$f>;
        my ($magic, $ver, $l, $m) = unpack "a8 V V V";
        die "magic\n" unless $magic eq "DGMODEL\0";
        my ($p, @shape) = (0);
        for my $i (0 .. $l - 1) {
            my @r = unpack "V8", substr $_, 20 + 32 * $i, 32;
            die "record $i\n" if $r[0] != 1 || grep { $_ } @r[4 .. 7];
            push @shape, $r[2] if $i == 0; push @shape, $r[3];
            $p += $r[2] * $r[3] + $r[3];
        }
        my $want = 20 + 32 * $l + $m + 4 * $p + 4;
        die "length ", length, " != $want\n" if length != $want;
        die "crc\n" if crc32(substr $_, 0, -4) != unpack "V", substr $_, -4;
        my $meta = substr $_, 20 + 32 * $l, $m;
        die "meta\n" unless $meta =~ /\Aarchitecture=.*\n\z/s;
        printf "%d %s %d %08x\n", $ver, join("-", @shape), $p,
            crc32(substr $_, 20 + 32 * $l + $m, 4 * $p);' "$D/ref.model"
    assert_success
    assert_output "1 784-32-10 $((784 * 32 + 32 + 32 * 10 + 10)) $(crc "$D/ref.model")"
}

@test "digittrain: the same seed gives the same weights, another seed others" {
    digittrain -q "${RECIPE[@]}" -o again.model
    digittrain -q "${RECIPE[@]}" --seed=6 -o other.model
    assert_equal "$(crc again.model)" "$(crc "$D/ref.model")"
    [ "$(crc other.model)" != "$(crc "$D/ref.model")" ]
    # the descriptions differ only in the date, the time taken and the
    # file names
    local skip='^(file|date|command|train_data|train_seconds)='
    cmp <(digitclassify -m again.model --info | grep -Ev "$skip") \
        <(digitclassify -m "$D/ref.model" --info | grep -Ev "$skip")
}

@test "digittrain: the weights do not depend on --threads" {
    digittrain -q "${RECIPE[@]}" --threads=1 -o one.model
    digittrain -q "${RECIPE[@]}" -j2 -o two.model
    assert_equal "$(crc one.model)" "$(crc "$D/ref.model")"
    assert_equal "$(crc two.model)" "$(crc "$D/ref.model")"
}

@test "digittrain: the learning rate follows a cosine from --lr to 0" {
    # 300 items in batches of 100: 3 steps an epoch, T = 6; the last step
    # of epoch 1 is t = 2: 0.5 (1 + cos(pi 2/6)) / 2 = 0.375, of epoch 2
    # t = 5: 0.5 (1 + cos(pi 5/6)) / 2 = 0.0335
    run --separate-stderr digittrain "${RECIPE[@]}" --epochs=2 --batch=100 \
        -o x.model
    assert_success
    assert_equal "$output" ""
    run awk '{ for (i = 1; i < NF; i++) if ($i == "lr") print $(i + 1) }' \
        <<< "$stderr"
    assert_equal "$output" "$(printf '0.3750\n0.0335')"
}

@test "digittrain: one summary line per epoch in a pipe, nothing with -q" {
    run --separate-stderr digittrain "${RECIPE[@]}" --validation=30 \
        --test="$D/test" -o x.model
    assert_success
    assert_equal "${#stderr_lines[@]}" 4
    local i
    for i in 1 2 3; do
        [[ ${stderr_lines[i - 1]} =~ ^epoch\ $i/3:\ loss\ [0-9.]+\ train\ [0-9.]+%\ val\ [0-9.]+%\ \(loss\ [0-9.]+\)\ lr\ [0-9.]+\ [0-9.]+s$ ]] ||
            fail "line $i: ${stderr_lines[i - 1]}"
    done
    [[ ${stderr_lines[3]} == "digittrain: test accuracy "*"% on 90 items"* ]]
    [[ $stderr != *$'\r'* ]]
    assert_equal "$(meta x.model validation)" 30
    assert_equal "$(meta x.model train_size)" 270
    assert_equal "$output" ""
    [[ $(meta x.model validation_accuracy) =~ ^[0-9.]+%$ ]]
    run --separate-stderr digittrain -q "${RECIPE[@]}" --test="$D/test" \
        -o y.model
    assert_success
    assert_equal "$stderr" ""
}

@test "digittrain: a progress bar on a terminal or with --verbose" {
    run --separate-stderr digittrain -v "${RECIPE[@]}" -o x.model
    assert_success
    [[ $stderr == *$'\r'"epoch 1/3 ["*"] 100% loss "*" ETA "* ]]
    [[ $stderr == *"train: 300 items"* ]]
    if command -v script > /dev/null; then
        run env COLUMNS=80 script -qec "digittrain ${RECIPE[*]} -o y.model" \
            /dev/null
        assert_success
        [[ $output =~ $'\r'"epoch 3/3 ["#+"] 100%" ]]
        run script -qec "digittrain -q ${RECIPE[*]} -o z.model" /dev/null
        assert_output ""
    fi
}

@test "digittrain: the progress bar fits the terminal's width" {
    local line
    for cols in 60 80 132; do
        run --separate-stderr env COLUMNS=$cols digittrain -v "${RECIPE[@]}" \
            -o x.model
        assert_success
        # every redraw of the bar is shorter than the terminal, so it
        # never wraps; the last one of an epoch is a full bar
        while IFS= read -r -d $'\r' line; do
            line=${line%%$'\n'*}
            [[ $line == *ETA* ]] || continue
            [ ${#line} -lt "$cols" ] || { echo "$cols: '$line'"; return 1; }
        done <<< "$stderr"$'\r'
        [[ $stderr =~ $'\r'"epoch 3/3 ["(#+)"] 100%" ]]
        eval "bar$cols=${#BASH_REMATCH[1]}"
    done
    # a wider terminal gets a longer bar
    [ "$bar60" -lt "$bar80" ] && [ "$bar80" -lt "$bar132" ]
    # too narrow for a bar: the figures alone, cut to fit
    run --separate-stderr env COLUMNS=30 digittrain -v "${RECIPE[@]}" \
        -o x.model
    assert_success
    [[ $stderr == *$'\r'"epoch 3/3 100% loss"* ]]
}

@test "digittrain: no hidden layer is a softmax regression" {
    digittrain -q --train="$D/train" --hidden= --epochs=2 -o flat.model
    assert_equal "$(meta flat.model architecture)" "mlp 784-10 relu softmax"
    run digitclassify -m flat.model --info
    assert_line "parameters=7850"
}

@test "digittrain: --conv trains a small convolutional network" {
    digittrain -q --train="$D/train" --conv=4 --hidden=16 --epochs=2 \
        --seed=5 -j1 -o cnn.model
    run --separate-stderr digitclassify -m cnn.model --info
    assert_success
    assert_line "shape=784-c3x4-p2-16-10"
    assert_line "architecture=cnn 784-c3x4-p2-16-10 relu softmax"
    # 4 (1x3x3) + 4, then 4x14x14 -> 16 dense + 16, then 16x10 + 10
    assert_line "parameters=$((36 + 4 + 784 * 16 + 16 + 160 + 10))"
    perl "$D/gen.pl" pgm 0 1 2 210 > s.pgm
    run --separate-stderr digitclassify -m cnn.model s.pgm
    assert_equal "$output" "$(printf '0\n1\n2\n210')"
    # reproducible whatever the threads
    digittrain -q --train="$D/train" --conv=4 --hidden=16 --epochs=2 \
        --seed=5 -j2 -o cnn2.model
    assert_equal "$(crc cnn2.model)" "$(crc cnn.model)"
    run --separate-stderr digittrain -q --train="$D/train" --conv=4 \
        --kernel=4 -o x.model
    assert_failure 2
    [[ $stderr == *"--kernel must be odd"* ]]
}

@test "digittrain: --augment is reproducible and recorded" {
    local args=(--train="$D/train" --hidden=16 --epochs=2 --seed=4)
    digittrain -q "${args[@]}" --augment -j1 -o a1.model
    digittrain -q "${args[@]}" --augment -j2 -o a2.model
    digittrain -q "${args[@]}" --augment --no-shift -o a3.model
    digittrain -q "${args[@]}" -o plain.model
    assert_equal "$(crc a2.model)" "$(crc a1.model)"
    [ "$(crc a3.model)" != "$(crc a1.model)" ]
    [ "$(crc plain.model)" != "$(crc a1.model)" ]
    [[ $(meta a1.model augment) == *"rotate 0.7 -20,20"*"shift 0.7 -3,3"* ]]
    [[ $(meta a3.model augment) != *shift* ]]
    assert_equal "$(meta plain.model augment)" no
    run --separate-stderr digittrain -q --train="$D/train" --rotate=15 \
        -o x.model
    assert_failure 2
    [[ $stderr == *"distortion options need --augment"* ]]
}

# ---- the class "not one digit" ----

# pair N: a PGM stream of N cells holding two vertical bars side by side,
# two made-up 1s in one cell.
pair() {
    perl -e 'binmode STDOUT; for (1 .. $ARGV[0]) {
        print "P5\n28 28\n255\n";
        for my $y (0 .. 27) { for my $x (0 .. 27) {
            print chr($y >= 4 && $y <= 23 && ($x >= 8 && $x <= 10
                || $x >= 17 && $x <= 19) ? 255 : 0) } } }' "$1"
}

@test "digittrain: --reject trains an 11th class, not one digit" {
    local args=(--train="$D/train" --hidden=32 --epochs=10 --seed=1)
    run --separate-stderr digittrain "${args[@]}" --reject=0.3 \
        --validation=30 -j1 -o r.model
    assert_success
    [[ ${stderr_lines[10]} =~ ^digittrain:\ validation:\ [0-9.]+%\ of\ 30\ digits\ answered\ \'not\ one\ digit\'\;\ [0-9.]+%\ of\ 30\ reject\ examples\ recognised$ ]] ||
        fail "$stderr"
    assert_equal "$(meta r.model classes)" 11
    assert_equal "$(meta r.model reject)" 0.3
    assert_equal "$(meta r.model architecture)" "mlp 784-32-11 relu softmax"
    [[ $(meta r.model validation_rejected) =~ ^[0-9.]+%$ ]]
    [[ $(meta r.model validation_reject_recall) =~ ^[0-9.]+%$ ]]
    run digitclassify -m r.model --info
    assert_line "shape=784-32-11"
    # the made-up digits are still read, two 1s in one cell are not one
    perl "$D/gen.pl" pgm 0 1 2 210 > s.pgm
    pair 1 >> s.pgm
    run --separate-stderr digitclassify -m r.model s.pgm
    assert_success
    assert_equal "$output" "$(printf '0\n1\n2\n210\n?')"
    # reproducible whatever the threads, with distortions too; the
    # default share is 0.1
    digittrain -q "${args[@]}" --reject=0.3 --validation=30 -j2 -o r2.model
    assert_equal "$(crc r2.model)" "$(crc r.model)"
    digittrain -q "${args[@]}" --reject --augment -j1 -o a1.model
    digittrain -q "${args[@]}" --reject --augment -j2 -o a2.model
    assert_equal "$(crc a2.model)" "$(crc a1.model)"
    assert_equal "$(meta a1.model reject)" 0.1
    # without --reject: ten classes, and no keys of the eleventh
    run digitclassify -m "$D/ref.model" --info
    refute_line --regexp '^(classes|reject)='
}

@test "digittrain: --extra=DIR with --reject reads DIR/reject as not one digit" {
    mkdir -p ex/reject
    pair 40 > ex/reject/pairs.pgm
    run --separate-stderr digittrain -q --train="$D/train" --extra=ex \
        --reject=0.001 --hidden=32 --epochs=10 --seed=1 -o x.model
    assert_success
    assert_equal "$(meta x.model train_size)" 340   # 300 + 40
    perl "$D/gen.pl" pgm 0 1 2 > s.pgm
    pair 1 >> s.pgm
    run --separate-stderr digitclassify -m x.model s.pgm
    assert_equal "$output" "$(printf '0\n1\n2\n?')"
    # a ten-class model cannot learn them
    run -1 --separate-stderr digittrain -q --train="$D/train" --extra=ex \
        --hidden=32 --epochs=1 -o y.model
    assert_equal "$stderr" \
        "digittrain: ex/reject: examples of \"not one digit\" need --reject"
    [ ! -e y.model ]
}

@test "digittrain: a blank reject example is skipped, a blank digit refused" {
    mkdir -p ex/reject
    pair 5 > ex/reject/pairs.pgm
    pgmmake 0.9 40 40 > ex/reject/blank.pgm
    digittrain -q --train="$D/train" --extra=ex --reject --hidden=16 \
        --epochs=1 --seed=1 -o x.model
    assert_equal "$(meta x.model train_size)" 305   # 300 + 5, no blank
    mkdir -p ex/3
    pgmmake 0.9 40 40 > ex/3/blank.pgm
    run -1 --separate-stderr digittrain -q --train="$D/train" --extra=ex \
        --reject --hidden=16 --epochs=1 -o y.model
    [[ $stderr == *"ex/3/blank.pgm: image 1"* ]] || fail "$stderr"
    [ ! -e y.model ]
}

@test "digittrain: --reject-bias moves the prior of not one digit" {
    local args=(--train="$D/train" --hidden=32 --epochs=10 --seed=1 -j1
                --reject=0.3)
    digittrain -q "${args[@]}" -o r.model
    digittrain -q "${args[@]}" --reject-bias=-40 -o b.model
    assert_equal "$(meta b.model reject_bias)" -40
    pair 1 > p.pgm
    run digitclassify -m r.model p.pgm
    assert_output '?'
    # the same training, but "not one digit" hardly ever wins
    run digitclassify -m b.model p.pgm
    assert_output --regexp '^[0-9]$'
    run -2 --separate-stderr digittrain --train="$D/train" \
        --reject-bias=-1 -o x.model
    [[ $stderr == *"--reject-bias needs --reject"* ]]
    run -2 --separate-stderr digittrain --train="$D/train" --reject \
        --reject-bias=-99 -o x.model
}

@test "digittrain: --reject takes a share between 0.001 and 0.9, to train" {
    local bad
    for bad in 0 1 x -0.1; do
        run --separate-stderr digittrain -q --train="$D/train" \
            --reject="$bad" -o x.model
        assert_failure 2
        [[ $stderr == *"--reject"*"Try 'digittrain --help'"* ]] ||
            fail "$bad: $stderr"
    done
    run --separate-stderr digittrain --evaluate="$D/ref.model" \
        --test="$D/test" --reject
    assert_failure 2
    [[ $stderr == *"--evaluate does not train: drop --reject"* ]]
    [ ! -e x.model ]
}

@test "digittrain: a checkpoint with another number of classes is not resumed" {
    digittrain -q "${RECIPE[@]}" --checkpoint=ten.ckpt -o x.model
    run --separate-stderr digittrain -q "${RECIPE[@]}" --reject \
        --checkpoint=ten.ckpt --resume -o y.model
    assert_failure 1
    assert_equal "$stderr" \
        "digittrain: cannot resume: ten.ckpt has 10 classes, not 11 (--reject)"
    digittrain -q "${RECIPE[@]}" --reject --checkpoint=eleven.ckpt -o z.model
    run --separate-stderr digittrain -q "${RECIPE[@]}" \
        --checkpoint=eleven.ckpt --resume -o y.model
    assert_failure 1
    [[ $stderr == *"eleven.ckpt has 11 classes, not 10 (no --reject)"* ]]
    run --separate-stderr digittrain -q "${RECIPE[@]}" --reject=0.2 \
        --checkpoint=eleven.ckpt --resume -o y.model
    assert_failure 1
    [[ $stderr == *"eleven.ckpt was made with reject=0.1, not 0.2"* ]]
    [ ! -e y.model ]
    # the same recipe resumes
    run --separate-stderr digittrain -q "${RECIPE[@]}" --reject \
        --checkpoint=eleven.ckpt --resume -o y.model
    assert_success
    assert_equal "$(crc y.model)" "$(crc z.model)"
}

@test "digittrain: --evaluate counts an answer 'not one digit' as wrong" {
    digittrain -q --train="$D/train" --hidden=32 --epochs=10 --seed=1 \
        --reject=0.3 -o r.model
    # ten cells of two 1s each, labelled 1
    pair 10 | perl -e 'binmode STDIN; local $/; my $d = <STDIN>;
        my @img = $d =~ /P5\n28 28\n255\n(.{784})/sg;
        open my $i, ">", "pairs-images-idx3-ubyte" or die;
        open my $l, ">", "pairs-labels-idx1-ubyte" or die;
        print $i pack("N4", 0x803, scalar @img, 28, 28), @img;
        print $l pack("N2", 0x801, scalar @img), "\1" x @img;'
    run --separate-stderr digittrain --evaluate=r.model --test=pairs \
        --misclassified=wrong.pgm
    assert_success
    assert_line --index 3 "$(printf 'accuracy\t0.00%%')"
    assert_line --index 4 "$(printf 'errors\t10')"
    assert_line --index 6 "$(printf 'rejected\t10')"
    assert_line --index 7 \
        "$(printf 'true\\pred\t0\t1\t2\t3\t4\t5\t6\t7\t8\t9\t?\trecall')"
    assert_line --index 9 \
        "$(printf '1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t10\t0.00%%')"
    # the montage labels them "1>?": the top row of the 5x7 '?' is .###.
    run pnmfile wrong.pgm
    assert_output "wrong.pgm:	PGM raw, 300 by 51  maxval 255"
    run bash -c 'tail -c $((300 * 51)) wrong.pgm |
        od -An -v -tu1 -j $((42 * 300 + 18)) -N 5 | tr -s " \n" "  "'
    assert_output " 0 255 255 255 0 "
    # the made-up digits: no '?', the same report as a 10-class model's
    run --separate-stderr digittrain --evaluate=r.model --test="$D/test"
    assert_line --index 3 "$(printf 'accuracy\t100.00%%')"
    assert_line --index 6 "$(printf 'rejected\t0')"
}

# ---- checkpoints ----

@test "digittrain: --checkpoint saves the model after every epoch" {
    run --separate-stderr digittrain -q "${RECIPE[@]}" --checkpoint=run.ckpt \
        -o x.model
    assert_success
    assert_equal "$(meta run.ckpt epochs_done)" 3
    assert_equal "$(crc run.ckpt)" "$(crc "$D/ref.model")"
    assert_equal "$(meta run.ckpt seed)" 5
    # a finished checkpoint: nothing left to train, same weights
    run --separate-stderr digittrain "${RECIPE[@]}" --checkpoint=run.ckpt \
        --resume -o again.model
    assert_success
    [[ $stderr == *"all 3 epochs already done"* ]]
    assert_equal "$(crc again.model)" "$(crc "$D/ref.model")"
    # --resume without a checkpoint yet starts afresh
    digittrain -q "${RECIPE[@]}" --checkpoint=new.ckpt --resume -o new.model
    assert_equal "$(crc new.model)" "$(crc "$D/ref.model")"
}

@test "digittrain: a run resumed after a failure ends as an uninterrupted one" {
    # Stop a 10-epoch run at its 10th checkpoint: the file size limit is
    # set so that epochs_done=9 just fits and epochs_done=10 (one byte
    # more) does not; the train prefix is padded with slashes (recorded in
    # the metadata) to put the size on a limit boundary.
    local args=(--hidden=16 --epochs=10 --seed=9)
    digittrain -q --train="$D/train" "${args[@]}" --checkpoint=full.ckpt \
        -o full.model
    local s10 s9 pad slashes limit
    s10=$(stat -c %s full.ckpt)
    s9=$((s10 - 1))
    pad=$(((1024 - s9 % 1024) % 1024))
    slashes=$(printf "%${pad}s" "" | tr ' ' /)
    limit=$(((s9 + pad) / 1024))
    local prefix="$D$slashes/train"
    mkdir w
    run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f "$1"; shift;
        exec digittrain "$@"' _ "$limit" -q --train="$prefix" "${args[@]}" \
        --checkpoint=w/cut.ckpt -o w/cut.model
    assert_failure 1
    [[ $stderr == *"w/cut.ckpt: write error"* ]] || fail "$stderr"
    # the last good checkpoint is intact, and no temporary file is left
    assert_equal "$(ls -A w)" cut.ckpt
    assert_equal "$(meta w/cut.ckpt epochs_done)" 9
    run --separate-stderr digittrain --train="$prefix" "${args[@]}" \
        --checkpoint=w/cut.ckpt --resume -o resumed.model
    assert_success
    assert_equal "${#stderr_lines[@]}" 1
    [[ ${stderr_lines[0]} == "epoch 10/10: "* ]]
    assert_equal "$(crc resumed.model)" "$(crc full.model)"
}

@test "digittrain: --momentum keeps its velocity beside the checkpoint, and resumes as uninterrupted" {
    # As above: stop a 10-epoch run at its 10th checkpoint; the velocity
    # of an epoch is written before its checkpoint, so both stay at 9.
    local args=(--hidden=16 --epochs=10 --seed=9 --momentum=0.9 --lr=0.05)
    digittrain -q --train="$D/train" "${args[@]}" --checkpoint=full.ckpt \
        -o full.model
    assert_equal "$(meta full.model momentum)" 0.9
    assert_equal "$(meta full.ckpt.velocity epochs_done)" 10
    digittrain -q --train="$D/train" --hidden=16 --epochs=10 --seed=9 \
        --lr=0.05 --checkpoint=plain.ckpt -o plain.model
    [ "$(crc plain.model)" != "$(crc full.model)" ]
    [ ! -e plain.ckpt.velocity ]
    # at a small learning rate, momentum gets further in 3 epochs
    local lp lm
    lp=$(digittrain --train="$D/train" --hidden=16 --epochs=3 --seed=9 \
        --lr=0.02 -o lp.model 2>&1 | awk '/^epoch 3\/3:/ { print $4 }')
    lm=$(digittrain --train="$D/train" --hidden=16 --epochs=3 --seed=9 \
        --lr=0.02 --momentum=0.9 -o lm.model 2>&1 |
        awk '/^epoch 3\/3:/ { print $4 }')
    echo "loss plain $lp momentum $lm"
    awk -v p="$lp" -v m="$lm" 'BEGIN { exit !(m > 0 && m < 0.8 * p) }'
    # The model file pads its text to 4 bytes, so epochs_done=10 takes
    # one byte more than =9 only at one length of the text in four: try
    # the four lengths of the prefix (the velocity fails first).
    local s10 s9 pad slashes limit extra prefix
    s10=$(stat -c %s full.ckpt)
    s9=$((s10 - 1))
    pad=$(((1024 - s9 % 1024) % 1024))
    limit=$(((s9 + pad) / 1024))
    for extra in 0 1 2 3 4 5 6 7; do
        slashes=$(printf "%$((pad + extra))s" "" | tr ' ' /)
        prefix="$D$slashes/train"
        rm -rf w
        mkdir w
        run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f "$1"; shift;
            exec digittrain "$@"' _ "$limit" -q --train="$prefix" \
            "${args[@]}" --checkpoint=w/cut.ckpt -o w/cut.model
        [ -e w/cut.ckpt ] && [ "$(meta w/cut.ckpt epochs_done)" = 9 ] && break
    done
    assert_failure 1
    [[ $stderr == *"w/cut.ckpt.velocity: write error"* ]] || fail "$stderr"
    assert_equal "$(ls -A w | tr '\n' ' ')" "cut.ckpt cut.ckpt.velocity "
    assert_equal "$(meta w/cut.ckpt epochs_done)" 9
    assert_equal "$(meta w/cut.ckpt.velocity epochs_done)" 9
    cp w/cut.ckpt w/cut.ckpt.velocity .
    run --separate-stderr digittrain -q --train="$prefix" "${args[@]}" \
        --checkpoint=w/cut.ckpt --resume -o resumed.model
    assert_success
    assert_equal "$(crc resumed.model)" "$(crc full.model)"
    # a checkpoint whose velocity is missing, or of another epoch, is
    # not resumed
    mkdir v
    cp cut.ckpt v/cut.ckpt
    run --separate-stderr digittrain -q --train="$prefix" "${args[@]}" \
        --checkpoint=v/cut.ckpt --resume -o v/x.model
    assert_failure 1
    [[ $stderr == *"cannot resume: v/cut.ckpt.velocity"* ]] || fail "$stderr"
    cp full.ckpt.velocity v/cut.ckpt.velocity
    run --separate-stderr digittrain -q --train="$prefix" "${args[@]}" \
        --checkpoint=v/cut.ckpt --resume -o v/x.model
    assert_failure 1
    [[ $stderr == *"is not the velocity of v/cut.ckpt after 9 epochs"* ]] ||
        fail "$stderr"
    [ ! -e v/x.model ]
    # nor is a plain run's checkpoint by a run with momentum
    run --separate-stderr digittrain -q --train="$D/train" "${args[@]}" \
        --checkpoint=plain.ckpt --resume -o v/x.model
    assert_failure 1
    [[ $stderr == *"plain.ckpt was made with momentum=0, not 0.9"* ]] ||
        fail "$stderr"
}

@test "digittrain: a checkpoint of another recipe is not resumed" {
    digittrain -q "${RECIPE[@]}" --checkpoint=run.ckpt -o x.model
    run --separate-stderr digittrain -q "${RECIPE[@]}" --seed=6 \
        --checkpoint=run.ckpt --resume -o y.model
    assert_failure 1
    [[ $stderr == *"cannot resume: run.ckpt was made with seed=5, not 6"* ]]
    run --separate-stderr digittrain -q "${RECIPE[@]}" --hidden=16 \
        --checkpoint=run.ckpt --resume -o y.model
    assert_failure 1
    [[ $stderr == *"cannot resume: run.ckpt was made with architecture="* ]]
    [ ! -e y.model ]
}

# ---- evaluation ----

@test "digittrain: --evaluate prints accuracy and a 10x10 confusion matrix" {
    run --separate-stderr digittrain --evaluate="$D/ref.model" \
        --test="$D/test"
    assert_success
    assert_line --index 0 "$(printf 'model\t%s' "$D/ref.model")"
    assert_line --index 1 "$(printf 'set\t%s' "$D/test")"
    assert_line --index 2 "$(printf 'items\t90')"
    assert_line --index 3 "$(printf 'accuracy\t100.00%%')"
    assert_line --index 4 "$(printf 'errors\t0')"
    assert_line --index 6 \
        "$(printf 'true\\pred\t0\t1\t2\t3\t4\t5\t6\t7\t8\t9\trecall')"
    run awk -F'\t' 'NR > 8 { if (NF != 12 || $1 != NR - 9) exit 1
        for (i = 2; i <= 11; i++) if ($i != ($1 < 3 && i == $1 + 2 ? 30 : 0))
            exit 1; n++ } END { exit n != 10 }' <<< "$output"
    assert_success
}

@test "digittrain: --join makes a cascade that digitclassify reads" {
    digittrain -q "${RECIPE[@]}" --hidden=16 --seed=6 -o second.model
    # the second network answers every cell (--below=1), none (1e-30)
    digittrain --join="$D/ref.model" --join=second.model --below=1 -o all.model
    digittrain --join="$D/ref.model" --join=second.model --below=1e-30 \
        -o none.model
    run digitclassify --model=all.model --info
    assert_success
    assert_line --index 1 "shape=784-32-10"
    assert_line "cascade=2 networks"
    assert_line "network2_shape=784-16-10"
    assert_line "network2_weights_crc32=$(crc second.model)"
    assert_line "network2_cascade_below=1"
    assert_equal "$(crc all.model)" "$(crc "$D/ref.model")"
    # one threshold for each later network
    digittrain --join="$D/ref.model" --join=second.model \
        --join="$D/ref.model" --below=0.75,0.5 -o three.model
    run digitclassify --model=three.model --info
    assert_line "cascade=3 networks"
    assert_line "network2_cascade_below=0.75"
    assert_line "network3_cascade_below=0.5"
    perl "$D/gen.pl" pgm 0120 1201 2012 0021 1102 2210 0000 1111 2222 0212 \
        > cells.pgm
    digitclassify --model="$D/ref.model" -f tsv cells.pgm > first.tsv
    digitclassify --model=second.model -f tsv cells.pgm > second.tsv
    digitclassify --model=none.model -f tsv cells.pgm > none.tsv
    digitclassify --model=all.model -f tsv cells.pgm > all.tsv
    # a cascade whose second network is never asked answers as the first
    cmp first.tsv none.tsv
    # asked about every cell: the geometric mean of the two, normalised
    run awk -F'\t' 'NR == FNR { if (FNR > 1) { s = 0
            for (k = 5; k <= 14; k++) s += (g[FNR, k] = sqrt($k * $(k + 14)))
            for (k = 5; k <= 14; k++) g[FNR, k] /= s }; next }
        FNR > 1 { for (k = 5; k <= 14; k++) {
            d = $k - g[FNR, k]; if (d > 5e-6 || d < -5e-6) bad++ }; n++ }
        END { exit !(n == 40 && bad == 0) }' <(paste first.tsv second.tsv) \
        all.tsv
    assert_success
}

@test "digittrain: --join refuses what does not make a cascade" {
    run --separate-stderr digittrain --join="$D/ref.model" -o x.model
    assert_failure 2
    [[ $stderr == *"needs two networks"* ]] || fail "$stderr"
    run --separate-stderr digittrain --below=0.5 "${RECIPE[@]}" -o x.model
    assert_failure 2
    [[ $stderr == *"--below goes with --join"* ]] || fail "$stderr"
    run --separate-stderr digittrain --join="$D/ref.model" \
        --join="$D/ref.model" "${RECIPE[@]}" -o x.model
    assert_failure 2
    run --separate-stderr digittrain --join="$D/ref.model" \
        --join="$D/ref.model" --below=0 -o x.model
    assert_failure 2
    # a list of thresholds: one for each later network, no more, no less
    run --separate-stderr digittrain --join="$D/ref.model" \
        --join="$D/ref.model" --below=0.9,0.5 -o x.model
    assert_failure 2
    [[ $stderr == *"--below: 2 thresholds for 1 later network "* ]] ||
        fail "$stderr"
    run --separate-stderr digittrain --join="$D/ref.model" \
        --join="$D/ref.model" --below=0.9,0 -o x.model
    assert_failure 2
    run --separate-stderr digittrain --join="$D/ref.model" \
        --join="$D/ref.model" --below=, -o x.model
    assert_failure 2
    [ ! -e x.model ]
    run --separate-stderr digittrain --join="$D/ref.model" \
        --join="$D/ref.model"
    assert_failure 2
    # classes that differ, a cascade as a network, a missing file: exit 1
    digittrain -q "${RECIPE[@]}" --reject -o eleven.model
    run --separate-stderr digittrain --join="$D/ref.model" \
        --join=eleven.model -o x.model
    assert_failure 1
    [[ $stderr == *"eleven.model: the networks do not fit together"* ]] ||
        fail "$stderr"
    digittrain --join="$D/ref.model" --join="$D/ref.model" -o two.model
    run --separate-stderr digittrain --join=two.model \
        --join="$D/ref.model" -o x.model
    assert_failure 1
    [[ $stderr == *"two.model: already a cascade"* ]] || fail "$stderr"
    run --separate-stderr digittrain --join="$D/ref.model" --join=nope.model \
        -o x.model
    assert_failure 1
    [[ $stderr == *"nope.model"* ]] || fail "$stderr"
    [ ! -e x.model ]
    # a cascade is not a checkpoint to resume
    cp two.model ck.model
    run --separate-stderr digittrain "${RECIPE[@]}" --checkpoint=ck.model \
        --resume -o y.model
    assert_failure 1
    [[ $stderr == *"not a checkpoint"* ]] || fail "$stderr"
}

@test "digittrain: --misclassified writes a montage of the errors" {
    # the transposed test set read upright: bars swap, diagonals stay
    perl "$D/gen.pl" idx side 90 2 t
    run --separate-stderr digittrain --evaluate="$D/ref.model" --test=side \
        --misclassified=wrong.pgm
    assert_success
    local errors
    errors=$(sed -n 's/^errors\t//p' <<< "$output")
    (( errors >= 60 && errors <= 90 ))
    local rows=$(((errors + 19) / 20)) h
    h=$((11 + rows * 40))
    run pnmfile wrong.pgm
    assert_output "wrong.pgm:	PGM raw, 600 by $h  maxval 255"
    # the legend on top, from (2,2): the 5x7 'T' of TRUE>ANSWER starts
    # with a full row.  The first tile, at (0,11), holds item 1, a 0
    # stored as a vertical bar: at (1,12) its 28x28 image (row 10 has the
    # bar's 3 pixels, row 1 none); below it at (6,42) the label "0>1" in
    # 5x7 glyphs one column apart: the top rows of 0 and 1 are .###. and
    # ..#..
    row() {   # row X Y N: N samples of the montage from (X, Y)
        tail -c $((600 * h)) wrong.pgm |
            od -An -v -tu1 -j $(($2 * 600 + $1)) -N "$3" | tr -s ' \n' '  '
    }
    assert_equal "$(row 2 2 5)" " 255 255 255 255 255 "
    assert_equal "$(row 1 22 28 | tr ' ' '\n' | grep -c '^255$')" 3
    assert_equal "$(row 1 13 28 | tr ' ' '\n' | grep -c '^255$')" 0
    assert_equal "$(row 6 42 5)" " 0 255 255 255 0 "
    assert_equal "$(row 18 42 5)" " 0 0 255 0 0 "
    # no errors: the legend over one empty tile
    digittrain --evaluate="$D/ref.model" --test="$D/test" \
        --misclassified=none.pgm > /dev/null
    run pnmfile none.pgm
    assert_output "none.pgm:	PGM raw, 171 by 51  maxval 255"
}

@test "digittrain: --evaluate refuses a model that is not a digit model" {
    # a valid model file (digitmodel(5)) of one dense 784 -> 12 layer
    # whose 12th output always wins: not 10 classes, so not a digit model
    perl -MCompress::Zlib -e '
        my $meta = "architecture=by hand\n";
        my @p = ((0) x (784 * 12), (0) x 12);
        $p[784 * 12 + 11] = 5;
        my $b = "DGMODEL\0" . pack("V3", 1, 1, length $meta)
            . pack("V8", 1, 2, 784, 12, 0, 0, 0, 0) . $meta . pack("f<*", @p);
        binmode STDOUT; print $b, pack("V", crc32($b))' > twelve.model
    run --separate-stderr digittrain --evaluate=twelve.model \
        --test="$D/test" --misclassified=wrong.pgm
    assert_failure 1
    [[ $stderr == *"twelve.model"*"not a digit model"* ]] || fail "$stderr"
    run --separate-stderr digittrain --evaluate=twelve.model --test="$D/test"
    assert_failure 1
}

# ---- data ----

@test "digittrain: EMNIST files are un-transposed, by name or by option" {
    perl "$D/gen.pl" idx emnist-digits-test 90 2 t
    perl "$D/gen.pl" idx plain 90 2 t
    # accuracy M ARGS...: the accuracy --evaluate reports
    accuracy() {
        digittrain --evaluate="$D/ref.model" "$@" | sed -n 's/^accuracy\t//p'
    }
    assert_equal "$(accuracy --test=emnist-digits-test)" "100.00%"
    assert_equal "$(accuracy --test=plain --emnist)" "100.00%"
    local a
    for a in "$(accuracy --test=emnist-digits-test --no-emnist)" \
        "$(accuracy --test=plain)"; do
        awk -v a="${a%\%}" 'BEGIN { exit !(a < 50) }'
    done
    # training on a transposed EMNIST-named set learns the same weights
    perl "$D/gen.pl" idx emnist-digits-train 300 1 t
    digittrain -q --train=emnist-digits-train --hidden=32 --epochs=3 \
        --seed=5 -o e.model
    assert_equal "$(crc e.model)" "$(crc "$D/ref.model")"
    run --separate-stderr digittrain -v --train=emnist-digits-train \
        --hidden=32 --epochs=1 -o v.model
    [[ $stderr == *"300 items (EMNIST, un-transposed)"* ]]
}

@test "digittrain: gzip-compressed IDX files give the same model" {
    gzip -c "$D/train-images-idx3-ubyte" > gz-images-idx3-ubyte.gz
    gzip -c "$D/train-labels-idx1-ubyte" > gz-labels-idx1-ubyte.gz
    digittrain -q --train=gz --hidden=32 --epochs=3 --seed=5 -o gz.model
    assert_equal "$(crc gz.model)" "$(crc "$D/ref.model")"
}

@test "digittrain: the images.idx3-ubyte spelling is found too" {
    cp "$D/train-images-idx3-ubyte" train-images.idx3-ubyte
    cp "$D/train-labels-idx1-ubyte" train-labels.idx1-ubyte
    run digittrain -q --train=train --hidden=32 --epochs=3 --seed=5 \
        -o dot.model
    assert_success
    assert_equal "$(crc dot.model)" "$(crc "$D/ref.model")"
}

@test "digittrain: bad IDX files are refused, naming the file" {
    # refused PREFIX TEXT: training on PREFIX fails with TEXT
    refused() {
        run --separate-stderr digittrain -q --train="$1" -o x.model
        assert_failure 1
        assert_equal "$output" ""
        [[ $stderr == "digittrain: "*"$2"* ]] || fail "$1: $stderr"
        [ ! -e x.model ]
    }
    refused nosuch "nosuch-images-idx3-ubyte[.gz]: no such file"
    head -c 5000 "$D/train-images-idx3-ubyte" > cut-images-idx3-ubyte
    cp "$D/train-labels-idx1-ubyte" cut-labels-idx1-ubyte
    refused cut "cut-images-idx3-ubyte: truncated IDX data"
    gzip -c "$D/train-images-idx3-ubyte" | head -c 1000 \
        > cutgz-images-idx3-ubyte.gz
    cp "$D/train-labels-idx1-ubyte" cutgz-labels-idx1-ubyte
    refused cutgz "cutgz-images-idx3-ubyte.gz: "
    head -c 5000 /dev/zero | tr '\0' 'g' > junk-images-idx3-ubyte
    cp "$D/train-labels-idx1-ubyte" junk-labels-idx1-ubyte
    refused junk "junk-images-idx3-ubyte: bad magic: not an IDX file"
    { cat "$D/train-images-idx3-ubyte"; printf x; } > long-images-idx3-ubyte
    cp "$D/train-labels-idx1-ubyte" long-labels-idx1-ubyte
    refused long "long-images-idx3-ubyte: trailing data"
    cp "$D/train-images-idx3-ubyte" few-images-idx3-ubyte
    perl "$D/gen.pl" idx ten 10 1
    cp ten-labels-idx1-ubyte few-labels-idx1-ubyte
    refused few "few-labels-idx1-ubyte: 10 labels for 300 images"
    cp ten-images-idx3-ubyte label-images-idx3-ubyte
    perl -e 'print pack("N2", 0x801, 10), pack("C*", 0 .. 8, 12)' \
        > label-labels-idx1-ubyte
    refused label "label-labels-idx1-ubyte: label 10 is 12, not a digit"
    perl -e 'print pack("N4", 0x803, 1, 16, 16), "\0" x 256' \
        > small-images-idx3-ubyte
    perl -e 'print pack("N2", 0x801, 1), "\1"' > small-labels-idx1-ubyte
    refused small "small-images-idx3-ubyte: images are not 28x28"
    # a header that claims far more than the file holds
    perl -e 'print pack("N4", 0x803, 2000000, 28, 28), "\0" x 784' \
        > liar-images-idx3-ubyte
    cp ten-labels-idx1-ubyte liar-labels-idx1-ubyte
    refused liar "liar-images-idx3-ubyte: truncated IDX data"
}

@test "digittrain: custom digit folders are added, preprocessed" {
    # bars drawn dark (50) on light paper (230), much larger than a cell;
    # two images in the second file of each class
    scan() {   # scan CLASS SHIFT...: a PGM stream of bars
        perl -e 'my $c = shift; binmode STDOUT;
            for my $d (@ARGV) {
                my ($w, $h) = $c ? (70, 90) : (90, 70);
                print "P5\n$w $h\n255\n";
                for my $y (0 .. $h - 1) { for my $x (0 .. $w - 1) {
                    my ($u, $v) = $c ? ($y, $x) : ($x, $y);
                    print chr($u >= 10 + $d && $u <= 75 + $d
                              && $v >= 30 && $v <= 40 ? 50 : 230) } }
            }' "$@"
    }
    mkdir -p mine/0 mine/1
    scan 0 1 > mine/0/a.pgm
    scan 0 2 3 > mine/0/b.pgm
    scan 1 1 > mine/1/a.pgm
    scan 1 2 3 > mine/1/b.pgm
    run --separate-stderr digittrain -q --extra=mine --extra-repeat=4 \
        --hidden=16 --epochs=5 -o mine.model
    assert_success
    assert_equal "$(meta mine.model train_size)" 24
    assert_equal "$(meta mine.model train_data)" mine
    perl "$D/gen.pl" pgm 0 1 10 > s.pgm
    run digitclassify -m mine.model s.pgm
    assert_equal "$output" "$(printf '0\n1\n10')"
    # with --train too: both are used
    digittrain -q --train="$D/train" --extra=mine --hidden=16 --epochs=1 \
        -o both.model
    assert_equal "$(meta both.model train_size)" 306
    assert_equal "$(meta both.model train_data)" "$D/train + mine"
    # an empty folder set is refused
    mkdir -p none/3
    run --separate-stderr digittrain -q --extra=none -o x.model
    assert_failure 1
    [[ $stderr == *"none: no images in"* ]]
    # a file that is not an image names the file
    printf 'not an image' > mine/1/bad.pgm
    run --separate-stderr digittrain -q --extra=mine -o x.model
    assert_failure 1
    [[ $stderr == *"mine/1/bad.pgm: image 1"* ]]
}

# ---- output ----

@test "digittrain: an unwritable output fails and leaves no temporary file" {
    mkdir w w/out
    run --separate-stderr digittrain -q "${RECIPE[@]}" -o w/nodir/x.model
    assert_failure 1
    [[ $stderr == "digittrain: w/nodir/x.model: "* ]]
    run --separate-stderr digittrain -q "${RECIPE[@]}" -o w/out
    assert_failure 1
    assert_equal "$stderr" "digittrain: w/out: is a directory; refusing to replace it with a regular file"
    assert_equal "$(ls -A w)" out
    assert_equal "$(ls -A w/out)" ""
}

@test "digittrain: a failed write keeps the old model and no temporary file" {
    mkdir w
    cp "$D/ref.model" w/keep.model
    local limit=$(($(stat -c %s "$D/ref.model") / 1024 / 2))
    run --separate-stderr bash -c 'trap "" XFSZ; ulimit -f "$1"; shift;
        exec digittrain "$@"' _ "$limit" -q --train="$D/train" --hidden=64 \
        --epochs=1 -o w/keep.model
    assert_failure 1
    [[ $stderr == *"w/keep.model: write error"* ]] || fail "$stderr"
    cmp w/keep.model "$D/ref.model"
    assert_equal "$(ls -A w)" keep.model
}

# ---- the default recipe on MNIST (reference data, when available) ----

@test "digittrain: --evaluate scores the default model on MNIST t10k" {
    need_data
    [ -s "$top_srcdir/model/default.model" ] || skip "no default model yet"
    run --separate-stderr digittrain \
        --evaluate="$top_srcdir/model/default.model" \
        --test="$DIGIT_DATA/mnist/t10k"
    assert_success
    assert_line --index 2 "$(printf 'items\t10000')"
    local acc
    acc=$(sed -n 's/^accuracy\t//p' <<< "$output")
    echo "# default model on MNIST t10k (digittrain --evaluate): $acc" >&3
    awk -v a="${acc%\%}" 'BEGIN { exit !(a >= 98.0) }'
}

@test "digittrain: several --train sets are trained on together" {
    perl "$D/gen.pl" idx more 90 3
    digittrain -q --train="$D/train" --train=more --validation=50 \
        --hidden=16 --epochs=2 --seed=5 -o two.model
    # the validation slice comes from the first set only
    assert_equal "$(meta two.model train_size)" $((300 - 50 + 90))
    assert_equal "$(meta two.model train_data)" "$D/train + more"
    digittrain -q --train="$D/train" --validation=50 --hidden=16 \
        --epochs=2 --seed=5 -o one.model
    assert_equal "$(meta one.model train_size)" 250
    [ "$(crc two.model)" != "$(crc one.model)" ]
    run --separate-stderr digittrain -q --train=more --train=more \
        --train=more --train=more --train=more --train=more --train=more \
        --train=more --train=more -o x.model
    assert_failure 2
    [[ $stderr == *"too many --train sources"* ]]
    [ ! -e x.model ]
}
