// Debian's libjemalloc-dev: unprefixed mallocx/sdallocx/nallocx/mallctl.
#include <jemalloc/jemalloc.h>
