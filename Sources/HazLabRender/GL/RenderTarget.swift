// An offscreen framebuffer: multisampled draw FBO + single-sampled resolve FBO for readback.
import CGL

/// Offscreen render target. Create, use and release it with its GL context current
/// (see `OffscreenContext`); GL objects are deleted in deinit.
public final class RenderTarget {
    public let width: Int
    public let height: Int
    /// Samples actually allocated (after clamping to GL_MAX_SAMPLES); 0 = single-sampled.
    public let samples: Int
    private var drawFBO: GLuint = 0, resolveFBO: GLuint = 0
    private var renderbuffers: [GLuint] = [0, 0, 0]  // draw colour, draw depth/stencil, resolve colour

    /// `samples` 0 or 1 means single-sampled; larger values are clamped to GL_MAX_SAMPLES.
    public init(width: Int, height: Int, samples: Int = 4) throws {
        let maxSize = glInteger(GL_MAX_RENDERBUFFER_SIZE)
        guard width > 0, height > 0, width <= maxSize, height <= maxSize else {
            throw RenderError("RenderTarget: size \(width)x\(height) outside 1...\(maxSize) (is a GL context current?)")
        }
        self.width = width
        self.height = height
        self.samples = samples <= 1 ? 0 : min(samples, glInteger(GL_MAX_SAMPLES))
        _ = glGetError()  // start from a clean error state
        glGenRenderbuffers(3, &renderbuffers)
        glGenFramebuffers(1, &drawFBO)
        glGenFramebuffers(1, &resolveFBO)
        let fb = GLenum(GL_FRAMEBUFFER), rb = GLenum(GL_RENDERBUFFER)
        func storage(_ name: GLuint, _ format: Int32, _ n: Int) {
            glBindRenderbuffer(rb, name)
            if n > 0 {
                glRenderbufferStorageMultisample(rb, GLsizei(n), GLenum(format), GLsizei(width), GLsizei(height))
            } else {
                glRenderbufferStorage(rb, GLenum(format), GLsizei(width), GLsizei(height))
            }
        }
        storage(renderbuffers[0], GL_RGBA8, self.samples)
        storage(renderbuffers[1], GL_DEPTH24_STENCIL8, self.samples)
        storage(renderbuffers[2], GL_RGBA8, 0)
        glBindRenderbuffer(rb, 0)
        glBindFramebuffer(fb, drawFBO)
        glFramebufferRenderbuffer(fb, GLenum(GL_COLOR_ATTACHMENT0), rb, renderbuffers[0])
        glFramebufferRenderbuffer(fb, GLenum(GL_DEPTH_STENCIL_ATTACHMENT), rb, renderbuffers[1])
        let drawStatus = glCheckFramebufferStatus(fb)
        glBindFramebuffer(fb, resolveFBO)
        glFramebufferRenderbuffer(fb, GLenum(GL_COLOR_ATTACHMENT0), rb, renderbuffers[2])
        let resolveStatus = glCheckFramebufferStatus(fb)
        glBindFramebuffer(fb, 0)
        for (what, status) in [("draw", drawStatus), ("resolve", resolveStatus)]
        where status != GLenum(GL_FRAMEBUFFER_COMPLETE) {
            throw RenderError("RenderTarget: \(what) framebuffer incomplete: \(Self.statusName(status)) "
                + "(\(width)x\(height), samples \(self.samples))")
        }
        try GLCheck.error("RenderTarget \(width)x\(height) samples \(self.samples) setup")
    }

    deinit {
        glDeleteFramebuffers(1, &drawFBO)
        glDeleteFramebuffers(1, &resolveFBO)
        glDeleteRenderbuffers(3, &renderbuffers)
    }

    /// Binds the (multisampled) draw framebuffer for reading and drawing and sets the viewport.
    public func bind() {
        glBindFramebuffer(GLenum(GL_FRAMEBUFFER), drawFBO)
        glViewport(0, 0, GLsizei(width), GLsizei(height))
    }

    /// Resolves the multisampled colour and reads it back; row 0 of the Image is the top.
    /// Leaves the draw framebuffer bound (as after `bind()`).
    public func readPixels() -> Image {
        let w = GLint(width), h = GLint(height)
        glBindFramebuffer(GLenum(GL_READ_FRAMEBUFFER), drawFBO)
        glBindFramebuffer(GLenum(GL_DRAW_FRAMEBUFFER), resolveFBO)
        glBlitFramebuffer(0, 0, w, h, 0, 0, w, h, GLbitfield(GL_COLOR_BUFFER_BIT), GLenum(GL_NEAREST))
        glBindFramebuffer(GLenum(GL_READ_FRAMEBUFFER), resolveFBO)
        glReadBuffer(GLenum(GL_COLOR_ATTACHMENT0))
        glPixelStorei(GLenum(GL_PACK_ALIGNMENT), 1)
        let stride = width * 4
        var raw = [UInt8](repeating: 0, count: stride * height)
        raw.withUnsafeMutableBytes {
            glReadPixels(0, 0, w, h, GLenum(GL_RGBA), GLenum(GL_UNSIGNED_BYTE), $0.baseAddress)
        }
        glBindFramebuffer(GLenum(GL_FRAMEBUFFER), drawFBO)
        var rgba = [UInt8](repeating: 0, count: raw.count)
        for y in 0..<height {  // GL's row 0 is the bottom
            let src = (height - 1 - y) * stride
            rgba[y * stride ..< (y + 1) * stride] = raw[src ..< src + stride]
        }
        return Image(width: width, height: height, rgba: rgba)
    }

    private static func statusName(_ s: GLenum) -> String {
        switch Int32(bitPattern: s) {
        case GL_FRAMEBUFFER_UNDEFINED: return "GL_FRAMEBUFFER_UNDEFINED"
        case GL_FRAMEBUFFER_INCOMPLETE_ATTACHMENT: return "GL_FRAMEBUFFER_INCOMPLETE_ATTACHMENT"
        case GL_FRAMEBUFFER_INCOMPLETE_MISSING_ATTACHMENT: return "GL_FRAMEBUFFER_INCOMPLETE_MISSING_ATTACHMENT"
        case GL_FRAMEBUFFER_UNSUPPORTED: return "GL_FRAMEBUFFER_UNSUPPORTED"
        case GL_FRAMEBUFFER_INCOMPLETE_MULTISAMPLE: return "GL_FRAMEBUFFER_INCOMPLETE_MULTISAMPLE"
        case 0: return "status query failed (no context?)"
        default: return "0x\(String(s, radix: 16))"
        }
    }
}
