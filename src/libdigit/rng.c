/* rng.c - xoshiro256** (Blackman and Vigna), seeded by splitmix64. */
#include <config.h>

#include <math.h>
#include <stddef.h>

#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void dg_rng_seed(dg_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    int i;

    for (i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

void dg_rng_seed2(dg_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * UINT64_C(0xd1b54a32d192ed03));

    dg_rng_seed(r, splitmix64(&x) ^ stream);
}

uint64_t dg_rng_u64(dg_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double dg_rng_uniform(dg_rng *r)
{
    return (double)(dg_rng_u64(r) >> 11) * 0x1.0p-53;
}

double dg_rng_range(dg_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * dg_rng_uniform(r);
}

uint64_t dg_rng_below(dg_rng *r, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;

    do
        x = dg_rng_u64(r);
    while (x >= limit);
    return x % n;
}

double dg_rng_normal(dg_rng *r)
{
    double u1 = 1.0 - dg_rng_uniform(r);     /* (0, 1]: log is finite */
    double u2 = dg_rng_uniform(r);

    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

int dg_rng_chance(dg_rng *r, double p)
{
    return dg_rng_uniform(r) < p;
}

void dg_rng_shuffle(dg_rng *r, uint32_t *v, size_t n)
{
    size_t i;

    for (i = n; i > 1; i--) {
        size_t j = (size_t)dg_rng_below(r, i);
        uint32_t t = v[i - 1];

        v[i - 1] = v[j];
        v[j] = t;
    }
}
