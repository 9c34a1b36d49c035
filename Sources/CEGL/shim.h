// EGL for headless rendering (Mesa's surfaceless platform).
#define EGL_EGLEXT_PROTOTYPES 1
#include <EGL/egl.h>
#include <EGL/eglext.h>
