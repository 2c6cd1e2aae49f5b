#!/usr/bin/perl
# patterns.pl - made-up digits for the tests of digitclassify and digittrain:
# class 0 a horizontal bar, 1 a vertical bar, 2 a diagonal.
#
#   perl patterns.pl idx PREFIX N SEED [t]  an IDX pair of N items (classes
#                                    0, 1, 2 in turn, each moved by -2..2
#                                    px); t stores them transposed (EMNIST)
#   perl patterns.pl pgm WORD...     a PGM stream, an image per WORD, a
#                                    cell per character: 0, 1, 2 or -
#                                    (a blank cell)
use strict; use warnings;
sub cell {
    my ($c, $d) = @_;
    my @p = (0) x 784;
    return @p if $c eq '-';
    for my $a (4 .. 23) {
        for my $b (0 .. 2) {
            my ($y, $x) = $c == 0 ? (13 + $b + $d, $a)
                        : $c == 1 ? ($a, 13 + $b + $d)
                        : ($a, $a + $b - 1 + $d);
            $p[$y * 28 + $x] = 255;
        }
    }
    return @p;
}
my $mode = shift;
if ($mode eq 'idx') {
    my ($prefix, $n, $seed, $tr) = @ARGV;
    srand($seed);
    open my $im, '>', "$prefix-images-idx3-ubyte" or die "$!";
    open my $lb, '>', "$prefix-labels-idx1-ubyte" or die "$!";
    binmode $im; binmode $lb;
    print $im pack('N4', 0x803, $n, 28, 28);
    print $lb pack('N2', 0x801, $n);
    for my $i (0 .. $n - 1) {
        my @p = cell($i % 3, int(rand(5)) - 2);
        @p = map { $p[($_ % 28) * 28 + int($_ / 28)] } 0 .. 783 if $tr;
        print $im pack('C*', @p);
        print $lb pack('C', $i % 3);
    }
    close $im or die; close $lb or die;
} else {
    binmode STDOUT;
    for my $s (@ARGV) {
        my @cells = map { [cell($_, 0)] } split //, $s;
        printf "P5\n%d 28\n255\n", 28 * @cells;
        for my $y (0 .. 27) {
            print pack('C*', map { @{$_}[$y * 28 .. $y * 28 + 27] } @cells);
        }
    }
}
