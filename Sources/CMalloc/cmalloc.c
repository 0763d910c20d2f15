// Header-only: see include/cmalloc.h.
#include "cmalloc.h"
