//! `cipher.rs` against published test vectors: FIPS 180-4's examples for SHA-1 and SHA-2,
//! RFC 1321 for MD5, RFC 2202 for HMAC-MD5/HMAC-SHA1, RFC 4231 for HMAC-SHA-256/384/512
//! (test cases 1-7) and NIST SP 800-38A F.2 for AES-CBC.

use tollgate_config::algorithms::HashKind;

use super::cipher::{aes_cbc_decrypt, aes_cbc_encrypt, hash, hmac};

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).unwrap()
}

const MSG_448: &str = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const MSG_896: &str = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

#[test]
fn sha_matches_the_fips_180_4_examples() {
    for (kind, msg, digest) in [
        (
            HashKind::Sha1,
            "abc",
            "a9993e364706816aba3e25717850c26c9cd0d89d",
        ),
        (
            HashKind::Sha1,
            MSG_448,
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
        ),
        (
            HashKind::Sha1,
            MSG_896,
            "a49b2446a02c645bf419f995b67091253a04a259",
        ),
        (
            HashKind::Sha256,
            "abc",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            HashKind::Sha256,
            MSG_448,
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
        (
            HashKind::Sha256,
            MSG_896,
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
        ),
        (
            HashKind::Sha384,
            "abc",
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
        ),
        (
            HashKind::Sha384,
            MSG_448,
            "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b",
        ),
        (
            HashKind::Sha384,
            MSG_896,
            "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039",
        ),
        (
            HashKind::Sha512,
            "abc",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
        (
            HashKind::Sha512,
            MSG_448,
            "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445",
        ),
        (
            HashKind::Sha512,
            MSG_896,
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
        ),
    ] {
        assert_eq!(hash(kind, msg.as_bytes()), hex(digest), "{kind:?} {msg}");
    }
}

#[test]
fn md5_matches_the_rfc_1321_test_suite() {
    for (msg, digest) in [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        (
            "abcdefghijklmnopqrstuvwxyz",
            "c3fcd3d76192e4007dfb496cca67e13b",
        ),
        (
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            "d174ab98d277d9f5a5611c2c9f419d9f",
        ),
        (
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a",
        ),
    ] {
        assert_eq!(hash(HashKind::Md5, msg.as_bytes()), hex(digest), "{msg:?}");
    }
}

/// Keys and data of RFC 4231's test cases 1-7 (2202's are the same shape with other lengths).
fn rfc_case(case: usize, key_len: usize) -> (Vec<u8>, Vec<u8>) {
    match case {
        1 => (vec![0x0b; key_len], b"Hi There".to_vec()),
        2 => (b"Jefe".to_vec(), b"what do ya want for nothing?".to_vec()),
        3 => (vec![0xaa; key_len], vec![0xdd; 50]),
        4 => ((1..=25).collect(), vec![0xcd; 50]),
        5 => (vec![0x0c; key_len], b"Test With Truncation".to_vec()),
        6 => (
            vec![0xaa; key_len],
            b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
        ),
        _ => (vec![0xaa; key_len], Vec::new()),
    }
}

#[test]
fn hmac_sha2_matches_rfc_4231_cases_1_to_7() {
    let case7 = b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.";
    let expected: [[&str; 3]; 7] = [
        [
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
        ],
        [
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
        ],
        [
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
            "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
        ],
        [
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
            "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
        ],
        // Case 5 is truncated to 128 bits.
        [
            "a3b6167473100ee06e0c796c2955552b",
            "3abf34c3503b2a23a46efc619baef897",
            "415fad6271580a531d4179bc891d87a6",
        ],
        [
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
        ],
        [
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
            "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
        ],
    ];
    for (i, row) in expected.iter().enumerate() {
        let case = i + 1;
        let key_len = if case >= 6 { 131 } else { 20 };
        let (key, mut data) = rfc_case(case, key_len);
        if case == 7 {
            data = case7.to_vec();
        }
        for (kind, want) in [HashKind::Sha256, HashKind::Sha384, HashKind::Sha512]
            .into_iter()
            .zip(row)
        {
            let mac = hmac(kind, &key, &data).unwrap();
            let want = hex(want);
            assert_eq!(mac[..want.len()], want[..], "case {case} {kind:?}");
        }
    }
}

#[test]
fn hmac_md5_and_sha1_match_rfc_2202() {
    let case7 = b"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data";
    for (kind, key_len, expected) in [
        (
            HashKind::Md5,
            16,
            [
                "9294727a3638bb1c13f48ef8158bfc9d",
                "750c783e6ab0b503eaa86e310a5db738",
                "56be34521d144c88dbb8c733f0e8b3f6",
                "697eaf0aca3a3aea3a75164746ffaa79",
                "56461ef2342edc00f9bab995690efd4c",
                "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd",
                "6f630fad67cda0ee1fb1f562db3aa53e",
            ],
        ),
        (
            HashKind::Sha1,
            20,
            [
                "b617318655057264e28bc0b6fb378c8ef146be00",
                "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
                "125d7342b9ac11cd91a39af48aa17b4f63f175d3",
                "4c9007f4026250c6bc8414f9bf50c86c2d7235da",
                "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04",
                "aa4ae5e15272d00e95705637ce8a3b55ed402112",
                "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
            ],
        ),
    ] {
        for (i, want) in expected.iter().enumerate() {
            let case = i + 1;
            let (key, mut data) = rfc_case(case, if case >= 6 { 80 } else { key_len });
            if case == 7 {
                data = case7.to_vec();
            }
            assert_eq!(
                hmac(kind, &key, &data).unwrap(),
                hex(want),
                "case {case} {kind:?}"
            );
        }
    }
}

const SP800_38A_IV: &str = "000102030405060708090a0b0c0d0e0f";
const SP800_38A_PLAIN: &str = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
    30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";

#[test]
fn aes_cbc_matches_nist_sp_800_38a_f2() {
    for (key, cipher) in [
        (
            "2b7e151628aed2a6abf7158809cf4f3c",
            "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2
             73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7",
        ),
        (
            "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
            "4f021db243bc633d7178183a9fa071e8 b4d9ada9ad7dedf4e5e738763f69145a
             571b242012fb7ae07fa9baac3df102e0 08b0e27988598881d920a9e64f5615cd",
        ),
        (
            "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
            "f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d
             39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b",
        ),
    ] {
        let (key, iv, plain, cipher) = (
            hex(key),
            hex(SP800_38A_IV),
            hex(SP800_38A_PLAIN),
            hex(cipher),
        );
        // The vectors are whole blocks without padding.
        assert_eq!(aes_cbc_encrypt(&key, &iv, &plain, false).unwrap(), cipher);
        assert_eq!(aes_cbc_decrypt(&key, &iv, &cipher, false).unwrap(), plain);
        // With PKCS7, an aligned message gains one block of sixteen 0x10 bytes, and the
        // blocks before it are the vector's.
        let padded = aes_cbc_encrypt(&key, &iv, &plain, true).unwrap();
        assert_eq!(padded.len(), plain.len() + 16);
        assert_eq!(padded[..cipher.len()], cipher[..]);
        assert_eq!(aes_cbc_decrypt(&key, &iv, &padded, true).unwrap(), plain);
        let raw = aes_cbc_decrypt(&key, &iv, &padded, false).unwrap();
        assert_eq!(raw[plain.len()..], [16u8; 16]);
    }
}

#[test]
fn pkcs7_round_trips_every_length_and_rejects_bad_input() {
    let (key, iv) = (hex("2b7e151628aed2a6abf7158809cf4f3c"), hex(SP800_38A_IV));
    for len in 0..=33 {
        let plain: Vec<u8> = (0..len as u8).collect();
        let sealed = aes_cbc_encrypt(&key, &iv, &plain, true).unwrap();
        assert_eq!(sealed.len(), (len / 16 + 1) * 16);
        assert_eq!(aes_cbc_decrypt(&key, &iv, &sealed, true).unwrap(), plain);
    }
    let sealed = aes_cbc_encrypt(&key, &iv, b"attack at dawn", true).unwrap();
    let mut wrong_key = key.clone();
    wrong_key[0] ^= 1;
    // A wrong key almost always leaves invalid padding (this one does).
    assert_eq!(
        aes_cbc_decrypt(&wrong_key, &iv, &sealed, true),
        Err("Padding is invalid and cannot be removed.".into())
    );
    let bad = |r: Result<Vec<u8>, String>| r.unwrap_err();
    assert_eq!(
        bad(aes_cbc_encrypt(&key[..15], &iv, b"x", true)),
        "Specified key is not a valid size for this algorithm."
    );
    assert!(bad(aes_cbc_encrypt(&key, &iv[..8], b"x", true)).contains("initialization vector"));
    assert!(bad(aes_cbc_encrypt(&key, &iv, b"x", false)).contains("Length of the data"));
    assert!(bad(aes_cbc_decrypt(&key, &iv, &sealed[..15], true)).contains("Length of the data"));
    assert!(bad(aes_cbc_decrypt(&key, &iv, &[], true)).contains("Length of the data"));
}
