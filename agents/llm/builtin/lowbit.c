/* 3-bit weights for the lab's W3 models, dequantized on the fly inside the matmul.
 *
 * A separate small library from kernels.c (built next to it by setup.py, loaded with
 * ctypes): the lab's W3 codes stay 3-bit in memory instead of being widened to Q4_1.
 *
 * Row layout (``axl_w3_*``): for each block of 32 weights, 12 bytes of codes split in two
 * planes so that 32 codes expand with a few AVX2 instructions:
 *   bytes 0..7   low two bits: byte j, bits 2i..2i+1 = code[8i + j]   (i = 0..3)
 *   bytes 8..11  high bit: bit p of the little-endian 32-bit word = code[p] >> 2
 * Each row's codes are followed by nothing: scales and zero points are separate fp16
 * (rows, cols / group) arrays, w = (code - zero) * scale, exactly the lab's grid.
 *
 * Activations are quantized to int8 blocks of 32 exactly as kernels.c does (scale
 * amax / 127, round to nearest even, the block's float sum kept), so a W3 matmul equals
 * the widened Q4_1 one (scale d = s, min m = -z s) up to float rounding: y = sum over
 * groups of s (sum_k xd_k sum_j q_j xq_j - z sum_k xs_k).
 */
#include <immintrin.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define QK 32
#define W3_BYTES 12
#define MAXB 8
#define MAXG 512

static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* 12 bytes -> 32 unsigned bytes 0..7. */
static inline __m256i expand(const uint8_t *p) {
    int64_t lo;
    int32_t hi;
    memcpy(&lo, p, 8);
    memcpy(&hi, p + 8, 4);
    __m256i l = _mm256_srlv_epi64(_mm256_set1_epi64x(lo), _mm256_set_epi64x(6, 4, 2, 0));
    l = _mm256_and_si256(l, _mm256_set1_epi8(3));
    /* byte p <- byte p / 8 of hi (hi is repeated in every 32-bit word of each lane) */
    const __m256i pick = _mm256_set_epi8(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1,
                                         1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i bit = _mm256_set1_epi64x(0x8040201008040201LL);
    __m256i h = _mm256_shuffle_epi8(_mm256_set1_epi32(hi), pick);
    h = _mm256_cmpeq_epi8(_mm256_and_si256(h, bit), bit);
    return _mm256_or_si256(l, _mm256_and_si256(h, _mm256_set1_epi8(4)));
}

static void quantize_row(const float *x, int n, int8_t *q, float *d, float *s) {
    for (int k = 0; k < n / QK; k++) {
        const float *v = x + k * QK;
        float amax = 0.f, sum = 0.f;
        for (int j = 0; j < QK; j++) {
            float a = fabsf(v[j]);
            amax = a > amax ? a : amax;
            sum += v[j];
        }
        float scale = amax / 127.f, inv = amax > 0.f ? 127.f / amax : 0.f;
        for (int j = 0; j < QK; j++) q[k * QK + j] = (int8_t)lrintf(v[j] * inv);
        d[k] = scale;
        s[k] = sum;
    }
}

/* R rows x NB tokens: expand each block once, dot it with every token's block. */
static inline __attribute__((always_inline)) void tile(const uint8_t *w, const uint16_t *sc,
                                                       const uint16_t *zr, int cols, int group,
                                                       const int8_t *xq, const float *xd,
                                                       const float *xgs, int r, int R, int NB,
                                                       int rows, float *y) {
    const int nb = cols / QK, per = group / QK, ng = cols / group;
    const __m256i ones = _mm256_set1_epi16(1);
    float s[2][MAXG], z[2][MAXG];
    __m256 acc[2][MAXB];
    float extra[2][MAXB];
    for (int i = 0; i < R; i++) {
        for (int g = 0; g < ng; g++) {
            s[i][g] = _cvtsh_ss(sc[(size_t)(r + i) * ng + g]);
            z[i][g] = _cvtsh_ss(zr[(size_t)(r + i) * ng + g]);
        }
        for (int b = 0; b < NB; b++) {
            acc[i][b] = _mm256_setzero_ps();
            float e = 0.f;
            for (int g = 0; g < ng; g++) e += s[i][g] * z[i][g] * xgs[(size_t)b * ng + g];
            extra[i][b] = e;
        }
    }
    for (int k = 0; k < nb; k++) {
        const int g = k / per;
        __m256i xv[MAXB];
        for (int b = 0; b < NB; b++)
            xv[b] = _mm256_loadu_si256((const __m256i *)(xq + ((size_t)b * nb + k) * QK));
        for (int i = 0; i < R; i++) {
            const __m256i q = expand(w + ((size_t)(r + i) * nb + k) * W3_BYTES);
            for (int b = 0; b < NB; b++) {
                __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(q, xv[b]), ones);
                acc[i][b] = _mm256_fmadd_ps(_mm256_set1_ps(s[i][g] * xd[(size_t)b * nb + k]),
                                            _mm256_cvtepi32_ps(p), acc[i][b]);
            }
        }
    }
    for (int i = 0; i < R; i++)
        for (int b = 0; b < NB; b++) y[(size_t)b * rows + r + i] = hsum(acc[i][b]) - extra[i][b];
}

/* ---------------------------------------------------------------- second thread
 * One persistent worker (as in kernels.c, whose pool is private to it): with threads = 2 a
 * matmul's rows are split between the caller and the worker, which spins briefly between
 * jobs and otherwise sleeps on a futex. Every row is computed the same way either way. */

static pthread_t pool_thread;
static int pool_started = 0;
static pthread_mutex_t pool_start_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int job_gen = 0, done_gen = 0, sleeping = 0;
static void (*job_fn)(void *, int, int);
static void *job_arg;
static int job_lo, job_hi;

static void *pool_main(void *unused) {
    (void)unused;
    int seen = 0;
    for (;;) {
        int g = seen;
        for (int i = 0; i < 4000 && (g = atomic_load(&job_gen)) == seen; i++) _mm_pause();
        if (g == seen) {
            atomic_store(&sleeping, 1);
            if (atomic_load(&job_gen) == seen)
                syscall(SYS_futex, (int *)&job_gen, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
            atomic_store(&sleeping, 0);
            continue;
        }
        seen = g;
        job_fn(job_arg, job_lo, job_hi);
        atomic_store(&done_gen, g);
    }
    return NULL;
}

/* Run fn over [0, n): with 2 threads split at an even row between the caller and the worker.
 * Callers serialise (the model's step lock). */
static void parallel(void (*fn)(void *, int, int), void *arg, int n, int threads) {
    if (threads < 2 || n < 64) {
        fn(arg, 0, n);
        return;
    }
    pthread_mutex_lock(&pool_start_lock);
    if (!pool_started) {
        pthread_create(&pool_thread, NULL, pool_main, NULL);
        pthread_detach(pool_thread);
        pool_started = 1;
    }
    pthread_mutex_unlock(&pool_start_lock);
    int mid = (n / 2) & ~7;
    job_fn = fn, job_arg = arg, job_lo = mid, job_hi = n;
    int g = atomic_load(&job_gen) + 1;
    atomic_store(&job_gen, g);
    if (atomic_load(&sleeping))
        syscall(SYS_futex, (int *)&job_gen, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    fn(arg, 0, mid);
    for (int i = 0; atomic_load(&done_gen) != g; i++) {
        if (i < 20000)
            _mm_pause();
        else
            sched_yield(); /* the worker was descheduled: a busy machine */
    }
}

typedef struct {
    const uint8_t *w;
    const uint16_t *scales, *zeros;
    int rows, cols, group;
    const int8_t *xq;
    const float *xd, *xgs;
    int B;
    float *y;
} W3Job;

static void w3_rows(void *arg, int r0, int r1) {
    const W3Job *j = arg;
    const int nb = j->cols / QK, ng = j->cols / j->group;
    for (int b0 = 0; b0 < j->B; b0 += MAXB) {
        const int nbat = j->B - b0 < MAXB ? j->B - b0 : MAXB;
        const int8_t *q = j->xq + (size_t)b0 * j->cols;
        const float *d = j->xd + (size_t)b0 * nb, *s = j->xgs + (size_t)b0 * ng;
        float *yb = j->y + (size_t)b0 * j->rows;
        const uint8_t *w = j->w;
        const uint16_t *sc = j->scales, *zr = j->zeros;
        const int cols = j->cols, group = j->group, rows = j->rows;
        int r = r0;
        if (nbat == 1)
            for (; r + 2 <= r1; r += 2) tile(w, sc, zr, cols, group, q, d, s, r, 2, 1, rows, yb);
        for (; r < r1; r++) {
            switch (nbat) {
            case 1: tile(w, sc, zr, cols, group, q, d, s, r, 1, 1, rows, yb); break;
            case 2: tile(w, sc, zr, cols, group, q, d, s, r, 1, 2, rows, yb); break;
            case 3: tile(w, sc, zr, cols, group, q, d, s, r, 1, 3, rows, yb); break;
            case 4: tile(w, sc, zr, cols, group, q, d, s, r, 1, 4, rows, yb); break;
            default: tile(w, sc, zr, cols, group, q, d, s, r, 1, nbat, rows, yb); break;
            }
        }
    }
}

/* y (B x rows) = x (B x cols) @ W.T for W3 rows ``w`` with fp16 scales/zeros per group, on
 * 1 or 2 threads.
 * Returns 0, or -1 when the shape is not supported (cols or group not multiples of 32). */
int axl_w3_matmul(const uint8_t *w, const uint16_t *scales, const uint16_t *zeros, int rows,
                  int cols, int group, const float *x, int B, float *y, int threads) {
    if (cols % QK || group % QK || cols % group || cols / group > MAXG) return -1;
    const int nb = cols / QK, ng = cols / group, per = group / QK;
    int8_t *xq = malloc((size_t)B * cols);
    float *xd = malloc(sizeof(float) * B * nb), *xs = malloc(sizeof(float) * B * nb);
    float *xgs = calloc((size_t)B * ng, sizeof(float)); /* block sums added per group */
    for (int b = 0; b < B; b++) {
        quantize_row(x + (size_t)b * cols, cols, xq + (size_t)b * cols, xd + (size_t)b * nb,
                     xs + (size_t)b * nb);
        for (int k = 0; k < nb; k++) xgs[(size_t)b * ng + k / per] += xs[(size_t)b * nb + k];
    }
    W3Job job = {w, scales, zeros, rows, cols, group, xq, xd, xgs, B, y};
    parallel(w3_rows, &job, rows, threads);
    free(xq), free(xd), free(xs), free(xgs);
    return 0;
}

/* Codes (rows x cols, one byte each, 0..7) -> the W3 row layout above. */
void axl_w3_pack(const uint8_t *codes, int rows, int cols, uint8_t *out) {
    const int nb = cols / QK;
    for (int r = 0; r < rows; r++)
        for (int k = 0; k < nb; k++) {
            const uint8_t *c = codes + (size_t)r * cols + k * QK;
            uint8_t *o = out + ((size_t)r * nb + k) * W3_BYTES;
            uint32_t hi = 0;
            memset(o, 0, W3_BYTES);
            for (int p = 0; p < QK; p++) {
                o[p % 8] |= (uint8_t)((c[p] & 3) << (2 * (p / 8)));
                hi |= (uint32_t)((c[p] >> 2) & 1) << p;
            }
            memcpy(o + 8, &hi, 4);
        }
}
