// The hints are inline functions in the header; this file gives the target a translation unit.
#include "memory_hints.h"
