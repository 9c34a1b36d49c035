// OpenGL 3.3 core entry points, linked directly (Mesa/glvnd exports them; no loader needed).
#define GL_GLEXT_PROTOTYPES 1
#include <GL/glcorearb.h>
