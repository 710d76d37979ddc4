#ifndef INSPECTD_CIMAGECODECS_H
#define INSPECTD_CIMAGECODECS_H
// Placeholder; the decoder shim is written with the Inspection issue.
int inspectd_codecs_version(void);
#endif
