import Crypto
import Foundation

/// Signs journal trailers (Ed25519). `keyId` is written into the journal header's `key`.
public protocol JournalSigner: Sendable {
    var keyId: String { get }
    func sign(_ message: [UInt8]) throws -> Data
}

public struct KeyError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A workstation's Ed25519 key pair. On disk (Docs/journals.md):
///   ID.key  `{"id":"ws-01","ed25519-private":"<base64 32-byte seed>"}`, mode 0600 or narrower
///   ID.pub  `{"id":"ws-01","ed25519-public":"<base64 32 bytes>"}`
public struct WorkstationKey: JournalSigner {
    public let keyId: String
    let privateKey: Curve25519.Signing.PrivateKey

    public init(id: String) { keyId = id; privateKey = Curve25519.Signing.PrivateKey() }
    public init(id: String, rawPrivate: Data) throws {
        keyId = id
        privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: rawPrivate)
    }

    public var publicKey: PublicKeyRecord {
        PublicKeyRecord(id: keyId, publicKey: privateKey.publicKey.rawRepresentation.base64EncodedString())
    }

    public func sign(_ message: [UInt8]) throws -> Data { try privateKey.signature(for: Data(message)) }

    public var privateFileText: String {
        "{\"id\":\(JSON.string(keyId)),\"ed25519-private\":\"\(privateKey.rawRepresentation.base64EncodedString())\"}\n"
    }

    /// Valid key ids: 1–64 of [A-Za-z0-9._-], so they are safe as file names.
    public static func validId(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "."
        } && id != "." && id != ".."
    }

    /// Reads a private key file, refusing one that group or others may read or write
    /// (mode wider than 0600), as ssh does.
    public static func load(path: String) throws -> WorkstationKey {
        var st = stat()
        guard stat(path, &st) == 0 else { throw KeyError("\(path): error: cannot read the key file (\(String(cString: strerror(errno))))") }
        let mode = st.st_mode & 0o777
        if mode & 0o077 != 0 {
            throw KeyError("\(path): error: key file mode \(String(format: "%04o", mode)) is too open; it must be 0600 or narrower (chmod 600 \(path))")
        }
        guard let data = FileManager.default.contents(atPath: path),
              case .object? = try? JSONText.parse([UInt8](data)),
              let v = try? JSONText.parse([UInt8](data)),
              let id = v["id"]?.string, let b64 = v["ed25519-private"]?.string, let raw = Data(base64Encoded: b64), raw.count == 32 else {
            throw KeyError("\(path): error: not a HazLab private key file ({\"id\":…,\"ed25519-private\":…})")
        }
        return try WorkstationKey(id: id, rawPrivate: raw)
    }

    /// Writes ID.key (0600, created exclusively) and ID.pub in `folder`.
    public func write(to folder: String) throws -> (key: String, pub: String) {
        let keyPath = (folder as NSString).appendingPathComponent("\(keyId).key")
        let pubPath = (folder as NSString).appendingPathComponent("\(keyId).pub")
        let fd = open(keyPath, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw KeyError("\(keyPath): error: cannot create the key file (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        fchmod(fd, 0o600)  // whatever the umask
        try JournalFile.writeAll(fd: fd, Array(privateFileText.utf8), path: keyPath)
        guard fsync(fd) == 0 else { throw KeyError("\(keyPath): error: fsync failed") }
        try Data(publicKey.fileText.utf8).write(to: URL(fileURLWithPath: pubPath), options: .atomic)
        return (keyPath, pubPath)
    }
}

/// A public key, as in ID.pub and in the registry.
public struct PublicKeyRecord: Sendable, Hashable {
    public var id: String
    /// Base64 of the 32-byte Ed25519 public key.
    public var publicKey: String
    /// When the key was added to the registry (ISO 8601 UTC, ms).
    public var added: String = ""
    /// When it was revoked (ISO 8601 UTC, ms), or empty.
    public var revoked: String = ""

    public init(id: String, publicKey: String, added: String = "", revoked: String = "") {
        self.id = id; self.publicKey = publicKey; self.added = added; self.revoked = revoked
    }

    public var fileText: String { "{\"id\":\(JSON.string(id)),\"ed25519-public\":\(JSON.string(publicKey))}\n" }

    public static func load(path: String) throws -> PublicKeyRecord {
        guard let data = FileManager.default.contents(atPath: path) else { throw KeyError("\(path): error: cannot read the public key file") }
        guard let v = try? JSONText.parse([UInt8](data)), let id = v["id"]?.string, let b64 = v["ed25519-public"]?.string,
              let raw = Data(base64Encoded: b64), raw.count == 32 else {
            if let v = try? JSONText.parse([UInt8](data)), v["ed25519-private"] != nil {
                throw KeyError("\(path): error: this is a PRIVATE key; register the .pub file")
            }
            throw KeyError("\(path): error: not a HazLab public key file ({\"id\":…,\"ed25519-public\":…})")
        }
        guard WorkstationKey.validId(id) else { throw KeyError("\(path): error: bad key id '\(id)'") }
        return PublicKeyRecord(id: id, publicKey: b64)
    }

    /// Checks an Ed25519 signature (base64, canonical spelling only) over `message`.
    public func isValidSignature(_ base64: String, for message: [UInt8]) -> Bool {
        guard let raw = Data(base64Encoded: publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
              let sig = Data(base64Encoded: base64), sig.count == 64, sig.base64EncodedString() == base64 else { return false }
        return key.isValidSignature(sig, for: Data(message))
    }
}

/// The registry of workstation public keys the grader trusts: a JSON file, by default
/// `$HAZLAB_KEYS`, else `keys.json` in the current folder. Written atomically, keys sorted by id:
///   {"format":1,"keys":[{"id":"ws-01","ed25519-public":"…","added":"…","revoked":""}]}
///
/// Revocation: a journal signed by a revoked key is rejected when its header's `started` time is
/// at or after the key's `revoked` time (both ISO 8601 UTC, compared as instants), or when its
/// `started` cannot be read. `started` is covered by the chain and the signature, so only the key
/// holder can change it: for a stolen key revoke with `--at` the earliest time it may have
/// leaked (`--all` rejects every journal it signed).
public struct KeyRegistry: Sendable {
    public var keys: [PublicKeyRecord] = []
    public init(keys: [PublicKeyRecord] = []) { self.keys = keys.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) } }

    public static var defaultPath: String { ProcessInfo.processInfo.environment["HAZLAB_KEYS"] ?? "keys.json" }

    public subscript(id: String) -> PublicKeyRecord? { keys.first { $0.id == id } }

    /// Reads the registry, refusing one that group or others may write, or that belongs to
    /// another user (root excepted): whoever can write it decides which journals are trusted.
    /// (Reading is harmless: it holds public keys only.)
    public static func load(path: String) throws -> KeyRegistry {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw KeyError("\(path): error: cannot read the key registry (\(String(cString: strerror(errno))))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw KeyError("\(path): error: the key registry is not a regular file") }
        let mode = st.st_mode & 0o777
        if mode & 0o022 != 0 {
            throw KeyError("\(path): error: key registry mode \(String(format: "%04o", mode)) lets others change which keys are trusted; "
                           + "it must not be writable by group or others (chmod 644 \(path))")
        }
        if st.st_uid != getuid() && st.st_uid != 0 {
            throw KeyError("\(path): error: the key registry belongs to another user (uid \(st.st_uid)); it must be yours or root's")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw KeyError("\(path): error: cannot read the key registry") }
        guard let v = try? JSONText.parse([UInt8](data)), let list = v["keys"]?.array else {
            throw KeyError("\(path): error: not a HazLab key registry ({\"format\":1,\"keys\":[…]})")
        }
        var keys: [PublicKeyRecord] = []
        for (i, k) in list.enumerated() {
            guard let id = k["id"]?.string, let pub = k["ed25519-public"]?.string else {
                throw KeyError("\(path): error: key \(i + 1) lacks \"id\" or \"ed25519-public\"")
            }
            keys.append(PublicKeyRecord(id: id, publicKey: pub, added: k["added"]?.string ?? "", revoked: k["revoked"]?.string ?? ""))
        }
        return KeyRegistry(keys: keys)
    }

    /// Loads `path`, or an empty registry when it does not exist yet.
    public static func loadOrEmpty(path: String) throws -> KeyRegistry {
        FileManager.default.fileExists(atPath: path) ? try load(path: path) : KeyRegistry()
    }

    public var json: String {
        var s = "{\"format\":1,\"keys\":["
        s += keys.map { k in
            "\n  {\"id\":\(JSON.string(k.id)),\"ed25519-public\":\(JSON.string(k.publicKey)),\"added\":\(JSON.string(k.added)),\"revoked\":\(JSON.string(k.revoked))}"
        }.joined(separator: ",")
        return s + (keys.isEmpty ? "]}\n" : "\n]}\n")
    }

    /// Rewrites the registry atomically (a temporary file renamed over it), with the old
    /// file's mode less group and other write, or 0644 for a new one — never the umask's.
    public func save(path: String) throws {
        var st = stat()
        let mode: mode_t = stat(path, &st) == 0 ? (st.st_mode & 0o755) : 0o644
        let tmp = path + ".tmp-\(getpid())"
        unlink(tmp)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw KeyError("\(path): error: cannot write the key registry: \(String(cString: strerror(errno)))") }
        let bytes = Array(json.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let ok = written == bytes.count && fchmod(fd, mode) == 0 && fsync(fd) == 0
        var why = ok ? "" : String(cString: strerror(errno))
        close(fd)
        if ok && rename(tmp, path) != 0 { why = String(cString: strerror(errno)) }
        guard why.isEmpty else {
            unlink(tmp)
            throw KeyError("\(path): error: cannot write the key registry: \(why)")
        }
    }

    /// Adds a key. Re-adding the same id with the same key is a no-op; another key under a known
    /// id is refused (revoke it and use a new id).
    public mutating func add(_ k: PublicKeyRecord, now: Date = Date()) throws {
        if let old = self[k.id] {
            if old.publicKey == k.publicKey { return }
            throw KeyError("error: key id '\(k.id)' is already registered with another key")
        }
        var k = k
        k.added = Timestamp.format(now); k.revoked = ""
        keys.append(k)
        keys.sort { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
    }

    public mutating func revoke(id: String, at: Date) throws {
        guard let i = keys.firstIndex(where: { $0.id == id }) else { throw KeyError("error: no key '\(id)' in the registry") }
        keys[i].revoked = Timestamp.format(at)
    }

    /// Why a journal signed with key `id`, started at `started`, must not be trusted; nil if it may.
    public enum Verdict: Equatable, Sendable { case unknown, revoked(String) }
    public func refusal(keyId id: String, started: String) -> Verdict? {
        guard let k = self[id] else { return .unknown }
        guard !k.revoked.isEmpty else { return nil }
        guard let r = Timestamp.parse(k.revoked) else { return .revoked(k.revoked) }
        guard let s = Timestamp.parse(started), s < r else { return .revoked(k.revoked) }
        return nil
    }
}

/// ISO 8601 UTC with milliseconds: "2026-11-29T08:30:00.000Z".
public enum Timestamp {
    public static func format(_ d: Date) -> String {
        let ms = Int64((d.timeIntervalSince1970 * 1000).rounded(.down))
        var t = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(tmv.tm_year) + 1900, Int(tmv.tm_mon) + 1, Int(tmv.tm_mday),
                      Int(tmv.tm_hour), Int(tmv.tm_min), Int(tmv.tm_sec), Int(((ms % 1000) + 1000) % 1000))
    }

    /// Parses exactly the `format` spelling (seconds fraction optional); nil otherwise.
    public static func parse(_ s: String) -> Date? {
        let b = Array(s.utf8)
        func num(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= b.count else { return nil }
            var v = 0
            for i in r { guard (48...57).contains(b[i]) else { return nil }; v = v * 10 + Int(b[i] - 48) }
            return v
        }
        guard b.count >= 20, b.last == UInt8(ascii: "Z"), b[4] == 45, b[7] == 45, b[10] == UInt8(ascii: "T"), b[13] == 58, b[16] == 58,
              let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13), let mi = num(14..<16), let se = num(17..<19),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, se < 61 else { return nil }
        var ms = 0
        if b.count != 20 {
            guard b.count == 24, b[19] == UInt8(ascii: "."), let f = num(20..<23) else { return nil }
            ms = f
        }
        var tmv = tm()
        tmv.tm_year = Int32(y - 1900); tmv.tm_mon = Int32(mo - 1); tmv.tm_mday = Int32(d)
        tmv.tm_hour = Int32(h); tmv.tm_min = Int32(mi); tmv.tm_sec = Int32(se)
        let t = timegm(&tmv)
        return Date(timeIntervalSince1970: Double(t) + Double(ms) / 1000)
    }
}
