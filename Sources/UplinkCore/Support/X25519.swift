/// X25519 (RFC 7748) for WireGuard key pairs: a private key is 32 random bytes, the public
/// key is the scalar multiple of the base point 9. Field elements use five 51-bit limbs;
/// the ladder swaps in constant time. Checked against the RFC's vectors and `wg pubkey`.
public enum X25519 {
    public static func publicKey(privateKey: [UInt8]) -> [UInt8] {
        var base = [UInt8](repeating: 0, count: 32)
        base[0] = 9
        return scalarMult(scalar: privateKey, point: base)
    }

    /// WireGuard's clamping, as `wg genkey` applies it to fresh random bytes.
    public static func clamp(_ k: [UInt8]) -> [UInt8] {
        var k = k
        k[0] &= 248
        k[31] &= 127
        k[31] |= 64
        return k
    }

    public static func scalarMult(scalar: [UInt8], point: [UInt8]) -> [UInt8] {
        precondition(scalar.count == 32 && point.count == 32)
        let k = clamp(scalar)
        var u = point
        u[31] &= 127
        let x1 = Fe(bytes: u)
        var x2 = Fe.one, z2 = Fe.zero, x3 = x1, z3 = Fe.one
        var swap: UInt64 = 0
        for t in stride(from: 254, through: 0, by: -1) {
            let bit = UInt64((k[t >> 3] >> UInt8(t & 7)) & 1)
            swap ^= bit
            Fe.cswap(&x2, &x3, swap)
            Fe.cswap(&z2, &z3, swap)
            swap = bit
            let a = x2 + z2, aa = a.squared()
            let b = x2 - z2, bb = b.squared()
            let e = aa - bb
            let c = x3 + z3, d = x3 - z3
            let da = d * a, cb = c * b
            x3 = (da + cb).squared()
            z3 = x1 * (da - cb).squared()
            x2 = aa * bb
            z2 = e * (aa + e.times121665())
        }
        Fe.cswap(&x2, &x3, swap)
        Fe.cswap(&z2, &z3, swap)
        return (x2 * z2.inverted()).bytes
    }

    /// An element of GF(2^255 - 19).
    struct Fe {
        var l: (UInt64, UInt64, UInt64, UInt64, UInt64)
        static let mask: UInt64 = (1 << 51) - 1
        static let zero = Fe(l: (0, 0, 0, 0, 0))
        static let one = Fe(l: (1, 0, 0, 0, 0))

        init(l: (UInt64, UInt64, UInt64, UInt64, UInt64)) { self.l = l }

        init(bytes b: [UInt8]) {
            func load(_ i: Int) -> UInt64 {
                var v: UInt64 = 0
                for j in 0..<8 where i + j < 32 { v |= UInt64(b[i + j]) << (8 * UInt64(j)) }
                return v
            }
            l = (load(0) & Fe.mask,
                 (load(6) >> 3) & Fe.mask,
                 (load(12) >> 6) & Fe.mask,
                 (load(19) >> 1) & Fe.mask,
                 (load(24) >> 12) & Fe.mask)
        }

        static func + (a: Fe, b: Fe) -> Fe {
            Fe(l: (a.l.0 + b.l.0, a.l.1 + b.l.1, a.l.2 + b.l.2, a.l.3 + b.l.3, a.l.4 + b.l.4)).carried()
        }

        /// a - b, adding 4p first so no limb underflows.
        static func - (a: Fe, b: Fe) -> Fe {
            let p0: UInt64 = 0x1F_FFFF_FFFF_FFB4, pn: UInt64 = 0x1F_FFFF_FFFF_FFFC
            return Fe(l: (a.l.0 + p0 - b.l.0, a.l.1 + pn - b.l.1, a.l.2 + pn - b.l.2,
                          a.l.3 + pn - b.l.3, a.l.4 + pn - b.l.4)).carried()
        }

        static func * (a: Fe, b: Fe) -> Fe {
            let (a0, a1, a2, a3, a4) = (UInt128(a.l.0), UInt128(a.l.1), UInt128(a.l.2), UInt128(a.l.3), UInt128(a.l.4))
            let (b0, b1, b2, b3, b4) = (UInt128(b.l.0), UInt128(b.l.1), UInt128(b.l.2), UInt128(b.l.3), UInt128(b.l.4))
            let (b1_19, b2_19, b3_19, b4_19) = (b1 * 19, b2 * 19, b3 * 19, b4 * 19)
            let r0 = a0 * b0 + a1 * b4_19 + a2 * b3_19 + a3 * b2_19 + a4 * b1_19
            let r1 = a0 * b1 + a1 * b0 + a2 * b4_19 + a3 * b3_19 + a4 * b2_19
            let r2 = a0 * b2 + a1 * b1 + a2 * b0 + a3 * b4_19 + a4 * b3_19
            let r3 = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + a4 * b4_19
            let r4 = a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0
            return reduce(r0, r1, r2, r3, r4)
        }

        func squared() -> Fe { self * self }

        func times121665() -> Fe {
            let m: UInt128 = 121665
            return Fe.reduce(UInt128(l.0) * m, UInt128(l.1) * m, UInt128(l.2) * m, UInt128(l.3) * m, UInt128(l.4) * m)
        }

        static func reduce(_ r0: UInt128, _ r1: UInt128, _ r2: UInt128, _ r3: UInt128, _ r4: UInt128) -> Fe {
            let m = UInt128(mask)
            var c = r0 >> 51; let t0 = r0 & m
            let s1 = r1 + c; c = s1 >> 51; let t1 = s1 & m
            let s2 = r2 + c; c = s2 >> 51; let t2 = s2 & m
            let s3 = r3 + c; c = s3 >> 51; let t3 = s3 & m
            let s4 = r4 + c; c = s4 >> 51; let t4 = s4 & m
            let u0 = t0 + c * 19
            let u1 = t1 + (u0 >> 51)
            return Fe(l: (UInt64(u0 & m), UInt64(u1), UInt64(t2), UInt64(t3), UInt64(t4)))
        }

        func carried() -> Fe {
            var (a0, a1, a2, a3, a4) = l
            a1 += a0 >> 51; a0 &= Fe.mask
            a2 += a1 >> 51; a1 &= Fe.mask
            a3 += a2 >> 51; a2 &= Fe.mask
            a4 += a3 >> 51; a3 &= Fe.mask
            a0 += (a4 >> 51) * 19; a4 &= Fe.mask
            a1 += a0 >> 51; a0 &= Fe.mask
            return Fe(l: (a0, a1, a2, a3, a4))
        }

        /// self^(p-2) by the usual addition chain.
        func inverted() -> Fe {
            func sq(_ x: Fe, _ n: Int) -> Fe { var r = x; for _ in 0..<n { r = r.squared() }; return r }
            let z2 = squared()
            let z9 = sq(z2, 2) * self
            let z11 = z9 * z2
            let z2_5_0 = z11.squared() * z9
            let z2_10_0 = sq(z2_5_0, 5) * z2_5_0
            let z2_20_0 = sq(z2_10_0, 10) * z2_10_0
            let z2_40_0 = sq(z2_20_0, 20) * z2_20_0
            let z2_50_0 = sq(z2_40_0, 10) * z2_10_0
            let z2_100_0 = sq(z2_50_0, 50) * z2_50_0
            let z2_200_0 = sq(z2_100_0, 100) * z2_100_0
            let z2_250_0 = sq(z2_200_0, 50) * z2_50_0
            return sq(z2_250_0, 5) * z11
        }

        static func cswap(_ a: inout Fe, _ b: inout Fe, _ bit: UInt64) {
            let m = 0 &- bit
            var x = (a.l.0 ^ b.l.0) & m; a.l.0 ^= x; b.l.0 ^= x
            x = (a.l.1 ^ b.l.1) & m; a.l.1 ^= x; b.l.1 ^= x
            x = (a.l.2 ^ b.l.2) & m; a.l.2 ^= x; b.l.2 ^= x
            x = (a.l.3 ^ b.l.3) & m; a.l.3 ^= x; b.l.3 ^= x
            x = (a.l.4 ^ b.l.4) & m; a.l.4 ^= x; b.l.4 ^= x
        }

        /// Fully reduced little-endian encoding.
        var bytes: [UInt8] {
            var t = carried().carried()
            // subtract p if t >= p: compute t + 19 and look at bit 255
            var q = (t.l.0 + 19) >> 51
            q = (t.l.1 + q) >> 51
            q = (t.l.2 + q) >> 51
            q = (t.l.3 + q) >> 51
            q = (t.l.4 + q) >> 51
            t.l.0 += 19 * q
            t.l.1 += t.l.0 >> 51; t.l.0 &= Fe.mask
            t.l.2 += t.l.1 >> 51; t.l.1 &= Fe.mask
            t.l.3 += t.l.2 >> 51; t.l.2 &= Fe.mask
            t.l.4 += t.l.3 >> 51; t.l.3 &= Fe.mask
            t.l.4 &= Fe.mask
            let words: [UInt64] = [
                t.l.0 | t.l.1 << 51,
                t.l.1 >> 13 | t.l.2 << 38,
                t.l.2 >> 26 | t.l.3 << 25,
                t.l.3 >> 39 | t.l.4 << 12,
            ]
            var out = [UInt8](repeating: 0, count: 32)
            for (i, w) in words.enumerated() {
                for j in 0..<8 { out[i * 8 + j] = UInt8((w >> (8 * UInt64(j))) & 0xFF) }
            }
            return out
        }
    }
}
