import Crypto
import _CryptoExtras
import Foundation

/// A password stored as scrypt (swift-crypto's BoringSSL implementation): memory-hard, so a
/// stolen users file costs an attacker memory as well as time per guess. The parameters are
/// stored with the hash, so raising them later keeps old entries verifiable.
public struct PasswordHash: Sendable, Equatable {
    /// log2 of scrypt's N. 2^15 with r = 8 is 32 MiB and about 0.1 s per check here.
    public var logN: Int
    public var blockSize: Int
    public var parallelism: Int
    public var salt: [UInt8]
    public var hash: [UInt8]

    public static let defaultLogN = 15

    /// Hashes `password` with a fresh random salt.
    public static func make(password: String, logN: Int = defaultLogN) throws -> PasswordHash {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let hash = try derive(password: password, salt: salt, logN: logN, blockSize: 8, parallelism: 1)
        return PasswordHash(logN: logN, blockSize: 8, parallelism: 1, salt: salt, hash: hash)
    }

    /// True when `password` produces the stored hash (compared in constant time).
    public func verify(_ password: String) -> Bool {
        guard let candidate = try? Self.derive(password: password, salt: salt, logN: logN, blockSize: blockSize,
                                                parallelism: parallelism) else { return false }
        return ConstantTime.equal(candidate, hash)
    }

    /// "scrypt$15$8$1$<salt b64>$<hash b64>".
    public var encoded: String {
        "scrypt$\(logN)$\(blockSize)$\(parallelism)$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString())"
    }

    /// Parses ``encoded``; nil when it is not one (the caller names the line).
    public init?(encoded text: String) {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let logN = Int(parts[1]), (10...22).contains(logN),
              let r = Int(parts[2]), (1...64).contains(r), let p = Int(parts[3]), (1...16).contains(p),
              let salt = Data(base64Encoded: String(parts[4])), salt.count >= 8,
              let hash = Data(base64Encoded: String(parts[5])), hash.count == 32 else { return nil }
        self.init(logN: logN, blockSize: r, parallelism: p, salt: Array(salt), hash: Array(hash))
    }

    public init(logN: Int, blockSize: Int, parallelism: Int, salt: [UInt8], hash: [UInt8]) {
        self.logN = logN
        self.blockSize = blockSize
        self.parallelism = parallelism
        self.salt = salt
        self.hash = hash
    }

    private static func derive(password: String, salt: [UInt8], logN: Int, blockSize: Int,
                               parallelism: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: 32,
                                           rounds: 1 << logN, blockSize: blockSize, parallelism: parallelism,
                                           maxMemory: 256 << 20)
        return key.withUnsafeBytes { Array($0) }
    }
}
