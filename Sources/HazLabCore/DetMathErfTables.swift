// Generated coefficient tables for DetMath.erf / DetMath.erfc.
// Pieces: near-minimax (Chebyshev-interpolation) polynomial fits of erfcx(x) = exp(x*x)*erfc(x),
// computed offline in 50-digit arithmetic (mpmath) and rounded to Double (hex literals, exact).
// Evaluation uses only IEEE + and * (Horner), so results are bit-identical everywhere.

extension DetMath {
    /// erf(x) = x * (2/sqrt(pi) + z * erfSmallQ(z)), z = x*x, for |x| < 0.4769.
    @inline(__always) static func erfSmallQ(_ z: Double) -> Double {
        var q = 0x1.cf11b62f16420p-27
        q = -0x1.5e189366a5091p-23 + z * q
        q = 0x1.b9db41899eae4p-20 + z * q
        q = -0x1.f4d220d96e64cp-17 + z * q
        q = 0x1.f9a3263c15886p-14 + z * q
        q = -0x1.c02db3fecfbcfp-11 + z * q
        q = 0x1.565bcd0e68b75p-8 + z * q
        q = -0x1.b82ce31288b34p-6 + z * q
        q = 0x1.ce2f21a042be2p-4 + z * q
        q = -0x1.812746b0379e7p-2 + z * q
        return q
    }

    /// erfcx(x) = exp(x*x) * erfc(x) for 0.4769 <= x < 27.5, returned as an unevaluated sum (hi, lo).
    /// 12 pieces, polynomial in t = x - mid; relative fit error < 3e-19.
    /// Long: a coefficient table written as Horner steps, one piece after another.
    static func erfcxPoly(_ x: Double) -> (Double, Double) {
        let t: Double, c0h: Double, c0l: Double
        var p: Double
        if x < 1.0 {  // [0.4769, 1.0)
            t = x - 0.73845
            c0h = 0x1.05be76aad0768p-1; c0l = -0x1.6c2c40c55debdp-55
            p = -0x1.9eb030a58649cp-20
            p = 0x1.4a89606de0462p-18 + t * p
            p = -0x1.f1ec4d36a7d0cp-17 + t * p
            p = 0x1.758aedfb83c07p-15 + t * p
            p = -0x1.0f528c38008d2p-13 + t * p
            p = 0x1.7c6d3219a225dp-12 + t * p
            p = -0x1.00c3e1c331012p-10 + t * p
            p = 0x1.4c91f635f4f14p-9 + t * p
            p = -0x1.9ba76e9649381p-8 + t * p
            p = 0x1.e490290b54cb5p-7 + t * p
            p = -0x1.0d8e17ad54e8bp-5 + t * p
            p = 0x1.193cd5a9b9ebfp-4 + t * p
            p = -0x1.104fd6cd2e9c9p-3 + t * p
            p = 0x1.e2538acc61157p-3 + t * p
            p = -0x1.7e5222e8b074ap-2 + t * p
        } else if x < 1.625 {  // [1.0, 1.625)
            t = x - 1.3125
            c0h = 0x1.6bb376a9390cdp-2; c0l = 0x1.9132851d449adp-56
            p = -0x1.cc5a371004350p-24
            p = 0x1.967cb9df0f9ffp-22 + t * p
            p = -0x1.52c615bffc29ep-20 + t * p
            p = 0x1.1b8b022c60b6cp-18 + t * p
            p = -0x1.cd84abae023e9p-17 + t * p
            p = 0x1.6c2f86f784c18p-15 + t * p
            p = -0x1.1624f8d6b98a9p-13 + t * p
            p = 0x1.9a25c35d48f32p-12 + t * p
            p = -0x1.23093060bcae3p-10 + t * p
            p = 0x1.8c10e9ab61286p-9 + t * p
            p = -0x1.014991d6577efp-7 + t * p
            p = 0x1.3d5e9f54c953ep-6 + t * p
            p = -0x1.711413b59af42p-5 + t * p
            p = 0x1.90e47c99926d2p-4 + t * p
            p = -0x1.917d7928e2332p-3 + t * p
        } else if x < 2.375 {  // [1.625, 2.375)
            t = x - 2.0
            c0h = 0x1.058671b52c776p-2; c0l = -0x1.3c07b0c245c03p-58
            p = -0x1.a18307eb36875p-28
            p = 0x1.9f3ce949ee252p-26 + t * p
            p = -0x1.8587152fc530dp-24 + t * p
            p = 0x1.72149d04d0e29p-22 + t * p
            p = -0x1.57786e2ac605ep-20 + t * p
            p = 0x1.3697d6b5fd5e8p-18 + t * p
            p = -0x1.115cfd626fe9ep-16 + t * p
            p = 0x1.d37ba47ac8d20p-15 + t * p
            p = -0x1.83822168bc3e6p-13 + t * p
            p = 0x1.369ffa08477fcp-11 + t * p
            p = -0x1.e028e8a56cc6ep-10 + t * p
            p = 0x1.64907215a3824p-8 + t * p
            p = -0x1.fa9d3ac955d98p-7 + t * p
            p = 0x1.5672b9ea13de7p-5 + t * p
            p = -0x1.b57034efd3f72p-4 + t * p
        } else if x < 3.375 {  // [2.375, 3.375)
            t = x - 2.875
            c0h = 0x1.7d0a5e9dd5710p-3; c0l = 0x1.1da2be3fd882fp-57
            p = -0x1.0e70efe9a6fa8p-32
            p = 0x1.36bee30ff442bp-30 + t * p
            p = -0x1.4dfb93e644044p-28 + t * p
            p = 0x1.71a3d8fc7dde6p-26 + t * p
            p = -0x1.91bfdbfc2e7afp-24 + t * p
            p = 0x1.ab82c462082c6p-22 + t * p
            p = -0x1.bd5eaf8ceaac2p-20 + t * p
            p = 0x1.c5b487ae7546ep-18 + t * p
            p = -0x1.c35c651fb2f35p-16 + t * p
            p = 0x1.b5d78b301a3d7p-14 + t * p
            p = -0x1.9d6f22275d1d7p-12 + t * p
            p = 0x1.7b404aa4dd9ccp-10 + t * p
            p = -0x1.512f92fca6d7ap-8 + t * p
            p = 0x1.21c23afa33c4ap-6 + t * p
            p = -0x1.dfc0205709b2cp-5 + t * p
        } else if x < 4.625 {  // [3.375, 4.625)
            t = x - 4.0
            c0h = 0x1.18932bf08e154p-3; c0l = 0x1.08b806ef471f4p-57
            p = -0x1.f5ef4c1088407p-38
            p = 0x1.56574efde26ccp-35 + t * p
            p = -0x1.b445dd8bb5086p-33 + t * p
            p = 0x1.211f12f82c333p-30 + t * p
            p = -0x1.7a319b0268242p-28 + t * p
            p = 0x1.e6bf35f6c6d4fp-26 + t * p
            p = -0x1.345ef8b7c4629p-23 + t * p
            p = 0x1.806c8e6109c7dp-21 + t * p
            p = -0x1.d727479b2c329p-19 + t * p
            p = 0x1.1ba135f146bb0p-16 + t * p
            p = -0x1.4f2981c3bd904p-14 + t * p
            p = 0x1.8457bbe092704p-12 + t * p
            p = -0x1.b8b6382729f0ep-10 + t * p
            p = 0x1.e9412fa33c753p-8 + t * p
            p = -0x1.094922737431ap-5 + t * p
        } else if x < 6.125 {  // [4.625, 6.125)
            t = x - 5.375
            c0h = 0x1.a6dab49575b6dp-4; c0l = 0x1.be0b2fc73ba22p-62
            p = -0x1.a934e9d7536e8p-43
            p = 0x1.5e0967828c1c9p-40 + t * p
            p = -0x1.0e663660b7074p-37 + t * p
            p = 0x1.b3f653e0a419bp-35 + t * p
            p = -0x1.5c3ea1c57e287p-32 + t * p
            p = 0x1.12e591d66b3d9p-29 + t * p
            p = -0x1.ad3dbbc627bb5p-27 + t * p
            p = 0x1.4b5931a397208p-24 + t * p
            p = -0x1.f99c8c3a4e208p-22 + t * p
            p = 0x1.7d2054ade8c46p-19 + t * p
            p = -0x1.1bb8488e4a9dap-16 + t * p
            p = 0x1.a0faa96f49305p-14 + t * p
            p = -0x1.2e52cf81e3f55p-11 + t * p
            p = 0x1.b04ef16d7efa0p-9 + t * p
            p = -0x1.30a0ebefa7ff4p-6 + t * p
        } else if x < 8.125 {  // [6.125, 8.125)
            t = x - 7.125
            c0h = 0x1.413c3b2dcd435p-4; c0l = -0x1.539eea602215ep-59
            p = -0x1.333b162cb17b4p-48
            p = 0x1.37877bd13af36p-45 + t * p
            p = -0x1.268bef53fd6acp-42 + t * p
            p = 0x1.26551a80d5668p-39 + t * p
            p = -0x1.24870faf9f568p-36 + t * p
            p = 0x1.202bcd6dac697p-33 + t * p
            p = -0x1.19c90af116858p-30 + t * p
            p = 0x1.117a5948513e2p-27 + t * p
            p = -0x1.07611d31c4191p-24 + t * p
            p = 0x1.f754478b235bdp-22 + t * p
            p = -0x1.dd15aee389451p-19 + t * p
            p = 0x1.c07f431ce191fp-16 + t * p
            p = -0x1.a214309a9f207p-13 + t * p
            p = 0x1.825df5629cde3p-10 + t * p
            p = -0x1.61e827af73702p-7 + t * p
        } else if x < 10.625 {  // [8.125, 10.625)
            t = x - 9.375
            c0h = 0x1.ea3d037a209f6p-5; c0l = 0x1.f428694d5efc2p-59
            p = -0x1.7e752d201b944p-54
            p = 0x1.e5eedf92fcd09p-51 + t * p
            p = -0x1.20a447cf17b8cp-47 + t * p
            p = 0x1.6b370354eea6cp-44 + t * p
            p = -0x1.c7af27cf98406p-41 + t * p
            p = 0x1.1c0e382663489p-37 + t * p
            p = -0x1.60734983f5f11p-34 + t * p
            p = 0x1.b33817aa1dc90p-31 + t * p
            p = -0x1.0b66ee359c2cbp-27 + t * p
            p = 0x1.46f660084a0cdp-24 + t * p
            p = -0x1.8dc8598c4ceb7p-21 + t * p
            p = 0x1.e17a5570a285ep-18 + t * p
            p = -0x1.21e297cfbe693p-14 + t * p
            p = 0x1.5b3b733d35b89p-11 + t * p
            p = -0x1.9db4fa9a996a4p-8 + t * p
        } else if x < 13.875 {  // [10.625, 13.875)
            t = x - 12.25
            c0h = 0x1.780c6345b4de9p-5; c0l = -0x1.3e3ce3c63d365p-59
            p = -0x1.c1538d2b1f554p-60
            p = 0x1.698de034578fep-56 + t * p
            p = -0x1.0f8d49b054d0bp-52 + t * p
            p = 0x1.b25218e4b4929p-49 + t * p
            p = -0x1.5aee354bdf93fp-45 + t * p
            p = 0x1.13d0f451b7393p-41 + t * p
            p = -0x1.b53d785041ec4p-38 + t * p
            p = 0x1.59892859098f4p-34 + t * p
            p = -0x1.103c9adc5b606p-30 + t * p
            p = 0x1.aba9168674f9fp-27 + t * p
            p = -0x1.4edf1d767cb97p-23 + t * p
            p = 0x1.0565cdd2399d3p-19 + t * p
            p = -0x1.96ce3ebd3b990p-16 + t * p
            p = 0x1.3b8b7f402a8f3p-12 + t * p
            p = -0x1.e7f2059678dd5p-9 + t * p
        } else if x < 18.125 {  // [13.875, 18.125)
            t = x - 16.0
            c0h = 0x1.204ddcd967373p-5; c0l = 0x1.af17c2a1a1cf3p-61
            p = -0x1.dd81f61fe8b6ep-66
            p = 0x1.ec1521995bcd9p-62 + t * p
            p = -0x1.d88168261547bp-58 + t * p
            p = 0x1.e50fc50d3b16bp-54 + t * p
            p = -0x1.f20472a03161ap-50 + t * p
            p = 0x1.fd687837db8fdp-46 + t * p
            p = -0x1.040bf546b2b70p-41 + t * p
            p = 0x1.090571756e3b3p-37 + t * p
            p = -0x1.0d97ab1e1d0f9p-33 + t * p
            p = 0x1.11bbc0f328e7ap-29 + t * p
            p = -0x1.156b53c5aa6bep-25 + t * p
            p = 0x1.18a0870876cd6p-21 + t * p
            p = -0x1.1b561359e771ap-17 + t * p
            p = 0x1.1d875467f8643p-13 + t * p
            p = -0x1.1f305584ff3edp-9 + t * p
        } else if x < 23.625 {  // [18.125, 23.625)
            t = x - 20.875
            c0h = 0x1.ba4e05c07f285p-6; c0l = 0x1.e6db4dc8b243ep-63
            p = -0x1.e16a8ecf50a80p-72
            p = 0x1.3fc0c7151d158p-67 + t * p
            p = -0x1.8bd9ac99474f0p-63 + t * p
            p = 0x1.064eb03470c79p-58 + t * p
            p = -0x1.5bef2a612a2abp-54 + t * p
            p = 0x1.cc1afb9416908p-50 + t * p
            p = -0x1.2fe0406399656p-45 + t * p
            p = 0x1.90f4cf332b0e7p-41 + t * p
            p = -0x1.083b6f9186dcdp-36 + t * p
            p = 0x1.5bdf7539f9758p-32 + t * p
            p = -0x1.c97a5af0c22edp-28 + t * p
            p = 0x1.2c78a082dd31ap-23 + t * p
            p = -0x1.8a413a5c6d033p-19 + t * p
            p = 0x1.025d05b2cdfcfp-14 + t * p
            p = -0x1.523d0e5b0e112p-10 + t * p
        } else {  // [23.625, 27.5)
            t = x - 25.5625
            c0h = 0x1.6955c0c254e85p-6; c0l = 0x1.51cb3ee15ae13p-60
            p = -0x1.8ab8811bd0c93p-67
            p = 0x1.3ea9ca398db8fp-62 + t * p
            p = -0x1.f802f2c70dff5p-58 + t * p
            p = 0x1.96477d861a344p-53 + t * p
            p = -0x1.474e27de87e0ep-48 + t * p
            p = 0x1.0771dc7b27a03p-43 + t * p
            p = -0x1.a7c548739e911p-39 + t * p
            p = 0x1.5493fc0493cbap-34 + t * p
            p = -0x1.118303768352ep-29 + t * p
            p = 0x1.b6f92e8268e4ap-25 + t * p
            p = -0x1.5ffff16b7f3a1p-20 + t * p
            p = 0x1.1a0b70f1a0555p-15 + t * p
            p = -0x1.c3a4476719c7ep-11 + t * p
        }
        return fastTwoSum(c0h, c0l + t * p)  // |t * p| < c0h on every piece
    }
}
