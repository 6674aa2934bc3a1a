// CSparseShim: the project's only C. A thin, typed layer over CHOLMOD (SuiteSparse 5.x,
// int API), the Fortran BLAS/LAPACK routines the engine needs, OpenBLAS's thread control
// and NLopt. Swift code reaches C only through this header.
#ifndef CSPARSESHIM_H
#define CSPARSESHIM_H

#include <stddef.h>
#include <stdint.h>
#include <suitesparse/cholmod.h>
#include <nlopt.h>

// ---- CHOLMOD -------------------------------------------------------------------------

/// Starts `common` with the engine's settings: no printing (also in SuiteSparse_config),
/// LL' factors for simplicial mode too, and the requested factorisation kind
/// (0 = simplicial, 1 = automatic, 2 = supernodal). Returns 1 on success.
int csshim_start(cholmod_common *common, int kind);

/// Numeric factorisation of A + beta*I on the symbolic analysis held in L.
/// Returns 1 on success, 0 when CHOLMOD failed or the matrix is not positive definite
/// (common->status tells which).
int csshim_factorize_shifted(cholmod_sparse *A, double beta, cholmod_factor *L, cholmod_common *common);

/// log det(L L') = 2 sum log diag(L) for LL' factors (simplicial or supernodal);
/// sum log d for simplicial LDL'. Returns NaN if a pivot is not positive.
double csshim_factor_logdet(const cholmod_factor *L);

/// The number of nonzeros in L (supernodal: the entries of the dense supernodal blocks).
double csshim_factor_nnz(const cholmod_factor *L);

/// Flop count of the numeric factorisation, as CHOLMOD's analysis estimates it.
double csshim_common_fl(const cholmod_common *common);

/// Number of CHOLMOD allocations not yet freed (the leak counter).
long csshim_malloc_count(const cholmod_common *common);

/// Supernode statistics of L: their number, and the columns and rows of the widest one.
void csshim_factor_supernode_stats(const cholmod_factor *L, int *nsuper, int *largest_cols, int *largest_rows);

/// Selected inversion (Takahashi's equations) on a numeric supernodal LL' factor in its natural
/// order: fills Z (L->xsize doubles, L's supernodal layout) with (L L')^{-1} on the pattern of L,
/// lower triangles of the diagonal blocks. Returns 1 on success, 0 if L is not a real supernodal
/// factor, < 0 on allocation or LAPACK failure.
int csshim_supernodal_selected_inverse(const cholmod_factor *L, double *Z);

/// Position in a supernodal factor's values of the entry (row, col), row >= col; -1 when it is
/// not in the pattern.
int csshim_supernodal_position(const cholmod_factor *L, int row, int col);

/// Number of values of the factor (L->xsize).
size_t csshim_factor_xsize(const cholmod_factor *L);

/// Gives an analysed supernodal factor that has never been factorised room for its values
/// (L->x, L->xsize entries), so that values copied from a factor with the same analysis can be
/// written in. Returns 1 on success (or when L already has values), 0 otherwise.
int csshim_factor_allocate_values(cholmod_factor *L, cholmod_common *common);

/// The supernodal kind actually used by L: 1 if supernodal, 0 if simplicial.
int csshim_factor_is_super(const cholmod_factor *L);

// ---- OpenBLAS --------------------------------------------------------------------------

/// Sets the number of OpenBLAS threads (CHOLMOD shares the same OpenBLAS).
void csshim_set_blas_threads(int n);
int csshim_get_blas_threads(void);

/// The CPU kernels OpenBLAS chose at load time ("Haswell", "SkylakeX", ...).
const char *csshim_blas_kernel_name(void);

/// Turns CHOLMOD's OpenMP parallel regions on or off (off by default: they oversubscribe small
/// machines). Returns 0 if the process has no OpenMP runtime.
int csshim_set_cholmod_openmp(int enabled);

// ---- dense BLAS / LAPACK (column-major, Fortran conventions) ------------------------------

/// Cholesky factorisation of the lower triangle of the n x n matrix a (LAPACK dpotrf, 'L').
/// Returns LAPACK's info (0 = success, k > 0: leading minor k not positive definite).
int csshim_dpotrf_lower(int n, double *a, int lda);

/// Inverse of a from its lower Cholesky factor, in place (LAPACK dpotri, 'L'); lower triangle.
int csshim_dpotri_lower(int n, double *a, int lda);

/// Solves L X = B (trans = 0) or L' X = B (trans = 1) for lower-triangular L (n x n), B n x nrhs.
void csshim_dtrsm_lower_left(int trans, int n, int nrhs, const double *l, int ldl, double *b, int ldb);

/// C = alpha * A' A + beta * C, lower triangle, A is k x n (BLAS dsyrk, 'L', 'T').
void csshim_dsyrk_lower_trans(int n, int k, double alpha, const double *a, int lda, double beta, double *c, int ldc);

/// C = alpha * op(A) op(B) + beta * C (BLAS dgemm); transa/transb: 0 = N, 1 = T.
void csshim_dgemm(int transa, int transb, int m, int n, int k, double alpha, const double *a, int lda,
                  const double *b, int ldb, double beta, double *c, int ldc);

/// Symmetric eigen-decomposition of the n x n matrix a (lower triangle used); on return a holds
/// the eigenvectors (columns) and w the eigenvalues in ascending order (LAPACK dsyev, 'V', 'L').
int csshim_dsyev(int n, double *a, int lda, double *w);

/// Measured rate of the dense Cholesky (dpotrf) on an n x n SPD matrix, in flop/s.
double csshim_dpotrf_rate(int n, int repeats);

#endif
