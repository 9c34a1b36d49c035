// zlib for PNG compression.
#include <zlib.h>
