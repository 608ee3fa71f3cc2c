/**
 * lib/siphash.c: SipHash-2-4 (Aumasson and Bernstein), 64-bit output, as the kernel computes it for
 * %p's ptr_to_id. BigInt arithmetic mod 2^64; only the trace views call it, so speed is no concern.
 */

const M64 = (1n << 64n) - 1n;

/** siphash_key_t: two u64 words (the key's bytes, little-endian) */
export interface SiphashKey {
  k0: bigint;
  k1: bigint;
}

const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & M64;

function sipround(v: bigint[]): void {
  v[0] = (v[0]! + v[1]!) & M64; v[1] = rotl(v[1]!, 13n); v[1] ^= v[0]; v[0] = rotl(v[0], 32n);
  v[2] = (v[2]! + v[3]!) & M64; v[3] = rotl(v[3]!, 16n); v[3] ^= v[2];
  v[0] = (v[0] + v[3]) & M64; v[3] = rotl(v[3], 21n); v[3] ^= v[0];
  v[2] = (v[2] + v[1]) & M64; v[1] = rotl(v[1], 17n); v[1] ^= v[2]; v[2] = rotl(v[2], 32n);
}

/** lib/siphash.c __siphash_aligned / __siphash_unaligned (5.6–6.18): SipHash-2-4 of `data` (PREAMBLE, 8-byte blocks, the tail word with len << 56, POSTAMBLE) */
export function siphash(data: Uint8Array, key: SiphashKey): bigint {
  const v = [key.k0 ^ 0x736f6d6570736575n, key.k1 ^ 0x646f72616e646f6dn, key.k0 ^ 0x6c7967656e657261n, key.k1 ^ 0x7465646279746573n];
  const len = data.length;
  const whole = len - (len % 8);
  for (let i = 0; i < whole; i += 8) {
    let m = 0n;
    for (let j = 7; j >= 0; j--) m = (m << 8n) | BigInt(data[i + j]!);
    v[3] = v[3]! ^ m;
    sipround(v);
    sipround(v);
    v[0] = v[0]! ^ m;
  }
  let b = BigInt(len & 0xff) << 56n;
  for (let j = len - 1; j >= whole; j--) b |= BigInt(data[j]!) << BigInt(8 * (j - whole));
  v[3] = v[3]! ^ b;
  sipround(v);
  sipround(v);
  v[0] = v[0]! ^ b;
  v[2] = v[2]! ^ 0xffn;
  for (let r = 0; r < 4; r++) sipround(v);
  return (v[0]! ^ v[1]! ^ v[2]! ^ v[3]!) & M64;
}

/** lib/siphash.c siphash_1u64 (5.6–6.18): SipHash-2-4 of one u64 (its 8 bytes, little-endian) */
export function siphash_1u64(first: bigint, key: SiphashKey): bigint {
  const bytes = new Uint8Array(8);
  for (let i = 0; i < 8; i++) bytes[i] = Number((first >> BigInt(8 * i)) & 0xffn);
  return siphash(bytes, key);
}

/** lib/siphash.c siphash_1u32 (5.6–6.18): SipHash-2-4 of one u32 (its 4 bytes, little-endian) */
export function siphash_1u32(first: number, key: SiphashKey): bigint {
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) bytes[i] = (first >>> (8 * i)) & 0xff;
  return siphash(bytes, key);
}
