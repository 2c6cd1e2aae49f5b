# draw.sh - draw test scans of digits and numbers with ImageMagick and
# Netpbm, and measure digit images with awk.  Source it from a test (after
# common.bash); every function writes the file it is given and nothing
# else.  Scans are dark ink (grey 10 %) on light paper (grey 92 %) unless
# said otherwise.  Nothing here uses reference data.

DRAW_PAPER=gray92
DRAW_INK=gray10
DRAW_FONT=${DRAW_FONT:-DejaVu-Sans}

# draw_digit OUT DIGIT [SIZE] [POINTSIZE] [ROTATE] [DX] [DY] [FONT]
# One digit, centred (moved by DX, DY and rotated by ROTATE degrees), on a
# SIZE x SIZE page (default 112), as a PGM.
draw_digit() {
    local out=$1 d=$2 size=${3:-112} pt=${4:-} rot=${5:-0} dx=${6:-0} \
        dy=${7:-0} font=${8:-$DRAW_FONT}
    [ -n "$pt" ] || pt=$((size * 5 / 8))
    convert -size "${size}x${size}" "xc:$DRAW_PAPER" -font "$font" \
        -pointsize "$pt" -fill "$DRAW_INK" -gravity center \
        -annotate "${rot}x${rot}+${dx}+${dy}" "$d" -depth 8 "pgm:$out"
}

# draw_number OUT DIGITS GAP [POINTSIZE] [FONT]
# A number written digit by digit with GAP pixels between the digits'
# boxes (negative: they overlap and touch), with a 24-pixel margin.
draw_number() {
    local out=$1 digits=$2 gap=$3 pt=${4:-64} font=${5:-$DRAW_FONT}
    local args=() i
    for ((i = 0; i < ${#digits}; i++)); do
        args+=("label:${digits:i:1}")
    done
    convert -background "$DRAW_PAPER" -fill "$DRAW_INK" -font "$font" \
        -pointsize "$pt" "${args[@]}" -trim +repage \
        -gravity center +smush "$gap" -bordercolor "$DRAW_PAPER" \
        -border 24 -depth 8 "pgm:$out"
}

# draw_number_jitter OUT DIGITS GAP SEED [POINTSIZE] [FONT]
# Like draw_number, but each digit is rotated a little (up to 6 degrees
# either way) and moved up or down (up to 4 pixels), from SEED.
draw_number_jitter() {
    local out=$1 digits=$2 gap=$3 seed=$4 pt=${5:-64} font=${6:-$DRAW_FONT}
    local args=() i rot dy
    for ((i = 0; i < ${#digits}; i++)); do
        read -r rot dy < <(awk -v s="$seed" -v i="$i" 'BEGIN {
            srand(s * 101 + i); printf "%d %d\n", rand() * 13 - 6,
            rand() * 9 - 4 }')
        args+=("(" "label:${digits:i:1}" -rotate "$rot" -trim +repage
               -gravity north -splice "0x$((dy + 4))" ")")
    done
    convert -background "$DRAW_PAPER" -fill "$DRAW_INK" -font "$font" \
        -pointsize "$pt" "${args[@]}" -gravity center +smush "$gap" \
        -bordercolor "$DRAW_PAPER" -border 24 -depth 8 "pgm:$out"
}

# draw_gap IN OUT Y0 Y1
# Break the strokes of a drawing: paint rows Y0..Y1 with paper.
draw_gap() {
    local in=$1 out=$2 y0=$3 y1=$4
    convert "$in" -fill "$DRAW_PAPER" -draw "rectangle 0,$y0 10000,$y1" \
        -depth 8 "pgm:$out"
}

# add_specks IN OUT COUNT SEED
# Sprinkle COUNT dark specks of 1 to 2 pixels over the page, from SEED,
# keeping away from the middle half where the digit is.
add_specks() {
    local in=$1 out=$2 n=$3 seed=$4 w h draw
    read -r w h < <(identify -format '%w %h\n' "$in")
    draw=$(awk -v n="$n" -v s="$seed" -v w="$w" -v h="$h" 'BEGIN {
        srand(s)
        for (i = 0; i < n; i++) {
            do { x = int(rand() * (w - 4)) + 2; y = int(rand() * (h - 4)) + 2
            } while (x > w / 4 && x < 3 * w / 4 && y > h / 4 && y < 3 * h / 4)
            r = int(rand() * 2)
            printf "rectangle %d,%d %d,%d ", x, y, x + r, y + r
        }
    }')
    convert "$in" -fill "$DRAW_INK" -draw "$draw" -depth 8 "pgm:$out"
}

# add_rule IN OUT Y
# A ruling line across the whole page at row Y (two pixels thick).
add_rule() {
    local in=$1 out=$2 y=$3
    convert "$in" -fill "$DRAW_INK" -draw "rectangle 0,$y 10000,$((y + 1))" \
        -depth 8 "pgm:$out"
}

# uneven_light IN OUT
# Light falling off from left to right: the right edge gets 25 % of the
# light, so its paper is darker than the ink on the left.
uneven_light() {
    local in=$1 out=$2 w h
    read -r w h < <(identify -format '%w %h\n' "$in")
    convert "$in" \( -size "${h}x${w}" gradient:white-gray25 -rotate 90 \) \
        -compose multiply -composite -depth 8 "pgm:$out"
}

# slant IN OUT DEGREES
# Slant the drawing (shear along x by DEGREES, top to the right when
# positive), keeping the page size.
slant() {
    local in=$1 out=$2 deg=$3 w h
    read -r w h < <(identify -format '%w %h\n' "$in")
    convert "$in" -background "$DRAW_PAPER" -shear "-${deg}x0" \
        -gravity center -extent "${w}x${h}" -depth 8 "pgm:$out"
}

# negate IN OUT: light ink on dark ground.
negate() {
    convert "$1" -negate -depth 8 "pgm:$2"
}

# draw_stroke OUT SIZE X0 Y0 X1 Y1 [WIDTH]
# One straight pen stroke on a SIZE x SIZE page.
draw_stroke() {
    local out=$1 size=$2 width=${7:-8}
    convert -size "${size}x${size}" "xc:$DRAW_PAPER" -stroke "$DRAW_INK" \
        -strokewidth "$width" -draw "line $3,$4 $5,$6" -depth 8 "pgm:$out"
}

# ---- measuring PGM images -------------------------------------------

# pgm_values FILE: "W H" on the first line, then the samples of the first
# image, one per line.
pgm_values() {
    pnmtoplainpnm "$1" | awk 'NR == 1 { next }
        { for (i = 1; i <= NF; i++) v[n++] = $i }
        END { print v[0], v[1]; for (i = 3; i < n; i++) print v[i] }'
}

# pgm_count FILE: the number of images in a PNM stream.
pgm_count() {
    local dir
    dir=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/split.XXXXXX")
    pamsplit "$1" "$dir/i%d.pnm" 2>/dev/null && ls "$dir" | wc -l
    rm -rf "$dir"
}

# pgm_nth FILE N OUT: image N (from 1) of a PNM stream into OUT.
pgm_nth() {
    local dir
    dir=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/split.XXXXXX")
    pamsplit -padname=6 "$1" "$dir/i%d.pnm" 2>/dev/null &&
        cp "$dir/i$(printf %06d $(($2 - 1))).pnm" "$3"
    local rc=$?
    rm -rf "$dir"
    return $rc
}

# pgm_diff A B: mean absolute difference (0..255) of two images of the
# same size; fails if the sizes differ.
pgm_diff() {
    paste <(pgm_values "$1") <(pgm_values "$2") | awk '
        NR == 1 { if ($1 != $3 || $2 != $4) { print "size"; exit 1 }; next }
        { d = $1 - $2; s += d < 0 ? -d : d; n++ }
        END { printf "%.2f\n", n ? s / n : 0 }'
}

# pgm_moments FILE: "CX CY SKEW MAXV" of the first image: the intensity
# centre of mass (column and row index), mu11/mu02 (the slant) and the
# largest sample.
pgm_moments() {
    pgm_values "$1" | awk 'NR == 1 { w = $1; next }
        { i = NR - 2; x = i % w; y = int(i / w); v[i] = $1
          m += $1; sx += $1 * x; sy += $1 * y; if ($1 > mx) mx = $1 }
        END { if (m == 0) { print "0 0 0 0"; exit }
          cx = sx / m; cy = sy / m
          for (i in v) { x = i % w; y = int(i / w)
            a += v[i] * (x - cx) * (y - cy); b += v[i] * (y - cy) ^ 2 }
          printf "%.3f %.3f %.3f %d\n", cx, cy, a / b, mx }'
}

# pgm_cells FILE: for each 28x28 cell of a strip, 1 if it has ink, 0 if
# blank, as one word ("1101").
pgm_cells() {
    pgm_values "$1" | awk 'NR == 1 { w = $1; next }
        { i = NR - 2; c = int((i % w) / 28); if ($1 > 0) ink[c] = 1 }
        END { for (c = 0; c < w / 28; c++) printf "%d", ink[c] ? 1 : 0
              print "" }'
}

# compose_number OUT GAP FILE...
# A number made of digit images (any PNM, dark on light or not: each is
# made dark on light by its own corner pixel), trimmed and set side by
# side GAP pixels apart (negative: overlapping), with a 24-pixel margin.
compose_number() {
    local out=$1 gap=$2 f args=()
    shift 2
    for f in "$@"; do
        args+=("(" "$f" -colorspace gray -fuzz 20% -trim +repage ")")
    done
    convert -background white "${args[@]}" -gravity center -compose darken \
        +smush "$gap" -bordercolor white -border 24 -depth 8 "pgm:$out"
}

# random_number SEED: a number of 3 to 6 digits, from SEED.
random_number() {
    awk -v s="$1" 'BEGIN { srand(s); n = 3 + int(rand() * 4)
        for (k = 0; k < n; k++) printf "%d", int(rand() * 10); print "" }'
}

# draw_pen OUT W H WIDTH "x0,y0 x1,y1 ..." ["x0,y0 ..."]...
# Pen strokes through the points of each argument (a polyline each), pen
# WIDTH, on a W x H page: digits in the shapes people write.
draw_pen() {
    local out=$1 w=$2 h=$3 pw=$4 draw= line
    shift 4
    for line in "$@"; do
        draw+="polyline $line "
    done
    convert -size "${w}x${h}" "xc:$DRAW_PAPER" -fill none \
        -stroke "$DRAW_INK" -strokewidth "$pw" -draw "$draw" \
        -depth 8 "pgm:$out"
}

# add_dot IN OUT X Y R
# A round dot of radius R at (X, Y): a speck of dirt or a full stop.
add_dot() {
    convert "$1" -fill "$DRAW_INK" -draw "circle $3,$4 $(($3 + $5)),$4" \
        -depth 8 "pgm:$2"
}
