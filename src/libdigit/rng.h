/* rng.h - the one random number generator of the project.
 *
 * xoshiro256** seeded through splitmix64.  The state is a value the caller
 * owns and passes explicitly: there is no hidden global, so the same seed
 * gives the same numbers on every platform, bit for bit. */
#ifndef DG_RNG_H
#define DG_RNG_H

#include <stdint.h>

typedef struct dg_rng {
    uint64_t s[4];
} dg_rng;

/* Seed r from a 64-bit seed; every seed gives a well-mixed state. */
void dg_rng_seed(dg_rng *r, uint64_t seed);

/* A stream derived from (seed, stream): independent generators for
 * threads, epochs or images without sharing state. */
void dg_rng_seed2(dg_rng *r, uint64_t seed, uint64_t stream);

uint64_t dg_rng_u64(dg_rng *r);

/* Uniform double in [0, 1). */
double dg_rng_uniform(dg_rng *r);

/* Uniform double in [lo, hi). */
double dg_rng_range(dg_rng *r, double lo, double hi);

/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t dg_rng_below(dg_rng *r, uint64_t n);

/* Standard normal (Box-Muller, no cached second value: the sequence
 * depends on nothing but the state). */
double dg_rng_normal(dg_rng *r);

/* 1 with probability p. */
int dg_rng_chance(dg_rng *r, double p);

/* Fisher-Yates shuffle of n indices. */
void dg_rng_shuffle(dg_rng *r, uint32_t *v, size_t n);

#endif
