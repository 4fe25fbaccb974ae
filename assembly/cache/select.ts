// Selectors: which packets a target meters. The host compiles a target's selector text
// (src/config/select.ts, a pcap-filter-like language) into a program of tests (layout.ts
// SEL_*, SI_*) over the parsed fields of a pending packet — its full key, not raw bytes, so
// VLAN tags, PPPoE and MPLS in front of the IP header do not shift it. Each test names the
// test to run next when it holds and when it does not (BPF's jt/jf), always a later one or a
// verdict: and, or and not are only the wiring, a program never loops, and a packet runs at
// most as many tests as the program has.
//
// A target whose T_SELECT is 0 selects every packet and pays nothing here: the meter asks
// selectorsOn() once per run of pending packets, and with no selector anywhere it never
// reads the per-packet bits (PEND_SELECTED) at all.

import {
  FS_SRC, FS_DST, FS_SPORT, FS_DPORT, FS_PROTO, FS_VERSION, FS_IN_IF, FS_VLAN, T_SELECT, TARGET_MAX,
  PEND_BASE, PEND_ENTRY, PEND_SELECTED,
  SEL_COUNT, SEL_FLAGS, SEL_INSNS, SEL_MAX, SEL_INSN_SIZE, SEL_USES_OUTIF, SI_OP, SI_FIELD, SI_TRUE, SI_FALSE, SI_A, SI_B,
  SI_VALUE, SI_MASK, SEL_IF_LIST, SEL_IF_MAX, SEL_ACCEPT, SEL_REJECT,
  SEL_OP_VERSION, SEL_OP_PROTO, SEL_OP_NET, SEL_OP_PORT, SEL_OP_VLAN, SEL_OP_IN_IF, SEL_OP_OUT_IF, SEL_OP_NET_EITHER, SEL_OP_PORT_EITHER,
  SEL_OP_LAST,
} from "../layout";
import { egressOf } from "./routes";

/** Targets that have a selector program (bit t = target t). */
let selecting: u32 = 0;

/** Whether any target has a selector: only then are PEND_SELECTED's bits made and read. */
@inline export function selectorsOn(): bool {
  return selecting != 0;
}

/** Whether interface number v is one of the `n` at list (an inif/outif test). */
@inline function oneOf(v: u32, list: usize, n: u32): bool {
  let hit = false;
  for (let k: u32 = 0; k < n; k++) hit = hit || load<u32>(list + (<usize>k << 2)) == v;
  return hit;
}

/** Whether the address (16 bytes) at f is in the net of the test at pc. */
@inline function inNet(pc: usize, f: usize): bool {
  return (((load<u64>(f) & load<u64>(pc + SI_MASK)) ^ load<u64>(pc + SI_VALUE)) |
    ((load<u64>(f, 8) & load<u64>(pc + SI_MASK, 8)) ^ load<u64>(pc + SI_VALUE, 8))) == 0;
}

/** Whether the protocol at e has ports as pcap-filter's `port` means them: TCP, UDP, SCTP (an ICMP "port" is its type and code). */
@inline function ported(e: usize): bool {
  const p = <u32>load<u8>(e + FS_PROTO);
  return p == 6 || p == 17 || p == 132;
}

/** Whether the pending packet whose entry is at e passes the program at prog. */
@inline export function selectPasses(prog: usize, e: usize): bool {
  const first = prog + SEL_INSNS;
  let pc = first;
  while (true) {
    const op = <u32>load<u8>(pc + SI_OP);
    let ok = false;
    switch (op) {
      case SEL_OP_NET:
        ok = <u32>load<u8>(e + FS_VERSION) == load<u32>(pc + SI_A) && inNet(pc, e + <usize>load<u8>(pc + SI_FIELD));
        break;
      case SEL_OP_NET_EITHER:
        ok = <u32>load<u8>(e + FS_VERSION) == load<u32>(pc + SI_A) && (inNet(pc, e + FS_SRC) || inNet(pc, e + FS_DST));
        break;
      case SEL_OP_PORT:
        ok = ported(e) && <u32>load<u16>(e + <usize>load<u8>(pc + SI_FIELD)) - load<u32>(pc + SI_A) <= load<u32>(pc + SI_B);
        break;
      case SEL_OP_PORT_EITHER: {
        const lo = load<u32>(pc + SI_A), span = load<u32>(pc + SI_B);
        ok = ported(e) && (<u32>load<u16>(e + FS_SPORT) - lo <= span || <u32>load<u16>(e + FS_DPORT) - lo <= span);
        break;
      }
      case SEL_OP_PROTO:
        ok = <u32>load<u8>(e + FS_PROTO) == load<u32>(pc + SI_A);
        break;
      case SEL_OP_VERSION:
        ok = <u32>load<u8>(e + FS_VERSION) == load<u32>(pc + SI_A);
        break;
      case SEL_OP_VLAN:
        ok = (<u32>load<u16>(e + FS_VLAN) & load<u32>(pc + SI_B)) == load<u32>(pc + SI_A);
        break;
      case SEL_OP_IN_IF:
        ok = oneOf(load<u32>(e + FS_IN_IF), pc + SEL_IF_LIST, load<u32>(pc + SI_A));
        break;
      case SEL_OP_OUT_IF:
        ok = oneOf(egressOf(e), pc + SEL_IF_LIST, load<u32>(pc + SI_A));
        break;
    }
    const next = <u32>load<u16>(pc + (ok ? SI_TRUE : SI_FALSE));
    if (next >= SEL_REJECT) return next == SEL_ACCEPT;
    pc = first + <usize>next * SEL_INSN_SIZE;
  }
}

/** Marks in PEND_SELECTED the packets (of the first n pending) that target t's program at prog passes. */
export function selectMark(prog: usize, t: u32, n: u32): void {
  const bit: u32 = 1 << t;
  for (let i: u32 = 0; i < n; i++) {
    if (selectPasses(prog, PEND_BASE + <usize>i * PEND_ENTRY)) {
      const a = PEND_SELECTED + (<usize>i << 2);
      store<u32>(a, load<u32>(a) | bit);
    }
  }
}

/** Whether the program at prog (in a block of `bytes`) is one this evaluator can run safely:
 * its tests within the block, every test known, every jump forward within the program or to
 * a verdict, every field and list within bounds. */
export function programValid(prog: usize, bytes: u32): bool {
  const count = load<u32>(prog + SEL_COUNT);
  if (count == 0 || count > SEL_MAX) return false;
  if (<u64>SEL_INSNS + <u64>count * <u64>SEL_INSN_SIZE > <u64>bytes) return false;
  if ((load<u32>(prog + SEL_FLAGS) & ~SEL_USES_OUTIF) != 0) return false;
  for (let i: u32 = 0; i < count; i++) {
    const pc = prog + SEL_INSNS + <usize>i * SEL_INSN_SIZE;
    const op = <u32>load<u8>(pc + SI_OP);
    if (op == 0 || op > SEL_OP_LAST) return false;
    const field = <u32>load<u8>(pc + SI_FIELD);
    if (op == SEL_OP_NET && field != FS_SRC && field != FS_DST) return false;
    if (op == SEL_OP_PORT && field != FS_SPORT && field != FS_DPORT) return false;
    if ((op == SEL_OP_IN_IF || op == SEL_OP_OUT_IF) && load<u32>(pc + SI_A) > SEL_IF_MAX) return false;
    const t = <u32>load<u16>(pc + SI_TRUE), f = <u32>load<u16>(pc + SI_FALSE);
    if (t < SEL_REJECT && (t <= i || t >= count)) return false;
    if (f < SEL_REJECT && (f <= i || f >= count)) return false;
  }
  return true;
}

/** Target tp (number t) meters only the packets the program at prog (a block of `bytes`)
 * passes (0: every packet). Returns 0, or 2 for a program that fails programValid. */
export function selectorSet(tp: usize, t: u32, prog: usize, bytes: u32): u32 {
  if (t >= TARGET_MAX) return 2;
  if (prog != 0 && !programValid(prog, bytes)) return 2;
  store<u32>(tp + T_SELECT, <u32>prog);
  if (prog != 0) selecting |= 1 << t;
  else selecting &= ~(1 << t);
  return 0;
}
