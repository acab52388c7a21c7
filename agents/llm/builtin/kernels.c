/* The builtin model's decode kernel: a Llama forward pass over GGUF Q4_1 / Q8_0 blocks.
 *
 * Built at install time (setup.py, a plain shared library loaded with ctypes; no Python
 * API), so serving the model needs neither torch nor a compiler. One call runs B tokens
 * (any mix of streams, each with its own KV cache and position) through every layer: the
 * weights are read once per step whatever B is, which is what makes batched decode of
 * several streams cheap. Activations are quantized to int8 blocks of 32 (like llama.cpp's
 * Q8 path) and dotted with integer AVX2 instructions. Every row of every token is computed
 * with the same arithmetic whatever B and the thread count, so a stream's output does not
 * depend on what it is batched with.
 *
 * Threads: with 2, matmuls are split by output rows between the caller and one persistent
 * worker thread that spins briefly between jobs and otherwise sleeps on a futex.
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

/* ---------------------------------------------------------------- thread pool */

static pthread_t pool_thread;
static int pool_started = 0, pool_threads = 1;
static atomic_int job_gen = 0, done_gen = 0, sleeping = 0;
static void (*job_fn)(void *, int, int);
static void *job_arg;
static int job_lo, job_hi;

static void futex_wait(atomic_int *addr, int val) {
    syscall(SYS_futex, (int *)addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}
static void futex_wake(atomic_int *addr) {
    syscall(SYS_futex, (int *)addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
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
        job_fn(job_arg, job_lo, job_hi);
        atomic_store(&done_gen, g);
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

/* Run fn over [0, n): split at `mid` between this thread and the worker. */
static void parallel(void (*fn)(void *, int, int), void *arg, int n) {
    if (pool_threads < 2 || n < 64) {
        fn(arg, 0, n);
        return;
    }
    int mid = (n / 2) & ~7;
    job_fn = fn, job_arg = arg, job_lo = mid, job_hi = n;
    int g = atomic_load(&job_gen) + 1;
    atomic_store(&job_gen, g);
    if (atomic_load(&sleeping)) futex_wake(&job_gen);
    fn(arg, 0, mid);
    for (int i = 0; atomic_load(&done_gen) != g; i++) {
        if (i < 20000)
            _mm_pause();
        else
            sched_yield(); /* the worker was descheduled: a busy machine */
    }
}

/* ---------------------------------------------------------------- quantized dots */

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

/* Activations: B rows of n floats -> int8 blocks, block scales and block sums. */
typedef struct {
    int8_t *q;
    float *d, *s;
    int nb; /* blocks per row */
} QAct;

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

typedef struct {
    const Lin *lin;
    const QAct *x;
    int B;
    float *y; /* B x rows */
} MatJob;

/* Matrices are repacked in place at load (axk_repack) so a row's scales sit together:
 * Q4_1 row = [16-byte nibbles x nb][fp16 d x nb][fp16 m x nb]; Q8_0 row = [32 int8 x nb]
 * [fp16 d x nb]. Same bytes as GGUF, but 8 scales convert in one instruction. */
#define MAXNB 512

static inline void load_scales(const uint16_t *h, int nb, float *out) {
    int k = 0;
    for (; k + 8 <= nb; k += 8)
        _mm256_storeu_ps(out + k, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + k))));
    for (; k < nb; k++) out[k] = _cvtsh_ss(h[k]);
}

/* R rows x NB tokens at once: R * NB independent accumulators hide the FMA latency. */
static inline __attribute__((always_inline)) void tile(const Lin *L, const QAct *x, int b0,
                                                       int r, int R, int NB, float *y) {
    const int nb = L->cols / QK, q4 = L->type == T_Q4_1;
    const int row_bytes = nb * (q4 ? Q4_1_BYTES : Q8_0_BYTES);
    const __m256i ones = _mm256_set1_epi16(1), m0f = _mm256_set1_epi8(0x0f);
    float sc[4][MAXNB], xs_d[8][MAXNB];
    float extra[4][8];
    __m256 acc[4][8];
    for (int b = 0; b < NB; b++) memcpy(xs_d[b], x->d + (size_t)(b0 + b) * nb, sizeof(float) * nb);
    for (int i = 0; i < R; i++) {
        const uint8_t *row = L->w + (size_t)(r + i) * row_bytes;
        const uint16_t *dh = (const uint16_t *)(row + nb * (q4 ? 16 : 32));
        load_scales(dh, nb, sc[i]);
        for (int b = 0; b < NB; b++) {
            acc[i][b] = _mm256_setzero_ps();
            extra[i][b] = 0.f;
            if (q4) {
                float mv[MAXNB];
                load_scales(dh + nb, nb, mv);
                const float *xs = x->s + (size_t)(b0 + b) * nb;
                float e = 0.f;
                for (int k = 0; k < nb; k++) e += mv[k] * xs[k];
                extra[i][b] = e;
            }
        }
    }
    for (int k = 0; k < nb; k++) {
        __m256i xv[8];
        for (int b = 0; b < NB; b++)
            xv[b] = _mm256_loadu_si256((const __m256i *)(x->q + ((size_t)(b0 + b) * nb + k) * QK));
        for (int i = 0; i < R; i++) {
            const uint8_t *row = L->w + (size_t)(r + i) * row_bytes;
            __m256i w, aw = _mm256_setzero_si256();
            if (q4) {
                __m128i t = _mm_loadu_si128((const __m128i *)(row + k * 16));
                w = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), m0f);
            } else {
                w = _mm256_loadu_si256((const __m256i *)(row + k * 32));
                aw = _mm256_sign_epi8(w, w);
            }
            for (int b = 0; b < NB; b++) {
                __m256i p = q4 ? _mm256_maddubs_epi16(w, xv[b])
                               : _mm256_maddubs_epi16(aw, _mm256_sign_epi8(xv[b], w));
                __m256 f = _mm256_cvtepi32_ps(_mm256_madd_epi16(p, ones));
                acc[i][b] = _mm256_fmadd_ps(_mm256_set1_ps(sc[i][k] * xs_d[b][k]), f, acc[i][b]);
            }
        }
    }
    for (int i = 0; i < R; i++)
        for (int b = 0; b < NB; b++)
            y[(size_t)(b0 + b) * L->rows + r + i] = hsum(acc[i][b]) + extra[i][b];
}

static void matmul_rows(void *arg, int r0, int r1) {
    const MatJob *job = arg;
    const Lin *L = job->lin;
    for (int b0 = 0; b0 < job->B; b0 += 8) {
        const int nbat = job->B - b0 < 8 ? job->B - b0 : 8;
        int r = r0;
        if (nbat == 1)
            for (; r + 4 <= r1; r += 4) tile(L, job->x, b0, r, 4, 1, job->y);
        else if (nbat == 2)
            for (; r + 2 <= r1; r += 2) tile(L, job->x, b0, r, 2, 2, job->y);
        else if (nbat <= 4)
            for (; r + 2 <= r1; r += 2) {
                if (nbat == 3) tile(L, job->x, b0, r, 2, 3, job->y);
                else tile(L, job->x, b0, r, 2, 4, job->y);
            }
        for (; r < r1; r++) {
            switch (nbat) {
            case 1: tile(L, job->x, b0, r, 1, 1, job->y); break;
            case 2: tile(L, job->x, b0, r, 1, 2, job->y); break;
            case 3: tile(L, job->x, b0, r, 1, 3, job->y); break;
            case 4: tile(L, job->x, b0, r, 1, 4, job->y); break;
            case 5: tile(L, job->x, b0, r, 1, 5, job->y); break;
            case 6: tile(L, job->x, b0, r, 1, 6, job->y); break;
            case 7: tile(L, job->x, b0, r, 1, 7, job->y); break;
            default: tile(L, job->x, b0, r, 1, 8, job->y); break;
            }
        }
    }
}

/* GGUF block rows -> the kernel's row layout (see above), in place. */
void axk_repack(int type, uint8_t *w, int rows, int cols) {
    const int nb = cols / QK, q4 = type == T_Q4_1, bb = q4 ? Q4_1_BYTES : Q8_0_BYTES;
    const int qbytes = q4 ? 16 : 32;
    uint8_t *tmp = malloc((size_t)nb * bb);
    for (int r = 0; r < rows; r++) {
        uint8_t *row = w + (size_t)r * nb * bb;
        memcpy(tmp, row, (size_t)nb * bb);
        uint8_t *qs = row, *d = row + nb * qbytes, *m = d + nb * 2;
        for (int k = 0; k < nb; k++) {
            const uint8_t *blk = tmp + (size_t)k * bb;
            memcpy(d + 2 * k, blk, 2);
            if (q4) {
                memcpy(m + 2 * k, blk + 2, 2);
                memcpy(qs + 16 * k, blk + 4, 16);
            } else {
                memcpy(qs + 32 * k, blk + 2, 32);
            }
        }
    }
    free(tmp);
}

static void matmul(const Lin *L, const QAct *x, int B, float *y) {
    MatJob job = {L, x, B, y};
    parallel(matmul_rows, &job, L->rows);
}

static void quantize(QAct *qa, const float *x, int B, int n) {
    qa->nb = n / QK;
    for (int b = 0; b < B; b++)
        quantize_row(x + (size_t)b * n, n, qa->q + (size_t)b * n, qa->d + (size_t)b * qa->nb,
                     qa->s + (size_t)b * qa->nb);
}

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

static void attend(const Model *m, int layer, const float *q, const float *kc,
                   const float *vc, int pos, float *out, float *scores) {
    const int hd = m->hd, group = m->n_heads / m->n_kv;
    const float scale = 1.f / sqrtf((float)hd);
    for (int h = 0; h < m->n_heads; h++) {
        const int g = h / group;
        const size_t stride = (size_t)m->n_layers * m->n_kv * hd; /* one position */
        const float *K = kc + ((size_t)layer * m->n_kv + g) * hd;
        const float *V = vc + ((size_t)layer * m->n_kv + g) * hd;
        const float *qh = q + h * hd;
        float mx = -INFINITY;
        for (int t = 0; t <= pos; t++) {
            float dot = 0.f;
            for (int i = 0; i < hd; i++) dot += qh[i] * K[t * stride + i];
            scores[t] = dot * scale;
            mx = scores[t] > mx ? scores[t] : mx;
        }
        float sum = 0.f;
        for (int t = 0; t <= pos; t++) sum += (scores[t] = expf(scores[t] - mx));
        float *o = out + h * hd;
        memset(o, 0, sizeof(float) * hd);
        for (int t = 0; t <= pos; t++) {
            const float p = scores[t] / sum;
            for (int i = 0; i < hd; i++) o[i] += p * V[t * stride + i];
        }
    }
}

static void embed_row(const Model *m, int token, float *x) {
    const int nb = m->dim / QK;
    const uint8_t *row = m->embed + (size_t)token * nb * Q8_0_BYTES;
    for (int k = 0; k < nb; k++) {
        const float d = f16(row + nb * 32 + 2 * k);
        const int8_t *q = (const int8_t *)(row + 32 * k);
        for (int j = 0; j < QK; j++) x[k * QK + j] = d * q[j];
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
    float *scores = malloc(sizeof(float) * m->max_len);
    QAct qa = {malloc((size_t)B * ffn), malloc(sizeof(float) * B * ffn / QK),
               malloc(sizeof(float) * B * ffn / QK), 0};
    const int half = m->hd / 2;
    for (int b = 0; b < B; b++) embed_row(m, tokens[b], x + (size_t)b * dim);
    for (int l = 0; l < m->n_layers; l++) {
        const LayerW *L = &m->layers[l];
        for (int b = 0; b < B; b++)
            rmsnorm(h + (size_t)b * dim, x + (size_t)b * dim, L->attn_norm, dim, m->eps);
        quantize(&qa, h, B, dim);
        matmul(&L->qkv, &qa, B, buf);
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
            attend(m, l, q, kc[b], vc[b], pos[b], h + (size_t)b * dim, scores);
        }
        quantize(&qa, h, B, dim);
        matmul(&L->out, &qa, B, buf);
        for (int i = 0; i < B * dim; i++) x[i] += buf[i];
        for (int b = 0; b < B; b++)
            rmsnorm(h + (size_t)b * dim, x + (size_t)b * dim, L->ffn_norm, dim, m->eps);
        quantize(&qa, h, B, dim);
        matmul(&L->gate_up, &qa, B, buf);
        for (int b = 0; b < B; b++)
            for (int i = 0; i < ffn; i++) {
                float g = buf[(size_t)b * 2 * ffn + i], u = buf[(size_t)b * 2 * ffn + ffn + i];
                act[(size_t)b * ffn + i] = g / (1.f + expf(-g)) * u;
            }
        quantize(&qa, act, B, ffn);
        matmul(&L->down, &qa, B, buf);
        for (int i = 0; i < B * dim; i++) x[i] += buf[i];
    }
    int n = 0;
    for (int b = 0; b < B; b++)
        if (want[b]) rmsnorm(h + (size_t)(n++) * dim, x + (size_t)b * dim, m->norm, dim, m->eps);
    if (n) {
        quantize(&qa, h, n, dim);
        Lin head = {T_Q8_0, m->vocab, dim, m->embed};
        matmul(&head, &qa, n, logits);
    }
    free(x), free(h), free(buf), free(act), free(scores);
    free(qa.q), free(qa.d), free(qa.s);
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
    QAct qa = {malloc((size_t)B * cols), malloc(sizeof(float) * B * cols / QK),
               malloc(sizeof(float) * B * cols / QK), 0};
    quantize(&qa, x, B, cols);
    matmul(&L, &qa, B, y);
    free(qa.q), free(qa.d), free(qa.s);
}
