#define _GNU_SOURCE
#include <pthread.h>
#include "CSparseShim.h"
#include <dlfcn.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdint.h>
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

/* SuiteSparse's printing hook is one process-wide global: silenced once (pthread_once), not by
   every context, so that models built on several threads do not race on it. */
static pthread_once_t csshim_quiet_once = PTHREAD_ONCE_INIT;
static void csshim_quiet(void) { SuiteSparse_config.printf_func = NULL; }

int csshim_start(cholmod_common *common, int kind) {
    pthread_once(&csshim_quiet_once, csshim_quiet);
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

int csshim_factor_allocate_values(cholmod_factor *L, cholmod_common *common) {
    if (!L->is_super) return 0;
    if (L->xtype != CHOLMOD_PATTERN && L->x != NULL) return 1;
    /* symbolic supernodal -> numeric supernodal LL': CHOLMOD allocates L->x */
    if (!cholmod_change_factor(CHOLMOD_REAL, 1, 1, 1, 1, L, common)) return 0;
    return common->status == CHOLMOD_OK && L->x != NULL;
}

void csshim_set_blas_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }
int csshim_get_blas_threads(void) { return openblas_get_num_threads(); }

extern char *openblas_get_corename(void);
const char *csshim_blas_kernel_name(void) { return openblas_get_corename(); }

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

static int cholmod_openmp_enabled = 0;

int csshim_set_cholmod_openmp(int enabled) {
    // Debian's CHOLMOD parallelises its supernodal scatter loops with a compiled-in 4 OpenMP
    // threads: on a 2-core machine that doubles the time of a factorisation. With OpenMP's
    // max-active-levels at 0 every parallel region runs on the calling thread alone.
    cholmod_openmp_enabled = enabled;
    typedef void (*set_int_fn)(int);
    set_int_fn f = (set_int_fn) dlsym(RTLD_DEFAULT, "omp_set_max_active_levels");
    if (f == NULL) return 0;
    f(enabled ? 1 : 0);
    return 1;
}

// CHOLMOD enters an OpenMP parallel region (GOMP_parallel) thousands of times per factorisation,
// even for loops too short to share; serialised by libgomp each still costs a team set-up, an
// allocation and a futex call (about 15% of an InstEval evaluation). At start-up the shim points
// libcholmod's PLT slot for GOMP_parallel at csshim_serial_parallel, which runs the region's body
// directly on the calling thread (omp_get_num_threads() is then 1, so the loop covers its whole
// range) — or hands it to libgomp when CHOLMOD's OpenMP is turned on. If anything about the
// library's layout is unexpected, nothing is patched and libgomp keeps serving the calls.
static void csshim_serial_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags) {
    if (cholmod_openmp_enabled) {
        typedef void (*gomp_parallel_fn)(void (*)(void *), void *, unsigned, unsigned);
        static gomp_parallel_fn real = NULL;
        if (real == NULL) real = (gomp_parallel_fn) dlsym(RTLD_DEFAULT, "GOMP_parallel");
        if (real != NULL) { real(fn, data, num_threads, flags); return; }
    }
    fn(data);
}

static int csshim_patch_cholmod_plt(struct dl_phdr_info *info, size_t size, void *unused) {
    (void) size; (void) unused;
    if (info->dlpi_name == NULL || strstr(info->dlpi_name, "libcholmod.so") == NULL) return 0;
    const ElfW(Addr) base = info->dlpi_addr;
    const ElfW(Dyn) *dyn = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC) dyn = (const ElfW(Dyn) *) (base + info->dlpi_phdr[i].p_vaddr);
    }
    if (dyn == NULL) return 1;
    ElfW(Addr) jmprel = 0, symtab = 0, strtab = 0;
    size_t pltrelsz = 0;
    int pltrel = 0;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        switch (dyn->d_tag) {
        case DT_JMPREL: jmprel = dyn->d_un.d_ptr; break;
        case DT_PLTRELSZ: pltrelsz = dyn->d_un.d_val; break;
        case DT_PLTREL: pltrel = (int) dyn->d_un.d_val; break;
        case DT_SYMTAB: symtab = dyn->d_un.d_ptr; break;
        case DT_STRTAB: strtab = dyn->d_un.d_ptr; break;
        default: break;
        }
    }
    if (jmprel == 0 || symtab == 0 || strtab == 0 || pltrel != DT_RELA) return 1;
    // ld.so relocates these addresses in place on x86-64; be safe if it did not
    if (jmprel < base) jmprel += base;
    if (symtab < base) symtab += base;
    if (strtab < base) strtab += base;
    const ElfW(Rela) *rela = (const ElfW(Rela) *) jmprel;
    const ElfW(Sym) *syms = (const ElfW(Sym) *) symtab;
    const char *strs = (const char *) strtab;
    for (size_t k = 0; k < pltrelsz / sizeof(ElfW(Rela)); k++) {
        if (ELF64_R_TYPE(rela[k].r_info) != R_X86_64_JUMP_SLOT) continue;
        const char *name = strs + syms[ELF64_R_SYM(rela[k].r_info)].st_name;
        if (strcmp(name, "GOMP_parallel") != 0) continue;
        void **slot = (void **) (base + rela[k].r_offset);
        long page = sysconf(_SC_PAGESIZE);
        void *start = (void *) ((uintptr_t) slot & ~((uintptr_t) page - 1));
        if (mprotect(start, (size_t) page, PROT_READ | PROT_WRITE) != 0) return 1;
        *slot = (void *) csshim_serial_parallel;
    }
    return 1;
}


// OpenBLAS starts with one thread per core; the engine's default is one thread, so that
// parallel fits never oversubscribe the machine. OPENBLAS_NUM_THREADS still wins if set.
// CHOLMOD's own OpenMP regions run serially unless CHOLMOD_OPENMP=1.
__attribute__((constructor)) static void csshim_default_threads(void) {
    if (getenv("OPENBLAS_NUM_THREADS") == NULL) openblas_set_num_threads(1);
    const char *omp = getenv("CHOLMOD_OPENMP");
    csshim_set_cholmod_openmp(omp != NULL && omp[0] == '1');
#if defined(__x86_64__)
    dl_iterate_phdr(csshim_patch_cholmod_plt, NULL);
#endif
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

// ---- selected inversion ------------------------------------------------------------------------

extern void dsymm_(const char *side, const char *uplo, const int *m, const int *n, const double *alpha,
                   const double *a, const int *lda, const double *b, const int *ldb, const double *beta,
                   double *c, const int *ldc, size_t, size_t);

// Grows a scratch buffer to at least `need` doubles; returns 0 on allocation failure.
static int ensure_buffer(double **buf, size_t *size, size_t need) {
    if (need <= *size) return 1;
    double *b = (double *) realloc(*buf, sizeof(double) * need);
    if (!b) return 0;
    *buf = b;
    *size = need;
    return 1;
}

int csshim_supernodal_selected_inverse(const cholmod_factor *L, double *Z) {
    if (!L->is_super || L->xtype != CHOLMOD_REAL) return 0;
    const int n = (int) L->n;
    const int nsuper = (int) L->nsuper;
    const int *super = (const int *) L->super;
    const int *pi = (const int *) L->pi;
    const int *px = (const int *) L->px;
    const int *ls = (const int *) L->s;
    const double *x = (const double *) L->x;
    int maxw = 0, maxrow = 0;
    for (int s = 0; s < nsuper; s++) {
        int w = super[s + 1] - super[s], nr = pi[s + 1] - pi[s];
        if (w > maxw) maxw = w;
        if (nr > maxrow) maxrow = nr;
    }
    int *colToSuper = (int *) malloc(sizeof(int) * (size_t) (n > 0 ? n : 1));
    int *rowPos = (int *) malloc(sizeof(int) * (size_t) (n > 0 ? n : 1));
    int *stamp = (int *) malloc(sizeof(int) * (size_t) (n > 0 ? n : 1));
    int *contiguous = (int *) malloc(sizeof(int) * (size_t) (nsuper > 0 ? nsuper : 1));
    double *Y = (double *) malloc(sizeof(double) * (size_t) maxrow * (size_t) maxw + 1);
    double *D = (double *) malloc(sizeof(double) * (size_t) maxw * (size_t) maxw + 1);
    int *owner = (int *) malloc(sizeof(int) * (size_t) (n > 0 ? n : 1));
    double *G = NULL;
    size_t Gsize = 0;
    if (!colToSuper || !rowPos || !stamp || !contiguous || !Y || !D || !owner) {
        free(colToSuper); free(rowPos); free(stamp); free(contiguous); free(Y); free(D); free(owner);
        return -1;
    }
    for (int s = 0; s < nsuper; s++) {
        for (int j = super[s]; j < super[s + 1]; j++) colToSuper[j] = s;
        int nr = pi[s + 1] - pi[s];
        const int *rows = ls + pi[s];
        contiguous[s] = (rows[nr - 1] - rows[0] == nr - 1);
    }
    for (int i = 0; i < n; i++) { stamp[i] = -1; owner[i] = -1; }
    for (int s = nsuper - 1; s >= 0; s--) {
        const int k1 = super[s], w = super[s + 1] - k1;
        const int nsrow = pi[s + 1] - pi[s], no = nsrow - w;
        const int *rows = ls + pi[s];
        const double *Ls = x + px[s];
        double *Zs = Z + px[s];
        // D = (L_D L_D')^{-1} from the diagonal block
        for (int j = 0; j < w; j++) for (int i = 0; i < w; i++) D[i + j * w] = (i >= j) ? Ls[i + j * nsrow] : 0.0;
        int info = 0;
        dpotri_("L", &w, D, &w, &info, 1);
        if (info != 0) { free(colToSuper); free(rowPos); free(stamp); free(contiguous); free(Y); free(D); free(owner); free(G); return -2; }
        if (no > 0) {
            // Y = L_O L_D^{-1}  (no x w)
            for (int j = 0; j < w; j++) for (int i = 0; i < no; i++) Y[i + j * no] = Ls[w + i + j * nsrow];
            const double one = 1.0;
            dtrsm_("R", "L", "N", "N", &no, &w, &one, Ls, &nsrow, Y, &no, 1, 1, 1, 1);
            // Z_OJ = -Z_OO Y, with Z_OO read from the ancestors' columns (symmetric: lower part stored)
            const int T0 = colToSuper[rows[w]];
            const int kT0 = super[T0], nrT0 = pi[T0 + 1] - pi[T0];
            const int *rowsT0 = ls + pi[T0];
            const int lastRow = rows[nsrow - 1];
            int fast = (lastRow < super[T0 + 1]) && (lastRow - rows[w] == no - 1) && contiguous[T0];
            if (fast) {
                // O is a contiguous run of T's own columns: Z_OO is a dense lower block of T's storage
                const double *ZOO = Z + px[T0] + (size_t) (rows[w] - kT0) * nrT0 + (rows[w] - rowsT0[0]);
                const double minusOne = -1.0, zero = 0.0;
                dsymm_("L", "L", &no, &w, &minusOne, ZOO, &nrT0, Y, &no, &zero, Zs + w, &nsrow, 1, 1);
            } else if (w >= 2 && (size_t) no * (size_t) no <= ((size_t) 1 << 24) && ensure_buffer(&G, &Gsize, (size_t) no * no)) {
                // gather Z_OO (lower triangle) into a dense buffer, then one symmetric BLAS-3 product
                int b = 0;
                while (b < no) {
                    const int T = colToSuper[rows[w + b]];
                    const int kT = super[T], kT2 = super[T + 1];
                    const int nrT = pi[T + 1] - pi[T];
                    const int *rowsT = ls + pi[T];
                    const double *ZT = Z + px[T];
                    if (!contiguous[T] && owner[T] != s) {
                        for (int r = 0; r < nrT; r++) { rowPos[rowsT[r]] = r; stamp[rowsT[r]] = T; }
                        owner[T] = s;
                    }
                    int e = b;
                    while (e < no && rows[w + e] < kT2) e++;
                    for (int jj = b; jj < e; jj++) {
                        const double *Zcol = ZT + (size_t) (rows[w + jj] - kT) * nrT;
                        for (int ii = jj; ii < no; ii++) {
                            const int g1 = rows[w + ii];
                            G[ii + (size_t) jj * no] = Zcol[contiguous[T] ? (g1 - rowsT[0]) : rowPos[g1]];
                        }
                    }
                    b = e;
                }
                const double minusOne = -1.0, zero = 0.0;
                dsymm_("L", "L", &no, &w, &minusOne, G, &no, Y, &no, &zero, Zs + w, &nsrow, 1, 1);
            } else {
                for (int j = 0; j < w; j++) for (int i = 0; i < no; i++) Zs[w + i + j * nsrow] = 0.0;
                int b = 0;
                while (b < no) {
                    const int g2first = rows[w + b];
                    const int T = colToSuper[g2first];
                    const int kT = super[T], kT2 = super[T + 1];
                    const int nrT = pi[T + 1] - pi[T];
                    const int *rowsT = ls + pi[T];
                    const double *ZT = Z + px[T];
                    if (!contiguous[T] && owner[T] != s) {
                        for (int r = 0; r < nrT; r++) { rowPos[rowsT[r]] = r; stamp[rowsT[r]] = T; }
                        owner[T] = s;
                    }
                    int e = b;
                    while (e < no && rows[w + e] < kT2) e++;
                    for (int jj = b; jj < e; jj++) {
                        const int g2 = rows[w + jj];
                        const double *Zcol = ZT + (size_t) (g2 - kT) * nrT;
                        for (int ii = jj; ii < no; ii++) {
                            const int g1 = rows[w + ii];
                            const int pos = contiguous[T] ? (g1 - rowsT[0]) : rowPos[g1];
                            const double z = Zcol[pos];
                            for (int c = 0; c < w; c++) {
                                Zs[w + ii + c * nsrow] -= z * Y[jj + c * no];
                                if (ii != jj) Zs[w + jj + c * nsrow] -= z * Y[ii + c * no];
                            }
                        }
                    }
                    b = e;
                }
            }
            // Z_JJ = D - Y' Z_OJ  (lower triangle)
            {
                const double minusOne = -1.0, one = 1.0;
                dgemm_("T", "N", &w, &w, &no, &minusOne, Y, &no, Zs + w, &nsrow, &one, D, &w, 1, 1);
            }
            for (int j = 0; j < w; j++) for (int i = j; i < w; i++) Zs[i + j * nsrow] = D[i + j * w];
        } else {
            for (int j = 0; j < w; j++) for (int i = j; i < w; i++) Zs[i + j * nsrow] = D[i + j * w];
        }
        for (int j = 0; j < w; j++) for (int i = 0; i < j; i++) Zs[i + j * nsrow] = 0.0;
    }
    free(colToSuper); free(rowPos); free(stamp); free(contiguous); free(Y); free(D); free(owner); free(G);
    return 1;
}

int csshim_supernodal_position(const cholmod_factor *L, int row, int col) {
    // position in L->x of entry (row, col), row >= col; -1 if not in the pattern
    if (!L->is_super) return -1;
    const int *super = (const int *) L->super;
    const int *pi = (const int *) L->pi;
    const int *px = (const int *) L->px;
    const int *ls = (const int *) L->s;
    int lo = 0, hi = (int) L->nsuper - 1, T = 0;
    while (lo <= hi) { int mid = (lo + hi) / 2; if (super[mid] <= col) { T = mid; lo = mid + 1; } else hi = mid - 1; }
    const int nr = pi[T + 1] - pi[T];
    const int *rows = ls + pi[T];
    int a = 0, b = nr - 1, pos = -1;
    while (a <= b) { int m = (a + b) / 2; if (rows[m] == row) { pos = m; break; } if (rows[m] < row) a = m + 1; else b = m - 1; }
    if (pos < 0) return -1;
    return px[T] + pos + (col - super[T]) * nr;
}

size_t csshim_factor_xsize(const cholmod_factor *L) { return L->xsize; }
