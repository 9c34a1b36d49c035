/* C yardstick for the HazLab gas dispersion kernel (Sources/HazLabCore/Physics/Gas/GasKernel.swift).
 * Same data layout, same update order, same arithmetic, so the results are bit-identical. */
#ifndef GAS_KERNEL_H
#define GAS_KERNEL_H
#ifdef __cplusplus
extern "C" {
#endif

/* Runs `substeps` transport substeps (stencil over the active box grown by one cell,
 * then copy back with the cutoff flush and the new tight box).
 * c, scratch: guard + S*N + guard doubles (guard = nx*ny); box: {i0,i1,j0,j1,k0,k1}, in/out
 * (empty when i0 > i1); flushed: S doubles (sum of flushed fractions, added to).
 * Returns the number of cell-species updates. */
long gas_transport_c(double *c, double *scratch,
                     const double *px, const double *qx, const double *py, const double *qy,
                     const double *pz, const double *qz,
                     long nx, long ny, long nz, long S, double cutoff,
                     long *box, double *flushed, long substeps, int fullGrid);

/* CPU time of this process, seconds (CLOCK_PROCESS_CPUTIME_ID). */
double gas_cpu_seconds(void);

#ifdef __cplusplus
}
#endif
#endif
