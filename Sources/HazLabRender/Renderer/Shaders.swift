import CGL

/// GLSL 3.30 core sources.
enum Shaders {
    static let litVertex = """
    #version 330 core
    layout(location = 0) in vec3 aPos;
    layout(location = 1) in vec3 aNormal;
    uniform mat4 uViewProj;
    uniform mat4 uModel;
    uniform mat3 uNormal;
    out vec3 vWorld;
    out vec3 vNormal;
    void main() {
        vec4 w = uModel * vec4(aPos, 1.0);
        vWorld = w.xyz;
        vNormal = uNormal * aNormal;
        gl_Position = uViewProj * w;
    }
    """

    /// Blinn-Phong with a key light, a fill light and ambient; electrical patterns in world space.
    static let litFragment = """
    #version 330 core
    in vec3 vWorld;
    in vec3 vNormal;
    uniform vec4 uColor;
    uniform int uPattern;
    uniform float uEmissive;
    uniform vec3 uEye;
    out vec4 fragColor;
    void main() {
        vec3 base = uColor.rgb;
        if (uPattern == 1) {
            float s = floor((vWorld.x + vWorld.y + vWorld.z) * 7.0);
            if (mod(s, 2.0) < 1.0) base *= 0.62;
        } else if (uPattern == 2) {
            vec3 c = floor(vWorld * 7.0);
            if (mod(c.x + c.y + c.z, 2.0) < 1.0) base = mix(base, vec3(0.08), 0.55);
        }
        vec3 n = normalize(vNormal);
        if (!gl_FrontFacing) n = -n;
        vec3 v = normalize(uEye - vWorld);
        vec3 key = normalize(vec3(0.35, -0.45, 0.82));
        vec3 fill = normalize(vec3(-0.6, 0.5, 0.4));
        float diff = max(dot(n, key), 0.0) * 0.75 + max(dot(n, fill), 0.0) * 0.25;
        float spec = pow(max(dot(n, normalize(key + v)), 0.0), 32.0) * 0.25;
        vec3 lit = base * (0.32 + diff) + vec3(spec);
        fragColor = vec4(mix(lit, base, uEmissive), uColor.a);
    }
    """

    static let heatVertex = """
    #version 330 core
    layout(location = 0) in vec3 aPos;
    layout(location = 1) in vec3 aNormal;
    uniform mat4 uViewProj;
    uniform mat4 uModel;
    out vec2 vUV;
    void main() {
        vUV = aPos.xy + 0.5;
        gl_Position = uViewProj * uModel * vec4(aPos, 1.0);
    }
    """

    /// Gas as a floor heatmap on the hazard index (`GasSpecies.hazardIndex`): transparent when
    /// clean, green → yellow at the warning band (0.5) → red at the danger band (1, IDLH) →
    /// dark magenta at twice it and beyond, so a lethal cloud never looks like clean air.
    static let heatFragment = """
    #version 330 core
    in vec2 vUV;
    uniform sampler2D uField;
    out vec4 fragColor;
    void main() {
        float v = texture(uField, vUV).r;
        if (v < 0.02) discard;
        vec3 c = v < 0.5 ? mix(vec3(0.1, 0.8, 0.2), vec3(1.0, 0.9, 0.1), v * 2.0)
               : v < 1.0 ? mix(vec3(1.0, 0.9, 0.1), vec3(0.95, 0.05, 0.05), (v - 0.5) * 2.0)
                         : mix(vec3(0.95, 0.05, 0.05), vec3(0.45, 0.0, 0.45), clamp(v - 1.0, 0.0, 1.0));
        fragColor = vec4(c, 0.35 + 0.3 * clamp(v, 0.0, 1.0) + 0.15 * clamp(v - 1.0, 0.0, 1.0));
    }
    """

    static let hudVertex = """
    #version 330 core
    layout(location = 0) in vec2 aPos;
    layout(location = 1) in vec2 aUV;
    layout(location = 2) in vec4 aColor;
    layout(location = 3) in float aTextured;
    uniform mat4 uOrtho;
    out vec2 vUV;
    out vec4 vColor;
    out float vTextured;
    void main() {
        vUV = aUV; vColor = aColor; vTextured = aTextured;
        gl_Position = uOrtho * vec4(aPos, 0.0, 1.0);
    }
    """

    static let hudFragment = """
    #version 330 core
    in vec2 vUV;
    in vec4 vColor;
    in float vTextured;
    uniform sampler2D uAtlas;
    out vec4 fragColor;
    void main() {
        float a = vTextured > 0.5 ? texture(uAtlas, vUV).r : 1.0;
        fragColor = vec4(vColor.rgb, vColor.a * a);
    }
    """
}

/// A linked GL program with its uniform locations looked up once.
final class Program {
    let id: GLuint
    private var locations: [String: GLint] = [:]

    init(vertex: String, fragment: String, name: String) throws {
        func compile(_ src: String, _ type: Int32) throws -> GLuint {
            let s = glCreateShader(GLenum(bitPattern: type))
            src.withCString { p in
                var ptr: UnsafePointer<GLchar>? = p
                glShaderSource(s, 1, &ptr, nil)
            }
            glCompileShader(s)
            var ok: GLint = 0
            glGetShaderiv(s, GLenum(bitPattern: GL_COMPILE_STATUS), &ok)
            if ok == 0 {
                var log = [GLchar](repeating: 0, count: 2048)
                glGetShaderInfoLog(s, 2048, nil, &log)
                throw RenderError("GL: \(name) shader does not compile: \(Self.text(log))")
            }
            return s
        }
        let v = try compile(vertex, GL_VERTEX_SHADER), f = try compile(fragment, GL_FRAGMENT_SHADER)
        id = glCreateProgram()
        glAttachShader(id, v); glAttachShader(id, f)
        glLinkProgram(id)
        glDeleteShader(v); glDeleteShader(f)
        var ok: GLint = 0
        glGetProgramiv(id, GLenum(bitPattern: GL_LINK_STATUS), &ok)
        if ok == 0 {
            var log = [GLchar](repeating: 0, count: 2048)
            glGetProgramInfoLog(id, 2048, nil, &log)
            throw RenderError("GL: \(name) program does not link: \(Self.text(log))")
        }
    }

    func location(_ name: String) -> GLint {
        if let l = locations[name] { return l }
        let l = glGetUniformLocation(id, name)
        locations[name] = l
        return l
    }

    static func text(_ log: [GLchar]) -> String {
        String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { glDeleteProgram(id) }
}
