#ifndef INSPECTD_CBLAS_SHIM_H
#define INSPECTD_CBLAS_SHIM_H
#include <cblas.h>
// OpenBLAS extensions (declared in openblas_config.h / cblas.h of OpenBLAS builds).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
