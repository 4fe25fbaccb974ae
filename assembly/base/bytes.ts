// Network-order stores for the encoders (RFC 1700 big-endian), and the counter bump.
import { STATS_BASE } from "../layout";

@inline export function be16(p: usize, v: u32): void {
  store<u16>(p, bswap<u16>(<u16>v));
}
@inline export function be32(p: usize, v: u32): void {
  store<u32>(p, bswap<u32>(v));
}
@inline export function be64(p: usize, v: u64): void {
  store<u64>(p, bswap<u64>(v));
}
@inline export function bump(c: u32): void {
  const a = STATS_BASE + (<usize>c << 3);
  store<u64>(a, load<u64>(a) + 1);
}
