/* C yardstick for the HazLab gas dispersion kernel. Mirrors GasKernel.transport and
 * GasKernel.stencilRow expression by expression (see gas_kernel.h). Build with
 * cc -O3 -ffp-contract=off (no FMA contraction, like Swift). */
#define _POSIX_C_SOURCE 199309L
#include "include/gas_kernel.h"
#include <math.h>
#include <time.h>

static inline void stencil_row(const double *restrict src, double *restrict dst, long p, long fx, long fy,
                               long fz, long nx, long nxy, long i0, long i1,
                               const double *restrict px, const double *restrict qx,
                               const double *restrict py, const double *restrict qy,
                               const double *restrict pz, const double *restrict qz) {
    for (long i = i0; i <= i1; i++) {
        long c = p + i;
        double c0 = src[c];
        double fxm = px[fx + i] * src[c - 1] - qx[fx + i] * c0;
        double fxp = px[fx + i + 1] * c0 - qx[fx + i + 1] * src[c + 1];
        double fym = py[fy + i] * src[c - nx] - qy[fy + i] * c0;
        double fyp = py[fy + i + nx] * c0 - qy[fy + i + nx] * src[c + nx];
        double fzm = pz[fz + i] * src[c - nxy] - qz[fz + i] * c0;
        double fzp = pz[fz + i + nxy] * c0 - qz[fz + i + nxy] * src[c + nxy];
        dst[c] = c0 + (((fxm - fxp) + (fym - fyp)) + (fzm - fzp));
    }
}

static inline long lmin(long a, long b) { return a < b ? a : b; }
static inline long lmax(long a, long b) { return a > b ? a : b; }

long gas_transport_c(double *c, double *scratch,
                     const double *px, const double *qx, const double *py, const double *qy,
                     const double *pz, const double *qz,
                     long nx, long ny, long nz, long S, double cutoff,
                     long *box, double *flushed, long substeps, int fullGrid) {
    long N = nx * ny * nz, G = nx * ny, nxy = nx * ny, nx1 = nx + 1, ny1 = ny + 1;
    long updates = 0;
    for (long step = 0; step < substeps; step++) {
        long i0 = 0, i1 = nx - 1, j0 = 0, j1 = ny - 1, k0 = 0, k1 = nz - 1;
        if (!fullGrid) {
            if (box[0] > box[1]) continue;
            i0 = lmax(box[0] - 1, 0); i1 = lmin(box[1] + 1, nx - 1);
            j0 = lmax(box[2] - 1, 0); j1 = lmin(box[3] + 1, ny - 1);
            k0 = lmax(box[4] - 1, 0); k1 = lmin(box[5] + 1, nz - 1);
        }
        long bi0 = 0x7fffffffffffffffL, bi1 = -1, bj0 = 0x7fffffffffffffffL, bj1 = -1, bk0 = 0x7fffffffffffffffL, bk1 = -1;
        for (long s = 0; s < S; s++) {
            long sBase = G + s * N;
            for (long k = k0; k <= k1; k++)
                for (long j = j0; j <= j1; j++) {
                    long p = sBase + nx * (j + ny * k);
                    long fx = nx1 * (j + ny * k), fy = nx * (j + ny1 * k), fz = nx * (j + ny * k);
                    stencil_row(c, scratch, p, fx, fy, fz, nx, nxy, i0, i1, px, qx, py, qy, pz, qz);
                }
            double fl = 0.0;
            for (long k = k0; k <= k1; k++)
                for (long j = j0; j <= j1; j++) {
                    long p = sBase + nx * (j + ny * k);
                    long first = -1, last = -1;
                    for (long i = i0; i <= i1; i++) {
                        double v = scratch[p + i];
                        if (v != 0) {
                            if (fabs(v) < cutoff) { fl += v; v = 0; }
                            else { if (first < 0) first = i; last = i; }
                        }
                        c[p + i] = v;
                    }
                    if (first >= 0) {
                        bi0 = lmin(bi0, first); bi1 = lmax(bi1, last);
                        bj0 = lmin(bj0, j); bj1 = lmax(bj1, j); bk0 = lmin(bk0, k); bk1 = lmax(bk1, k);
                    }
                }
            flushed[s] += fl;
        }
        if (bi1 < 0) { box[0] = 0; box[1] = -1; box[2] = 0; box[3] = -1; box[4] = 0; box[5] = -1; }
        else { box[0] = bi0; box[1] = bi1; box[2] = bj0; box[3] = bj1; box[4] = bk0; box[5] = bk1; }
        updates += (i1 - i0 + 1) * (j1 - j0 + 1) * (k1 - k0 + 1) * S;
    }
    return updates;
}

double gas_cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
