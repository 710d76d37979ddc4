#include "CImageCodecs.h"
int inspectd_codecs_version(void) { return 1; }
