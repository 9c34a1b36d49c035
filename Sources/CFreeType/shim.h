// FreeType for glyph rasterisation; fontconfig to find a CJK system font.
#include <ft2build.h>
#include FT_FREETYPE_H
#include <fontconfig/fontconfig.h>
