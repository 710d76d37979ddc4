#include "CImageCodecs.h"

#include <stdlib.h>

// Buffers handed to Swift are malloc'ed here; freeing them here too keeps the allocator pairing
// obvious.
void inspectd_free(void *p) { free(p); }
