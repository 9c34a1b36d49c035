// A headless OpenGL 3.3+ core context on Mesa's surfaceless EGL platform (no window, no X).
import CEGL
import CGL
import Foundation

/// A headless GL core-profile context.
///
/// `init()` makes the context current on the calling thread; use it (and every
/// `RenderTarget` made under it) from that thread only, one context per thread.
/// Render into a `RenderTarget`: there is no default framebuffer.
public final class OffscreenContext {
    public let renderer: String
    public let version: String
    public let isCoreProfile: Bool
    private var display: EGLDisplay?
    private var context: EGLContext?

    public init() throws {
        (display, context) = try Self.create()
        renderer = glString(GL_RENDERER)
        version = glString(GL_VERSION)
        isCoreProfile = glInteger(GL_CONTEXT_PROFILE_MASK) & Int(GL_CONTEXT_CORE_PROFILE_BIT) != 0
    }

    /// Display + current context, or a thrown error with everything acquired so far released.
    private static func create() throws -> (EGLDisplay, EGLContext) {
        // The surfaceless platform is a client extension of Mesa's EGL vendor library.
        let clientExts = eglQueryString(nil, EGL_EXTENSIONS).map { String(cString: $0) } ?? ""
        guard clientExts.contains("EGL_MESA_platform_surfaceless"),
              let dpy = eglGetPlatformDisplay(EGLenum(EGL_PLATFORM_SURFACELESS_MESA), nil, nil) else {
            throw RenderError("EGL: no surfaceless Mesa display (install libegl-mesa0)\(eglCode())")
        }
        var major: EGLint = 0, minor: EGLint = 0
        guard DisplayRefs.initialize(dpy, &major, &minor) else {
            throw RenderError("EGL: eglInitialize failed on the surfaceless display\(eglCode())")
        }
        func fail(_ what: String, _ ctx: EGLContext? = nil) -> RenderError {
            let err = RenderError("EGL: \(what) failed\(eglCode()) (EGL \(major).\(minor))")
            release(dpy, ctx)
            return err
        }
        let exts = eglQueryString(dpy, EGL_EXTENSIONS).map { String(cString: $0) } ?? ""
        guard exts.contains("EGL_KHR_no_config_context") || exts.contains("EGL_MESA_configless_context") else {
            throw fail("finding EGL_KHR_no_config_context")
        }
        guard eglBindAPI(EGLenum(EGL_OPENGL_API)) == EGLBoolean(EGL_TRUE) else { throw fail("eglBindAPI(EGL_OPENGL_API)") }
        let attribs: [EGLint] = [
            EGLint(EGL_CONTEXT_MAJOR_VERSION), 3, EGLint(EGL_CONTEXT_MINOR_VERSION), 3,
            EGLint(EGL_CONTEXT_OPENGL_PROFILE_MASK), EGLint(EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT),
            EGLint(EGL_NONE),
        ]
        guard let ctx = eglCreateContext(dpy, nil, nil, attribs) else {
            throw fail("eglCreateContext (OpenGL 3.3 core, no config)")
        }
        guard eglMakeCurrent(dpy, nil, nil, ctx) == EGLBoolean(EGL_TRUE) else {
            throw fail("eglMakeCurrent (surfaceless)", ctx)
        }
        return (dpy, ctx)
    }

    /// Makes this context current on the calling thread again (e.g. after another context was used).
    public func makeCurrent() throws {
        guard let display, let context else { throw RenderError("EGL: context is closed") }
        guard eglMakeCurrent(display, nil, nil, context) == EGLBoolean(EGL_TRUE) else {
            throw RenderError("EGL: eglMakeCurrent failed\(Self.eglCode())")
        }
    }

    /// Releases the context and, when the last user goes, terminates the display. Idempotent.
    public func close() {
        if let display { Self.release(display, context) }
        context = nil
        display = nil
    }

    private static func release(_ display: EGLDisplay, _ context: EGLContext?) {
        if let context {
            if eglGetCurrentContext() == context { eglMakeCurrent(display, nil, nil, nil) }
            eglDestroyContext(display, context)
        }
        DisplayRefs.release(display)
    }

    deinit { close() }

    /// ": eglGetError 0x3001"-style suffix, or "" when EGL reports success.
    private static func eglCode() -> String {
        let e = eglGetError()
        return e == EGL_SUCCESS ? "" : " (eglGetError 0x\(String(e, radix: 16)))"
    }
}

/// Mesa returns the same EGLDisplay for every surfaceless request and eglTerminate is not
/// reference-counted, so count users here: only the last close terminates the display.
/// The lock spans initialize/terminate so one thread cannot terminate under another.
private enum DisplayRefs {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var counts: [UInt: Int] = [:]

    static func initialize(_ d: EGLDisplay, _ major: inout EGLint, _ minor: inout EGLint) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard eglInitialize(d, &major, &minor) == EGLBoolean(EGL_TRUE) else { return false }
        counts[UInt(bitPattern: d), default: 0] += 1
        return true
    }

    static func release(_ d: EGLDisplay) {
        lock.lock(); defer { lock.unlock() }
        let key = UInt(bitPattern: d), n = (counts[key] ?? 1) - 1
        counts[key] = n > 0 ? n : nil
        if n <= 0 { eglTerminate(d) }
    }
}
