#define _GNU_SOURCE
#include "CSparseShim.h"
#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

// Fortran BLAS/LAPACK (gfortran ABI: hidden string lengths last).
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t);
extern void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t);
extern void dtrsm_(const char *side, const char *uplo, const char *transa, const char *diag,
                   const int *m, const int *n, const double *alpha, const double *a, const int *lda,
                   double *b, const int *ldb, size_t, size_t, size_t, size_t);
extern void dsyrk_(const char *uplo, const char *trans, const int *n, const int *k, const double *alpha,
                   const double *a, const int *lda, const double *beta, double *c, const int *ldc, size_t, size_t);
extern void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
                   const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
                   const double *beta, double *c, const int *ldc, size_t, size_t);
extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                   double *work, const int *lwork, int *info, size_t, size_t);
extern void openblas_set_num_threads(int);
extern int openblas_get_num_threads(void);

int csshim_start(cholmod_common *common, int kind) {
    SuiteSparse_config.printf_func = NULL;
    if (!cholmod_start(common)) return 0;
    common->print = 0;
    common->final_ll = 1;
    common->supernodal = kind == 0 ? CHOLMOD_SIMPLICIAL : (kind == 2 ? CHOLMOD_SUPERNODAL : CHOLMOD_AUTO);
    common->quick_return_if_not_posdef = 1;
    return 1;
}

int csshim_factorize_shifted(cholmod_sparse *A, double beta, cholmod_factor *L, cholmod_common *common) {
    double b[2] = {beta, 0.0};
    int ok = cholmod_factorize_p(A, b, NULL, 0, L, common);
    if (!ok || common->status != CHOLMOD_OK) return 0;
    if (L->minor < L->n) return 0;
    return 1;
}

double csshim_factor_logdet(const cholmod_factor *L) {
    double s = 0.0;
    if (L->is_super) {
        const int *super = (const int *) L->super;
        const int *pi = (const int *) L->pi;
        const int *px = (const int *) L->px;
        const double *x = (const double *) L->x;
        for (size_t k = 0; k < L->nsuper; k++) {
            int k1 = super[k], k2 = super[k + 1];
            int nsrow = pi[k + 1] - pi[k];
            const double *base = x + px[k];
            for (int j = 0; j < k2 - k1; j++) {
                double d = base[(size_t) j * nsrow + j];
                if (!(d > 0.0)) return NAN;
                s += log(d);
            }
        }
        return 2.0 * s;
    }
    const int *p = (const int *) L->p;
    const double *x = (const double *) L->x;
    for (size_t j = 0; j < L->n; j++) {
        double d = x[p[j]];
        if (!(d > 0.0)) return NAN;
        s += log(d);
    }
    return L->is_ll ? 2.0 * s : s;
}

double csshim_factor_nnz(const cholmod_factor *L) {
    if (L->is_super) {
        const int *super = (const int *) L->super;
        const int *pi = (const int *) L->pi;
        double total = 0.0;
        for (size_t k = 0; k < L->nsuper; k++) {
            double ncols = super[k + 1] - super[k];
            double nrows = pi[k + 1] - pi[k];
            total += ncols * nrows - ncols * (ncols - 1) / 2.0;
        }
        return total;
    }
    const int *nz = (const int *) L->nz;
    double total = 0.0;
    if (nz == NULL || L->xtype == CHOLMOD_PATTERN) {
        // symbolic simplicial factor: the column counts of the analysis
        const int *cc = (const int *) L->ColCount;
        if (cc == NULL) return 0.0;
        for (size_t j = 0; j < L->n; j++) total += cc[j];
        return total;
    }
    for (size_t j = 0; j < L->n; j++) total += nz[j];
    return total;
}

double csshim_common_fl(const cholmod_common *common) { return common->fl; }
long csshim_malloc_count(const cholmod_common *common) { return (long) common->malloc_count; }
int csshim_factor_is_super(const cholmod_factor *L) { return L->is_super ? 1 : 0; }

void csshim_set_blas_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }
int csshim_get_blas_threads(void) { return openblas_get_num_threads(); }

int csshim_dpotrf_lower(int n, double *a, int lda) {
    int info = 0;
    if (n == 0) return 0;
    dpotrf_("L", &n, a, &lda, &info, 1);
    return info;
}

int csshim_dpotri_lower(int n, double *a, int lda) {
    int info = 0;
    if (n == 0) return 0;
    dpotri_("L", &n, a, &lda, &info, 1);
    return info;
}

void csshim_dtrsm_lower_left(int trans, int n, int nrhs, const double *l, int ldl, double *b, int ldb) {
    const double one = 1.0;
    if (n == 0 || nrhs == 0) return;
    dtrsm_("L", "L", trans ? "T" : "N", "N", &n, &nrhs, &one, l, &ldl, b, &ldb, 1, 1, 1, 1);
}

void csshim_dsyrk_lower_trans(int n, int k, double alpha, const double *a, int lda, double beta, double *c, int ldc) {
    if (n == 0) return;
    dsyrk_("L", "T", &n, &k, &alpha, a, &lda, &beta, c, &ldc, 1, 1);
}

void csshim_dgemm(int transa, int transb, int m, int n, int k, double alpha, const double *a, int lda,
                  const double *b, int ldb, double beta, double *c, int ldc) {
    if (m == 0 || n == 0) return;
    dgemm_(transa ? "T" : "N", transb ? "T" : "N", &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc, 1, 1);
}

int csshim_dsyev(int n, double *a, int lda, double *w) {
    int info = 0, lwork = -1;
    double query = 0.0;
    if (n == 0) return 0;
    dsyev_("V", "L", &n, a, &lda, w, &query, &lwork, &info, 1, 1);
    if (info != 0) return info;
    lwork = (int) query;
    double *work = (double *) malloc(sizeof(double) * (size_t) (lwork > 1 ? lwork : 1));
    if (!work) return -1000;
    dsyev_("V", "L", &n, a, &lda, w, work, &lwork, &info, 1, 1);
    free(work);
    return info;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

double csshim_dpotrf_rate(int n, int repeats) {
    size_t nn = (size_t) n * (size_t) n;
    double *a = (double *) malloc(sizeof(double) * nn);
    double *w = (double *) malloc(sizeof(double) * nn);
    if (!a || !w) { free(a); free(w); return 0.0; }
    // A well-conditioned SPD matrix: diagonally dominant with a smooth off-diagonal part.
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++)
            a[(size_t) j * n + i] = (i == j) ? (double) n : 1.0 / (1.0 + abs(i - j));
    double best = 1e300;
    for (int r = 0; r < (repeats < 1 ? 1 : repeats); r++) {
        for (size_t t = 0; t < nn; t++) w[t] = a[t];
        double t0 = now_seconds();
        int info = 0;
        dpotrf_("L", &n, w, &n, &info, 1);
        double dt = now_seconds() - t0;
        if (dt < best) best = dt;
    }
    free(a); free(w);
    return best > 0 ? ((double) n * n * n / 3.0) / best : 0.0;
}

int csshim_set_cholmod_openmp(int enabled) {
    // Debian's CHOLMOD parallelises its supernodal scatter loops with a compiled-in 4 OpenMP
    // threads: on a 2-core machine that doubles the time of a factorisation. With OpenMP's
    // max-active-levels at 0 every parallel region runs on the calling thread alone.
    typedef void (*set_int_fn)(int);
    set_int_fn f = (set_int_fn) dlsym(RTLD_DEFAULT, "omp_set_max_active_levels");
    if (f == NULL) return 0;
    f(enabled ? 1 : 0);
    return 1;
}

// OpenBLAS starts with one thread per core; the engine's default is one thread, so that
// parallel fits never oversubscribe the machine. OPENBLAS_NUM_THREADS still wins if set.
// CHOLMOD's own OpenMP regions run serially unless CHOLMOD_OPENMP=1.
__attribute__((constructor)) static void csshim_default_threads(void) {
    if (getenv("OPENBLAS_NUM_THREADS") == NULL) openblas_set_num_threads(1);
    const char *omp = getenv("CHOLMOD_OPENMP");
    csshim_set_cholmod_openmp(omp != NULL && omp[0] == '1');
}

void csshim_factor_supernode_stats(const cholmod_factor *L, int *nsuper, int *largest_cols, int *largest_rows) {
    *nsuper = 0; *largest_cols = 0; *largest_rows = 0;
    if (!L->is_super) return;
    const int *super = (const int *) L->super;
    const int *pi = (const int *) L->pi;
    *nsuper = (int) L->nsuper;
    for (size_t k = 0; k < L->nsuper; k++) {
        int nc = super[k + 1] - super[k], nr = pi[k + 1] - pi[k];
        if (nc > *largest_cols) { *largest_cols = nc; *largest_rows = nr; }
    }
}
