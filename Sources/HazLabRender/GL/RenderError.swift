// Errors from the renderer's GL/EGL/image plumbing, and a glGetError helper.
import CGL

/// A renderer failure with a one-line, human-readable message.
public struct RenderError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Turns pending GL errors into a thrown `RenderError`.
public enum GLCheck {
    /// Throws if glGetError reports anything; `what` names the operation just done.
    /// Drains every pending flag and reports the first.
    public static func error(_ what: String) throws {
        let first = glGetError()
        guard first != GLenum(GL_NO_ERROR) else { return }
        var guardCount = 0  // glGetError returns GL_NO_ERROR without a context, but bound the loop anyway
        while glGetError() != GLenum(GL_NO_ERROR) && guardCount < 16 { guardCount += 1 }
        throw RenderError("GL: \(what) failed: \(name(first)) (0x\(String(first, radix: 16)))")
    }

    /// The symbolic name of a GL error code.
    public static func name(_ code: GLenum) -> String {
        switch Int32(bitPattern: code) {
        case GL_INVALID_ENUM: return "GL_INVALID_ENUM"
        case GL_INVALID_VALUE: return "GL_INVALID_VALUE"
        case GL_INVALID_OPERATION: return "GL_INVALID_OPERATION"
        case GL_STACK_OVERFLOW: return "GL_STACK_OVERFLOW"
        case GL_STACK_UNDERFLOW: return "GL_STACK_UNDERFLOW"
        case GL_OUT_OF_MEMORY: return "GL_OUT_OF_MEMORY"
        case GL_INVALID_FRAMEBUFFER_OPERATION: return "GL_INVALID_FRAMEBUFFER_OPERATION"
        default: return "unknown GL error"
        }
    }
}

/// Reads a GL string (GL_RENDERER, GL_VERSION, ...); empty when unavailable.
func glString(_ name: Int32) -> String {
    guard let p = glGetString(GLenum(bitPattern: name)) else { return "" }
    return String(cString: p)
}

/// Reads one integer state value.
func glInteger(_ name: Int32) -> Int {
    var v: GLint = 0
    glGetIntegerv(GLenum(bitPattern: name), &v)
    return Int(v)
}
