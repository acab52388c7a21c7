/* The builtin model's decode kernel: a Llama forward pass over GGUF Q4_1 / Q8_0 blocks.
 *
 * Built at install time (setup.py, a plain shared library loaded with ctypes; no Python
 * API), so serving the model needs neither torch nor a compiler. One call runs B tokens
 * (any mix of streams, each with its own KV cache and position) through every layer: the
 * weights are read once per step whatever B is, which is what makes batched decode of
 * several streams cheap. Activations are quantized to int8 blocks of 32 (like llama.cpp's
 * Q8 path) and dotted with integer instructions: AVX2, or AVX-512 VNNI where the CPU has it
 * (chosen at run time, bit-identical results). Every row of every token is computed with
 * the same arithmetic whatever B, the path and the thread count, so a stream's output does
 * not depend on what it is batched with.
 *
 * Threads: with 2, matmul rows and attention heads are shared in chunks between the caller
 * and one persistent worker thread that spins briefly between jobs and otherwise sleeps on
 * a futex.
 */
#include <immintrin.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#define QK 32
#define Q4_1_BYTES 20
#define Q8_0_BYTES 34
#define MAXB 8
enum { T_Q4_1 = 0, T_Q8_0 = 1 };

typedef struct {
    int type, rows, cols;
    const uint8_t *w;
} Lin;

typedef struct {
    const float *attn_norm, *ffn_norm;
    Lin qkv, out, gate_up, down;
} LayerW;

typedef struct {
    int n_layers, dim, n_heads, n_kv, hd, ffn, vocab, max_len;
    float eps;
    LayerW *layers;
    const uint8_t *embed; /* Q8_0, vocab x dim: the token table and the tied output head */
    const float *norm;
    float *cos, *sin; /* max_len x hd/2 */
} Model;

/* ---------------------------------------------------------------- thread pool
 *
 * A job is cut into chunks that the caller and the worker claim one at a time from a
 * counter tagged with the job's generation. When the worker is late (asleep, or
 * descheduled on a busy machine) the caller simply takes more chunks instead of waiting
 * for half of the job; it waits only for chunks the worker has started. Which thread runs
 * a chunk never changes its numbers. */

typedef void (*JobFn)(void *arg, int lo, int hi, int thread);

static pthread_t pool_thread;
static int pool_started = 0, pool_threads = 1;
static atomic_int job_gen = 0, sleeping = 0, chunks_done = 0;
static _Atomic uint64_t next_chunk = 0; /* generation << 32 | next chunk index */
static JobFn job_fn;
static void *job_arg;
static int job_n, job_chunk, job_chunks;

static void futex_wait(atomic_int *addr, int val) {
    syscall(SYS_futex, (int *)addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}
static void futex_wake(atomic_int *addr) {
    syscall(SYS_futex, (int *)addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Claim and run chunks of job `g` until none is left; returns how many were run. */
static int run_chunks(uint32_t g, int thread) {
    if (!g) return 0;
    int ran = 0;
    for (;;) {
        uint64_t v = atomic_load(&next_chunk);
        if ((uint32_t)(v >> 32) != g || (int)(uint32_t)v >= job_chunks) return ran;
        if (!atomic_compare_exchange_weak(&next_chunk, &v, v + 1)) continue;
        /* a claimed chunk keeps job g open, so its description is still g's */
        const int c = (int)(uint32_t)v, lo = c * job_chunk;
        const int hi = lo + job_chunk < job_n ? lo + job_chunk : job_n;
        job_fn(job_arg, lo, hi, thread);
        atomic_fetch_add(&chunks_done, 1);
        ran++;
    }
}

static void *pool_main(void *unused) {
    (void)unused;
    int seen = 0;
    for (;;) {
        int g = seen;
        for (int i = 0; i < 4000 && (g = atomic_load(&job_gen)) == seen; i++) _mm_pause();
        if (g == seen) {
            atomic_store(&sleeping, 1);
            if (atomic_load(&job_gen) == seen) futex_wait(&job_gen, seen);
            atomic_store(&sleeping, 0);
            continue;
        }
        seen = g;
        run_chunks((uint32_t)g, 1);
    }
    return NULL;
}

void axk_set_threads(int n) {
    pool_threads = n >= 2 ? 2 : 1;
    if (pool_threads == 2 && !pool_started) {
        pthread_create(&pool_thread, NULL, pool_main, NULL);
        pthread_detach(pool_thread);
        pool_started = 1;
    }
}

int axk_threads(void) { return pool_threads; }

/* Run fn over [0, n) in chunks of `chunk` items (matmul chunks hold whole tiles). Below
 * min_n items the caller runs them all. */
static void parallel_split(JobFn fn, void *arg, int n, int min_n, int chunk) {
    if (pool_threads < 2 || n < min_n) {
        fn(arg, 0, n, 0);
        return;
    }
    int g = (int)((unsigned)atomic_load(&job_gen) + 1u); /* wraps, skipping 0 */
    if ((uint32_t)g == 0) g = 1;
    /* close the last job first (generation 0 is never a job's): a worker still looking for
     * its chunks then finds none, before the description below changes */
    atomic_store(&next_chunk, 0);
    job_fn = fn, job_arg = arg, job_n = n, job_chunk = chunk;
    job_chunks = (n + chunk - 1) / chunk;
    atomic_store(&chunks_done, 0);
    atomic_store(&next_chunk, (uint64_t)(uint32_t)g << 32);
    atomic_store(&job_gen, g);
    if (atomic_load(&sleeping)) futex_wake(&job_gen);
    run_chunks((uint32_t)g, 0);
    for (int i = 0; atomic_load(&chunks_done) != job_chunks; i++) {
        if (i < 20000)
            _mm_pause();
        else
            sched_yield(); /* the worker was descheduled inside a chunk: a busy machine */
    }
}

/* ---------------------------------------------------------------- quantized dots
 *
 * Layouts. Activations are quantized per token to int8 blocks of 32 and stored "pair
 * interleaved": blocks 2p and 2p+1 share 64 bytes, in chunks of 4 codes alternating
 * between the two blocks (chunk c holds codes 4*(c/2).. of block 2p + c%2); an odd last
 * block keeps its 32 codes in order. A 512-bit dot (VNNI) of such a pair gives 16 int32
 * lanes that alternate between the two blocks, so the pair's two scales are one 64-bit
 * broadcast. Weights are repacked in place at load (axk_repack) to the same order:
 *   Q4_1 row = [codes][fp16 d x nb][fp16 m x nb]: codes by groups of 4 blocks, 64 bytes
 *     whose low nibbles are the pair (k, k+1) and high nibbles the pair (k+2, k+3); then a
 *     leftover pair in 32 bytes (low nibbles: pair bytes 0-31, high: 32-63); then a
 *     leftover block as in GGUF (low nibbles codes 0-15, high 16-31).
 *   Q8_0 row = [int8 codes by pairs (64 bytes), a leftover block in order][fp16 d x nb].
 * Same bytes per row as GGUF.
 *
 * Two paths compute the same numbers: AVX-512 VNNI (chosen at run time when the CPU has
 * it) and AVX2. Integer dots are exact and both give the same int32 per lane (a sum of 4
 * products); the AVX2 path keeps two 8-lane float accumulators where AVX-512 keeps one of
 * 16, with the same FMA sequence per lane and the same final reduction, so the logits are
 * bit-identical across paths (tested). */

static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline float f16(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/* Activations: B rows of n floats -> int8 codes (pair interleaved), block scales d, block
 * sums s of the float inputs (Q4_1's minimum term), and nc: -128 x each lane's 4 codes
 * (the VNNI Q8_0 dot adds 128 to the weights to make them unsigned). */
typedef struct {
    int8_t *q;
    float *d, *s;
    int32_t *nc;
    int n, nb, nbp, np; /* codes per row, blocks, padded block count, pairs (a lone block too) */
} QAct;

#define MAXNB 512

static void qact_init(QAct *qa, int B, int n) {
    qa->n = n, qa->nb = n / QK, qa->nbp = (qa->nb + 2) & ~1, qa->np = (qa->nb + 1) / 2;
    qa->q = malloc((size_t)B * n);
    qa->d = calloc((size_t)B * qa->nbp, sizeof(float));
    qa->s = calloc((size_t)B * qa->nbp, sizeof(float));
    qa->nc = calloc((size_t)B * qa->np * 16, sizeof(int32_t));
}

static void qact_free(QAct *qa) { free(qa->q), free(qa->d), free(qa->s), free(qa->nc); }

/* Where code j of block k of a row sits in the pair-interleaved order. */
static inline int pair_pos(int k, int j, int nb) {
    if ((nb & 1) && k == nb - 1) return k * QK + j;
    return (k & ~1) * QK + ((j >> 2) * 2 + (k & 1)) * 4 + (j & 3);
}

/* Blocks [k0, k1) of one row (k0 even; k1 even or the row's end): codes, scales and sums
 * of the blocks, and nc of their pairs. Every block is quantized on its own, so a row can be
 * cut into pairs and shared between threads. */
static void quantize_blocks(const float *x, int nb, int k0, int k1, int8_t *q, float *d,
                            float *s, int32_t *nc) {
    for (int k = k0; k < k1; k++) {
        const float *v = x + k * QK;
        __m256 amax = _mm256_setzero_ps(), sum = _mm256_setzero_ps();
        const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
        for (int j = 0; j < QK; j += 8) {
            __m256 t = _mm256_loadu_ps(v + j);
            amax = _mm256_max_ps(amax, _mm256_and_ps(t, absmask));
            sum = _mm256_add_ps(sum, t);
        }
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        const float am = _mm_cvtss_f32(m4);
        const float scale = am / 127.f, inv = am > 0.f ? 127.f / am : 0.f;
        int8_t codes[QK];
        const __m256 vinv = _mm256_set1_ps(inv);
        for (int j = 0; j < QK; j += 8) {
            __m256i r = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(v + j), vinv));
            int32_t t[8];
            _mm256_storeu_si256((__m256i *)t, r);
            for (int e = 0; e < 8; e++) codes[j + e] = (int8_t)t[e];
        }
        for (int j = 0; j < QK; j++) q[pair_pos(k, j, nb)] = codes[j];
        d[k] = scale;
        s[k] = hsum(sum);
    }
    for (int p = k0 / 2; p < (k1 + 1) / 2; p++)
        for (int lane = 0; lane < 16; lane++) {
            int t = 0;
            if (lane < 8 || !((nb & 1) && p == nb / 2))
                for (int e = 0; e < 4; e++) t += q[p * 64 + lane * 4 + e];
            nc[p * 16 + lane] = -128 * t;
        }
}

/* Quantizing B rows, shared between threads by pairs of blocks. With gate_up set, the rows
 * are first computed as SiLU(gate) x up from it (B x 2n: a token's n gate values, then its
 * n up values) into x. */
typedef struct {
    QAct *qa;
    float *x;
    const float *gate_up;
} QuantJob;

#define QPAIRS 3 /* pairs of blocks per item: 576 wide rows are 3 items, 1536 wide 8 */

static void quantize_range(void *arg, int lo, int hi, int thread) {
    (void)thread;
    const QuantJob *j = arg;
    QAct *qa = j->qa;
    const int items = (qa->np + QPAIRS - 1) / QPAIRS, n = qa->n;
    for (int it = lo; it < hi; it++) {
        const int b = it / items, k0 = it % items * QPAIRS * 2;
        const int k1 = k0 + QPAIRS * 2 < qa->nb ? k0 + QPAIRS * 2 : qa->nb;
        float *x = j->x + (size_t)b * n;
        if (j->gate_up) {
            const float *g = j->gate_up + (size_t)b * 2 * n, *u = g + n;
            for (int i = k0 * QK; i < k1 * QK; i++) x[i] = g[i] / (1.f + expf(-g[i])) * u[i];
        }
        quantize_blocks(x, qa->nb, k0, k1, qa->q + (size_t)b * n, qa->d + (size_t)b * qa->nbp,
                        qa->s + (size_t)b * qa->nbp, qa->nc + (size_t)b * qa->np * 16);
    }
}

/* Only the FFN's activations are shared: their SiLU (an expf per value, B x 1536) is worth
 * a hand-off; quantizing a 576-wide row alone is not worth one more wait for the worker. */
static void quantize_act(QAct *qa, float *x, int B, const float *gate_up) {
    QuantJob job = {qa, x, gate_up};
    const int items = B * ((qa->np + QPAIRS - 1) / QPAIRS);
    if (gate_up)
        parallel_split(quantize_range, &job, items, 4, 1);
    else
        quantize_range(&job, 0, items, 0);
}

static void quantize(QAct *qa, const float *x, int B) { quantize_act(qa, (float *)x, B, NULL); }

typedef struct {
    const Lin *lin;
    const QAct *x;
    int B;
    float *y; /* B x rows */
} MatJob;

static inline void load_scales(const uint16_t *h, int nb, float *out) {
    int k = 0;
    for (; k + 8 <= nb; k += 8)
        _mm256_storeu_ps(out + k, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + k))));
    for (; k < nb; k++) out[k] = _cvtsh_ss(h[k]);
}

/* The hardware prefetcher alone leaves a matmul waiting on memory (the head ran at a third
 * of the core's streaming bandwidth): each tile asks for the bytes of the tile pf_ahead
 * tiles ahead (rows are contiguous). */
static const int pf_ahead = 2;
static inline __attribute__((always_inline)) void prefetch_ahead(const Lin *L, int r, int R,
                                                                 int row_bytes) {
    if (r + R * (pf_ahead + 1) > L->rows) return;
    const uint8_t *p = L->w + (size_t)(r + R * pf_ahead) * row_bytes;
    for (int o = 0; o < R * row_bytes; o += 64) _mm_prefetch((const char *)p + o, _MM_HINT_T0);
}

/* Q4_1's minimum term sum_k m_k * s_k, in the same order on both paths. */
static inline __attribute__((always_inline)) float min_term(const uint16_t *mh, const float *xs,
                                                            int nb) {
    __m256 e = _mm256_setzero_ps();
    int k = 0;
    for (; k + 8 <= nb; k += 8)
        e = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(mh + k))),
                            _mm256_loadu_ps(xs + k), e);
    float r = hsum(e);
    for (; k < nb; k++) r = fmaf(_cvtsh_ss(mh[k]), xs[k], r);
    return r;
}

/* Scales (w_k, w_k+1) x (x_k, x_k+1), repeated over 8 lanes. */
static inline __m256 pair_scales(const float *sc, const float *xd) {
    return _mm256_mul_ps(_mm256_castpd_ps(_mm256_broadcast_sd((const double *)sc)),
                         _mm256_castpd_ps(_mm256_broadcast_sd((const double *)xd)));
}

/* int8 dot of 32 unsigned weights x 32 signed codes: 8 int32 lanes, 4 products each. */
static inline __m256 dot_u(__m256i w, __m256i x) {
    return _mm256_cvtepi32_ps(
        _mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1)));
}
static inline __m256 dot_s(__m256i w, __m256i x) {
    return dot_u(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
}
#define DOT_S2(w, x, nc) ((void)(nc), dot_s(w, x))
#define LD(p) _mm256_loadu_si256((const __m256i *)(p))

/* 256-bit tiles, R rows x NB tokens; acc[..][0] is lanes 0-7 of the 512-bit path's
 * accumulator, acc[..][1] lanes 8-15. Defined twice: with AVX2's maddubs + madd, and with
 * VNNI's dpbusd on 256-bit vectors (AVX512-VL; half the integer instructions, and on CPUs
 * that split 512-bit operations in two, such as AMD Zen 4, faster than the 512-bit path). */
#define DEFINE_TILES256(TILE, ROWS, ATTR, DOTU, DOTS) \
ATTR static inline __attribute__((always_inline)) void TILE(const Lin *L, const QAct *x, int b0, \
                                                        int r, int R, int NB, float *y) { \
    const int nb = L->cols / QK, q4 = L->type == T_Q4_1; \
    const int row_bytes = nb * (q4 ? Q4_1_BYTES : Q8_0_BYTES), qbytes = nb * (q4 ? 16 : 32); \
    const __m256i m0f = _mm256_set1_epi8(0x0f); \
    float sc[4][MAXNB], extra[4][4]; \
    const uint8_t *rows[4]; \
    const int8_t *xq[4]; \
    const float *xd[4]; \
    const int32_t *nc[4]; \
    __m256 acc[4][4][2]; \
    prefetch_ahead(L, r, R, row_bytes); \
    for (int b = 0; b < NB; b++) { \
        xq[b] = x->q + (size_t)(b0 + b) * x->n; \
        xd[b] = x->d + (size_t)(b0 + b) * x->nbp; \
        nc[b] = x->nc + (size_t)(b0 + b) * x->np * 16; \
    } \
    for (int i = 0; i < R; i++) { \
        rows[i] = L->w + (size_t)(r + i) * row_bytes; \
        const uint16_t *dh = (const uint16_t *)(rows[i] + qbytes); \
        load_scales(dh, nb, sc[i]); \
        for (int b = 0; b < NB; b++) { \
            acc[i][b][0] = acc[i][b][1] = _mm256_setzero_ps(); \
            extra[i][b] = q4 ? min_term(dh + nb, x->s + (size_t)(b0 + b) * x->nbp, nb) : 0.f; \
        } \
    } \
    int k = 0; \
    if (q4) { \
        for (; k + 4 <= nb; k += 4) \
            for (int i = 0; i < R; i++) { \
                const __m256i t0 = LD(rows[i] + k * 16), t1 = LD(rows[i] + k * 16 + 32); \
                const __m256i lo0 = _mm256_and_si256(t0, m0f), lo1 = _mm256_and_si256(t1, m0f); \
                const __m256i hi0 = _mm256_and_si256(_mm256_srli_epi16(t0, 4), m0f); \
                const __m256i hi1 = _mm256_and_si256(_mm256_srli_epi16(t1, 4), m0f); \
                for (int b = 0; b < NB; b++) { \
                    const int8_t *xa = xq[b] + k * QK, *xb = xa + 64; \
                    const __m256 ca = pair_scales(sc[i] + k, xd[b] + k); \
                    const __m256 cb = pair_scales(sc[i] + k + 2, xd[b] + k + 2); \
                    acc[i][b][0] = _mm256_fmadd_ps(DOTU(lo0, LD(xa)), ca, acc[i][b][0]); \
                    acc[i][b][0] = _mm256_fmadd_ps(DOTU(hi0, LD(xb)), cb, acc[i][b][0]); \
                    acc[i][b][1] = _mm256_fmadd_ps(DOTU(lo1, LD(xa + 32)), ca, acc[i][b][1]); \
                    acc[i][b][1] = _mm256_fmadd_ps(DOTU(hi1, LD(xb + 32)), cb, acc[i][b][1]); \
                } \
            } \
        if (k + 2 <= nb) { \
            for (int i = 0; i < R; i++) { \
                const __m256i t = LD(rows[i] + k * 16); \
                const __m256i lo = _mm256_and_si256(t, m0f); \
                const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(t, 4), m0f); \
                for (int b = 0; b < NB; b++) { \
                    const int8_t *xa = xq[b] + k * QK; \
                    const __m256 ca = pair_scales(sc[i] + k, xd[b] + k); \
                    acc[i][b][0] = _mm256_fmadd_ps(DOTU(lo, LD(xa)), ca, acc[i][b][0]); \
                    acc[i][b][1] = _mm256_fmadd_ps(DOTU(hi, LD(xa + 32)), ca, acc[i][b][1]); \
                } \
            } \
            k += 2; \
        } \
        if (k < nb) \
            for (int i = 0; i < R; i++) { \
                const __m128i t = _mm_loadu_si128((const __m128i *)(rows[i] + k * 16)); \
                const __m256i w = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), m0f); \
                for (int b = 0; b < NB; b++) { \
                    const __m256 c = _mm256_set1_ps(sc[i][k] * xd[b][k]); \
                    acc[i][b][0] = _mm256_fmadd_ps(DOTU(w, LD(xq[b] + k * QK)), c, acc[i][b][0]); \
                } \
            } \
    } else { \
        for (; k + 2 <= nb; k += 2) \
            for (int i = 0; i < R; i++) { \
                const __m256i w0 = LD(rows[i] + k * 32), w1 = LD(rows[i] + k * 32 + 32); \
                for (int b = 0; b < NB; b++) { \
                    const int8_t *xa = xq[b] + k * QK; \
                    const __m256 ca = pair_scales(sc[i] + k, xd[b] + k); \
                    acc[i][b][0] = _mm256_fmadd_ps(DOTS(w0, LD(xa), nc[b] + k * 8), ca, acc[i][b][0]); \
                    acc[i][b][1] = _mm256_fmadd_ps(DOTS(w1, LD(xa + 32), nc[b] + k * 8 + 8), ca, acc[i][b][1]); \
                } \
            } \
        if (k < nb) \
            for (int i = 0; i < R; i++) { \
                const __m256i w = LD(rows[i] + k * 32); \
                for (int b = 0; b < NB; b++) { \
                    const __m256 c = _mm256_set1_ps(sc[i][k] * xd[b][k]); \
                    acc[i][b][0] = _mm256_fmadd_ps(DOTS(w, LD(xq[b] + k * QK), nc[b] + k * 8), c, acc[i][b][0]); \
                } \
            } \
    } \
    for (int i = 0; i < R; i++) \
        for (int b = 0; b < NB; b++) \
            y[(size_t)(b0 + b) * L->rows + r + i] = \
                hsum(_mm256_add_ps(acc[i][b][0], acc[i][b][1])) + extra[i][b]; \
} \
 \
ATTR static void ROWS(void *arg, int r0, int r1, int thread) { \
    (void)thread; \
    const MatJob *job = arg; \
    const Lin *L = job->lin; \
    for (int b0 = 0; b0 < job->B; b0 += 4) { \
        const int nbat = job->B - b0 < 4 ? job->B - b0 : 4; \
        int r = r0; \
        if (nbat == 1) \
            for (; r + 4 <= r1; r += 4) TILE(L, job->x, b0, r, 4, 1, job->y); \
        else if (nbat == 2) \
            for (; r + 2 <= r1; r += 2) TILE(L, job->x, b0, r, 2, 2, job->y); \
        for (; r < r1; r++) { \
            switch (nbat) { \
            case 1: TILE(L, job->x, b0, r, 1, 1, job->y); break; \
            case 2: TILE(L, job->x, b0, r, 1, 2, job->y); break; \
            case 3: TILE(L, job->x, b0, r, 1, 3, job->y); break; \
            default: TILE(L, job->x, b0, r, 1, 4, job->y); break; \
            } \
        } \
    } \
}

DEFINE_TILES256(tile2, matmul_rows2, , dot_u, DOT_S2)

#define VNNI256 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))
VNNI256 static inline __attribute__((always_inline)) __m256 dot_uv(__m256i w, __m256i x) {
    return _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), w, x));
}
/* signed weights + 128 are unsigned; nc holds -128 x each lane's sum of codes */
VNNI256 static inline __attribute__((always_inline)) __m256 dot_sv(__m256i w, __m256i x,
                                                                   const int32_t *nc) {
    return _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(
        LD(nc), _mm256_xor_si256(w, _mm256_set1_epi8((char)0x80)), x));
}
DEFINE_TILES256(tile3, matmul_rows3, VNNI256, dot_uv, dot_sv)

/* AVX-512 VNNI: the same tiles with one 16-lane accumulator per row and token. */
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))
#define LD5(p) _mm512_loadu_si512((const void *)(p))

AVX512 static inline __attribute__((always_inline)) __m512 pair_scales5(const float *sc,
                                                                        const float *xd) {
    return _mm512_mul_ps(_mm512_castpd_ps(_mm512_broadcastsd_pd(_mm_load_sd((const double *)sc))),
                         _mm512_castpd_ps(_mm512_broadcastsd_pd(_mm_load_sd((const double *)xd))));
}

AVX512 static inline __attribute__((always_inline)) __m512 lo_fma(__m512 acc, __m256 v, __m256 c) {
    return _mm512_insertf32x8(acc, _mm256_fmadd_ps(v, c, _mm512_castps512_ps256(acc)), 0);
}

AVX512 static inline __attribute__((always_inline)) void tile5(const Lin *L, const QAct *x,
                                                               int b0, int r, int R, int NB,
                                                               float *y) {
    const int nb = L->cols / QK, q4 = L->type == T_Q4_1;
    const int row_bytes = nb * (q4 ? Q4_1_BYTES : Q8_0_BYTES), qbytes = nb * (q4 ? 16 : 32);
    const __m512i m0f = _mm512_set1_epi8(0x0f), zero = _mm512_setzero_si512();
    const __m512i bias = _mm512_set1_epi8((char)0x80);
    float sc[4][MAXNB], extra[4][4];
    const uint8_t *rows[4];
    const int8_t *xq[4];
    const float *xd[4];
    const int32_t *nc[4];
    __m512 acc[4][4];
    prefetch_ahead(L, r, R, row_bytes);
    for (int b = 0; b < NB; b++) {
        xq[b] = x->q + (size_t)(b0 + b) * x->n;
        xd[b] = x->d + (size_t)(b0 + b) * x->nbp;
        nc[b] = x->nc + (size_t)(b0 + b) * x->np * 16;
    }
    for (int i = 0; i < R; i++) {
        rows[i] = L->w + (size_t)(r + i) * row_bytes;
        const uint16_t *dh = (const uint16_t *)(rows[i] + qbytes);
        load_scales(dh, nb, sc[i]);
        for (int b = 0; b < NB; b++) {
            acc[i][b] = _mm512_setzero_ps();
            extra[i][b] = q4 ? min_term(dh + nb, x->s + (size_t)(b0 + b) * x->nbp, nb) : 0.f;
        }
    }
    int k = 0;
    if (q4) {
        for (; k + 4 <= nb; k += 4)
            for (int i = 0; i < R; i++) {
                const __m512i t = LD5(rows[i] + k * 16);
                const __m512i lo = _mm512_and_si512(t, m0f);
                const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(t, 4), m0f);
                for (int b = 0; b < NB; b++) {
                    const int8_t *xa = xq[b] + k * QK;
                    const __m512i ia = _mm512_dpbusd_epi32(zero, lo, LD5(xa));
                    const __m512i ib = _mm512_dpbusd_epi32(zero, hi, LD5(xa + 64));
                    acc[i][b] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ia),
                                                pair_scales5(sc[i] + k, xd[b] + k), acc[i][b]);
                    acc[i][b] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ib),
                                                pair_scales5(sc[i] + k + 2, xd[b] + k + 2),
                                                acc[i][b]);
                }
            }
        if (k + 2 <= nb) {
            for (int i = 0; i < R; i++) {
                const __m256i t = LD(rows[i] + k * 16);
                const __m256i m = _mm256_set1_epi8(0x0f);
                const __m512i w = _mm512_inserti64x4(
                    _mm512_castsi256_si512(_mm256_and_si256(t, m)),
                    _mm256_and_si256(_mm256_srli_epi16(t, 4), m), 1);
                for (int b = 0; b < NB; b++) {
                    const __m512i ia = _mm512_dpbusd_epi32(zero, w, LD5(xq[b] + k * QK));
                    acc[i][b] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ia),
                                                pair_scales5(sc[i] + k, xd[b] + k), acc[i][b]);
                }
            }
            k += 2;
        }
        if (k < nb)
            for (int i = 0; i < R; i++) {
                const __m128i t = _mm_loadu_si128((const __m128i *)(rows[i] + k * 16));
                const __m256i w = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t),
                                                   _mm256_set1_epi8(0x0f));
                for (int b = 0; b < NB; b++) {
                    const __m256i ia = _mm256_dpbusd_epi32(_mm256_setzero_si256(), w,
                                                           LD(xq[b] + k * QK));
                    acc[i][b] = lo_fma(acc[i][b], _mm256_cvtepi32_ps(ia),
                                       _mm256_set1_ps(sc[i][k] * xd[b][k]));
                }
            }
    } else {
        for (; k + 2 <= nb; k += 2)
            for (int i = 0; i < R; i++) {
                const __m512i w = _mm512_xor_si512(LD5(rows[i] + k * 32), bias);
                for (int b = 0; b < NB; b++) {
                    const __m512i ia =
                        _mm512_dpbusd_epi32(LD5(nc[b] + k * 8), w, LD5(xq[b] + k * QK));
                    acc[i][b] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ia),
                                                pair_scales5(sc[i] + k, xd[b] + k), acc[i][b]);
                }
            }
        if (k < nb)
            for (int i = 0; i < R; i++) {
                const __m256i w = _mm256_xor_si256(LD(rows[i] + k * 32), _mm256_set1_epi8((char)0x80));
                for (int b = 0; b < NB; b++) {
                    const __m256i ia = _mm256_dpbusd_epi32(LD(nc[b] + k * 8), w, LD(xq[b] + k * QK));
                    acc[i][b] = lo_fma(acc[i][b], _mm256_cvtepi32_ps(ia),
                                       _mm256_set1_ps(sc[i][k] * xd[b][k]));
                }
            }
    }
    for (int i = 0; i < R; i++)
        for (int b = 0; b < NB; b++)
            y[(size_t)(b0 + b) * L->rows + r + i] =
                hsum(_mm256_add_ps(_mm512_castps512_ps256(acc[i][b]),
                                   _mm512_extractf32x8_ps(acc[i][b], 1))) +
                extra[i][b];
}

AVX512 static void matmul_rows5(void *arg, int r0, int r1, int thread) {
    (void)thread;
    const MatJob *job = arg;
    const Lin *L = job->lin;
    for (int b0 = 0; b0 < job->B; b0 += 4) {
        const int nbat = job->B - b0 < 4 ? job->B - b0 : 4;
        int r = r0;
        switch (nbat) {
        case 1: for (; r + 4 <= r1; r += 4) tile5(L, job->x, b0, r, 4, 1, job->y); break;
        case 2: for (; r + 4 <= r1; r += 4) tile5(L, job->x, b0, r, 4, 2, job->y); break;
        case 3: for (; r + 2 <= r1; r += 2) tile5(L, job->x, b0, r, 2, 3, job->y); break;
        default: for (; r + 2 <= r1; r += 2) tile5(L, job->x, b0, r, 2, 4, job->y); break;
        }
        for (; r < r1; r++) {
            switch (nbat) {
            case 1: tile5(L, job->x, b0, r, 1, 1, job->y); break;
            case 2: tile5(L, job->x, b0, r, 1, 2, job->y); break;
            case 3: tile5(L, job->x, b0, r, 1, 3, job->y); break;
            default: tile5(L, job->x, b0, r, 1, 4, job->y); break;
            }
        }
    }
}

/* Which path matmuls take: 1 = AVX2, 2 = AVX-512 VNNI (512-bit), 3 = VNNI on 256-bit. */
static int isa = 0;

static int isa_supported(int want) {
    if (want < 2) return 1;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vnni");
}

/* 0 = the fastest this CPU has (VNNI on 256-bit vectors, else AVX2), or 1-3 as above (AVX2
 * when the CPU lacks VNNI). Returns the path now in use. */
int axk_set_isa(int want) {
    if (want == 0) want = 3;
    isa = isa_supported(want) ? want : 1;
    return isa;
}

/* ~16 chunks of whole 8-row tiles, at least 64 rows each. */
static int matmul_chunk(int rows) {
    int c = (rows / 16 + 7) & ~7;
    return c < 64 ? 64 : c;
}

static void matmul(const Lin *L, const QAct *x, int B, float *y) {
    if (!isa) axk_set_isa(0);
    MatJob job = {L, x, B, y};
    parallel_split(isa == 3 ? matmul_rows3 : isa == 2 ? matmul_rows5 : matmul_rows2, &job, L->rows, 64, matmul_chunk(L->rows));
}

/* GGUF block rows -> the kernel's row layout (see "quantized dots"), in place. */
void axk_repack(int type, uint8_t *w, int rows, int cols) {
    const int nb = cols / QK, q4 = type == T_Q4_1, bb = q4 ? Q4_1_BYTES : Q8_0_BYTES;
    const int qbytes = q4 ? 16 : 32, paired = nb & ~1;
    uint8_t *tmp = malloc((size_t)nb * bb);
    uint8_t *codes = malloc((size_t)nb * QK); /* a row's codes in pair-interleaved order */
    for (int r = 0; r < rows; r++) {
        uint8_t *row = w + (size_t)r * nb * bb;
        memcpy(tmp, row, (size_t)nb * bb);
        uint8_t *qs = row, *d = row + nb * qbytes, *m = d + nb * 2;
        for (int k = 0; k < nb; k++) {
            const uint8_t *blk = tmp + (size_t)k * bb;
            memcpy(d + 2 * k, blk, 2);
            if (q4) memcpy(m + 2 * k, blk + 2, 2);
            for (int j = 0; j < QK; j++)
                codes[pair_pos(k, j, nb)] =
                    q4 ? (j < 16 ? blk[4 + j] & 15 : blk[4 + j - 16] >> 4) : blk[2 + j];
        }
        if (!q4) {
            memcpy(qs, codes, (size_t)nb * QK);
            continue;
        }
        int k = 0;
        for (; k + 4 <= nb; k += 4)
            for (int p = 0; p < 64; p++)
                qs[k * 16 + p] = codes[k * QK + p] | codes[(k + 2) * QK + p] << 4;
        for (; k + 2 <= paired; k += 2)
            for (int p = 0; p < 32; p++)
                qs[k * 16 + p] = codes[k * QK + p] | codes[k * QK + 32 + p] << 4;
        if (k < nb)
            for (int j = 0; j < 16; j++)
                qs[k * 16 + j] = codes[k * QK + j] | codes[k * QK + 16 + j] << 4;
    }
    free(tmp), free(codes);
}

/* ---------------------------------------------------------------- profiling
 * Built with -DAXK_PROF (never by setup.py): the caller's CPU ns per part of a forward pass, read by
 * axk_prof (the per-op figures of docs/performance.md). */
#ifdef AXK_PROF
#include <time.h>
enum { P_QKV, P_OUT, P_GATE_UP, P_DOWN, P_HEAD, P_ATTN, P_QUANT, P_OTHER, P_N };
static uint64_t prof_cycles[P_N], prof_mark;
static uint64_t prof_now(void) { /* the calling thread's CPU time, ns: not the machine's load */
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}
#define PROF(part) (prof_cycles[part] += prof_now() - prof_mark, prof_mark = prof_now())
void axk_prof(double *out) {
    for (int i = 0; i < P_N; i++) out[i] = (double)prof_cycles[i], prof_cycles[i] = 0;
}
#else
#define PROF(part) ((void)0)
#endif

/* ---------------------------------------------------------------- the model */

void *axk_model_new(int n_layers, int dim, int n_heads, int n_kv, int ffn, int vocab,
                    int max_len, float eps, float theta) {
    Model *m = calloc(1, sizeof(Model));
    m->n_layers = n_layers, m->dim = dim, m->n_heads = n_heads, m->n_kv = n_kv;
    m->hd = dim / n_heads, m->ffn = ffn, m->vocab = vocab, m->max_len = max_len, m->eps = eps;
    m->layers = calloc(n_layers, sizeof(LayerW));
    int half = m->hd / 2;
    m->cos = malloc(sizeof(float) * max_len * half);
    m->sin = malloc(sizeof(float) * max_len * half);
    for (int p = 0; p < max_len; p++)
        for (int i = 0; i < half; i++) {
            double angle = p * pow(theta, -2.0 * i / m->hd);
            m->cos[p * half + i] = (float)cos(angle);
            m->sin[p * half + i] = (float)sin(angle);
        }
    return m;
}

void axk_model_free(void *model) {
    Model *m = model;
    free(m->layers), free(m->cos), free(m->sin), free(m);
}

void axk_set_layer(void *model, int i, const float *attn_norm, const float *ffn_norm,
                   const int *types, const uint8_t *qkv, const uint8_t *out,
                   const uint8_t *gate_up, const uint8_t *down) {
    Model *m = model;
    LayerW *L = &m->layers[i];
    int kv = m->n_kv * m->hd;
    L->attn_norm = attn_norm, L->ffn_norm = ffn_norm;
    L->qkv = (Lin){types[0], m->dim + 2 * kv, m->dim, qkv};
    L->out = (Lin){types[1], m->dim, m->dim, out};
    L->gate_up = (Lin){types[2], 2 * m->ffn, m->dim, gate_up};
    L->down = (Lin){types[3], m->dim, m->ffn, down};
}

void axk_set_head(void *model, const uint8_t *embed, const float *norm) {
    Model *m = model;
    m->embed = embed, m->norm = norm;
}

static void rmsnorm(float *out, const float *x, const float *w, int n, float eps) {
    float ss = 0.f;
    for (int i = 0; i < n; i++) ss += x[i] * x[i];
    float inv = 1.f / sqrtf(ss / n + eps);
    for (int i = 0; i < n; i++) out[i] = x[i] * inv * w[i];
}

/* GGUF keeps llama.cpp's interleaved rope layout: pairs (2i, 2i+1) rotate together. */
static void rope(float *v, int heads, int hd, const float *c, const float *s) {
    for (int h = 0; h < heads; h++) {
        float *x = v + h * hd;
        for (int i = 0; i < hd / 2; i++) {
            float a = x[2 * i], b = x[2 * i + 1];
            x[2 * i] = a * c[i] - b * s[i];
            x[2 * i + 1] = a * s[i] + b * c[i];
        }
    }
}

/* One head of one token: out = softmax(q K^T / sqrt(hd)) V over positions 0..pos. */
static void attend_head(const Model *m, int layer, int h, const float *q, const float *kc,
                        const float *vc, int pos, float *out, float *scores) {
    const int hd = m->hd, group = m->n_heads / m->n_kv;
    const float scale = 1.f / sqrtf((float)hd);
    const int g = h / group;
    const size_t stride = (size_t)m->n_layers * m->n_kv * hd; /* one position */
    const float *K = kc + ((size_t)layer * m->n_kv + g) * hd;
    const float *V = vc + ((size_t)layer * m->n_kv + g) * hd;
    const float *qh = q + h * hd;
    float mx = -INFINITY;
    for (int t = 0; t <= pos; t++) {
        const float *kt = K + t * stride;
        __m256 acc = _mm256_setzero_ps();
        int i = 0;
        for (; i + 8 <= hd; i += 8)
            acc = _mm256_fmadd_ps(_mm256_loadu_ps(qh + i), _mm256_loadu_ps(kt + i), acc);
        float dot = hsum(acc);
        for (; i < hd; i++) dot = fmaf(qh[i], kt[i], dot);
        scores[t] = dot * scale;
        mx = scores[t] > mx ? scores[t] : mx;
    }
    float sum = 0.f;
    for (int t = 0; t <= pos; t++) sum += (scores[t] = expf(scores[t] - mx));
    float *o = out + h * hd;
    if (hd == 64) { /* the head in registers: o[i] = fma(p, V[t][i], o[i]) as below */
        __m256 a[8];
        for (int i = 0; i < 8; i++) a[i] = _mm256_setzero_ps();
        for (int t = 0; t <= pos; t++) {
            const __m256 p = _mm256_set1_ps(scores[t] / sum);
            const float *vt = V + t * stride;
            for (int i = 0; i < 8; i++) a[i] = _mm256_fmadd_ps(p, _mm256_loadu_ps(vt + 8 * i), a[i]);
        }
        for (int i = 0; i < 8; i++) _mm256_storeu_ps(o + 8 * i, a[i]);
        return;
    }
    memset(o, 0, sizeof(float) * hd);
    for (int t = 0; t <= pos; t++) {
        const float p = scores[t] / sum;
        for (int i = 0; i < hd; i++) o[i] = fmaf(p, V[t * stride + i], o[i]);
    }
}

typedef struct {
    const Model *m;
    int layer, qkv_n;
    const float *qkv; /* B x qkv_n, roped */
    float **kc, **vc;
    const int32_t *pos;
    float *out;       /* B x dim */
    float *scores[2]; /* max_len each: the caller's and the worker's */
} AttnJob;

/* Items [lo, hi) of B x n_heads (token, head) pairs; every pair is computed the same way
 * whichever thread takes it. */
static void attend_range(void *arg, int lo, int hi, int thread) {
    const AttnJob *j = arg;
    const Model *m = j->m;
    float *scores = j->scores[thread];
    for (int it = lo; it < hi; it++) {
        const int b = it / m->n_heads, h = it % m->n_heads;
        attend_head(m, j->layer, h, j->qkv + (size_t)b * j->qkv_n, j->kc[b], j->vc[b], j->pos[b],
                    j->out + (size_t)b * m->dim, scores);
    }
}

static void embed_row(const Model *m, int token, float *x) {
    const int nb = m->dim / QK;
    const uint8_t *row = m->embed + (size_t)token * nb * Q8_0_BYTES;
    for (int k = 0; k < nb; k++) {
        const float d = f16(row + nb * 32 + 2 * k);
        for (int j = 0; j < QK; j++) x[k * QK + j] = d * (int8_t)row[pair_pos(k, j, nb)];
    }
}

/* Run B tokens; token b sits at position pos[b] of the stream whose caches are kc[b],
 * vc[b] (max_len x n_layers x n_kv x hd floats each: a position's entries together, so
 * only the context in use is ever touched). Tokens of one stream must come in
 * position order. logits (n_want x vocab) get the rows of the tokens with want[b] != 0.
 * Returns 0, or -1 when a position is out of range. */
int axk_forward(void *model, int B, const int32_t *tokens, const int32_t *pos, float **kc,
                float **vc, const uint8_t *want, float *logits) {
    Model *m = model;
    const int dim = m->dim, kvd = m->n_kv * m->hd, qkv_n = dim + 2 * kvd, ffn = m->ffn;
    for (int b = 0; b < B; b++)
        if (pos[b] < 0 || pos[b] >= m->max_len || tokens[b] < 0 || tokens[b] >= m->vocab)
            return -1;
    const int widest = 2 * ffn > qkv_n ? 2 * ffn : qkv_n;
    float *x = malloc(sizeof(float) * B * dim), *h = malloc(sizeof(float) * B * dim);
    float *buf = malloc(sizeof(float) * B * widest), *act = malloc(sizeof(float) * B * ffn);
    float *scores = malloc(sizeof(float) * 2 * m->max_len);
    QAct qa, qf;
    qact_init(&qa, B, dim), qact_init(&qf, B, ffn);
    const int half = m->hd / 2;
#ifdef AXK_PROF
    prof_mark = prof_now();
#endif
    for (int b = 0; b < B; b++) embed_row(m, tokens[b], x + (size_t)b * dim);
    for (int l = 0; l < m->n_layers; l++) {
        const LayerW *L = &m->layers[l];
        for (int b = 0; b < B; b++)
            rmsnorm(h + (size_t)b * dim, x + (size_t)b * dim, L->attn_norm, dim, m->eps);
        quantize(&qa, h, B);
        PROF(P_QUANT);
        matmul(&L->qkv, &qa, B, buf);
        PROF(P_QKV);
        for (int b = 0; b < B; b++) {
            float *q = buf + (size_t)b * qkv_n, *k = q + dim, *v = k + kvd;
            const float *c = m->cos + (size_t)pos[b] * half, *s = m->sin + (size_t)pos[b] * half;
            rope(q, m->n_heads, m->hd, c, s);
            rope(k, m->n_kv, m->hd, c, s);
            for (int g = 0; g < m->n_kv; g++) {
                size_t at = (((size_t)pos[b] * m->n_layers + l) * m->n_kv + g) * m->hd;
                memcpy(kc[b] + at, k + g * m->hd, sizeof(float) * m->hd);
                memcpy(vc[b] + at, v + g * m->hd, sizeof(float) * m->hd);
            }
        }
        /* every token's keys and values are stored before any attends: a token reads only
         * positions up to its own, which its stream's earlier tokens have written */
        AttnJob aj = {m, l, qkv_n, buf, kc, vc, pos, h, {scores, scores + m->max_len}};
        parallel_split(attend_range, &aj, B * m->n_heads, 2, 1);
        PROF(P_ATTN);
        quantize(&qa, h, B);
        PROF(P_QUANT);
        matmul(&L->out, &qa, B, buf);
        PROF(P_OUT);
        for (int i = 0; i < B * dim; i++) x[i] += buf[i];
        for (int b = 0; b < B; b++)
            rmsnorm(h + (size_t)b * dim, x + (size_t)b * dim, L->ffn_norm, dim, m->eps);
        PROF(P_OTHER);
        quantize(&qa, h, B);
        PROF(P_QUANT);
        matmul(&L->gate_up, &qa, B, buf);
        PROF(P_GATE_UP);
        quantize_act(&qf, act, B, buf); /* SiLU(gate) x up, then quantized */
        PROF(P_QUANT);
        matmul(&L->down, &qf, B, buf);
        PROF(P_DOWN);
        for (int i = 0; i < B * dim; i++) x[i] += buf[i];
    }
    int n = 0;
    for (int b = 0; b < B; b++)
        if (want[b]) rmsnorm(h + (size_t)(n++) * dim, x + (size_t)b * dim, m->norm, dim, m->eps);
    if (n) {
        quantize(&qa, h, n);
        Lin head = {T_Q8_0, m->vocab, dim, m->embed};
        PROF(P_OTHER);
        matmul(&head, &qa, n, logits);
        PROF(P_HEAD);
    }
    free(x), free(h), free(buf), free(act), free(scores);
    qact_free(&qa), qact_free(&qf);
    return 0;
}

/* Blocks for the lab's float weights: asymmetric int4 (Q4_1) or symmetric int8 (Q8_0)
 * groups of 32, round to nearest, rows of n floats. */
void axk_quantize_q4_1(const float *w, int rows, int n, uint8_t *out) {
    for (int r = 0; r < rows; r++)
        for (int k = 0; k < n / QK; k++) {
            const float *v = w + (size_t)r * n + k * QK;
            uint8_t *blk = out + ((size_t)r * (n / QK) + k) * Q4_1_BYTES;
            float lo = v[0], hi = v[0];
            for (int j = 1; j < QK; j++) lo = v[j] < lo ? v[j] : lo, hi = v[j] > hi ? v[j] : hi;
            uint16_t dh = _cvtss_sh((hi - lo) / 15.f, 0), mh = _cvtss_sh(lo, 0);
            memcpy(blk, &dh, 2), memcpy(blk + 2, &mh, 2);
            const float d = _cvtsh_ss(dh), m = _cvtsh_ss(mh), inv = d > 0.f ? 1.f / d : 0.f;
            for (int j = 0; j < QK / 2; j++) {
                int a = (int)lrintf((v[j] - m) * inv), b = (int)lrintf((v[j + 16] - m) * inv);
                a = a < 0 ? 0 : a > 15 ? 15 : a;
                b = b < 0 ? 0 : b > 15 ? 15 : b;
                blk[4 + j] = (uint8_t)(a | (b << 4));
            }
        }
}

void axk_quantize_q8_0(const float *w, int rows, int n, uint8_t *out) {
    for (int r = 0; r < rows; r++)
        for (int k = 0; k < n / QK; k++) {
            const float *v = w + (size_t)r * n + k * QK;
            uint8_t *blk = out + ((size_t)r * (n / QK) + k) * Q8_0_BYTES;
            float amax = 0.f;
            for (int j = 0; j < QK; j++) amax = fabsf(v[j]) > amax ? fabsf(v[j]) : amax;
            uint16_t dh = _cvtss_sh(amax / 127.f, 0);
            memcpy(blk, &dh, 2);
            const float d = _cvtsh_ss(dh), inv = d > 0.f ? 1.f / d : 0.f;
            for (int j = 0; j < QK; j++) {
                int q = (int)lrintf(v[j] * inv);
                blk[2 + j] = (uint8_t)(int8_t)(q < -127 ? -127 : q > 127 ? 127 : q);
            }
        }
}

/* y (B x rows) = x (B x cols) @ W.T through the decode path (tests and benchmarks). */
void axk_matmul(int type, const uint8_t *w, int rows, int cols, const float *x, int B, float *y) {
    Lin L = {type, rows, cols, w};
    QAct qa;
    qact_init(&qa, B, cols);
    quantize(&qa, x, B);
    matmul(&L, &qa, B, y);
    qact_free(&qa);
}
