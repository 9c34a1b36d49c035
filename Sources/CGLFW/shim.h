// GLFW 3.3 windows and input; GL itself comes from CGL.
#define GLFW_INCLUDE_NONE 1
#include <GLFW/glfw3.h>
