// Round-robin's host side: the core picks a collector when it seals a datagram, but only the
// host learns that one cannot be reached or refuses (udp.ts: no route, a name that does not
// resolve, ECONNREFUSED on a later send). So each collector's changes of "receiving" become
// the core's down mark (markDestination), which round-robin passes over, and a collector
// that does not receive is probed (udp.ts), since it gets no datagrams to show it is back.
// Mirror needs none of this: every collector gets every datagram, and the core ignores marks.

import type { UdpDestination } from "./udp";

/**
 * Keeps the core's down marks of a round-robin target's collectors (`members`, the core's
 * destinations first, first + 1, …) equal to whether each receives: marked now for those
 * that do not (already down at start), then at each change. Once per round-robin target,
 * after the meter has its destinations.
 */
export function followReceiving(members: readonly UdpDestination[], mark: (d: number, down: boolean) => void, first = 0): void {
  members.forEach((m, i) => {
    m.probe = true;
    m.onReceiving = (receiving) => mark(first + i, !receiving);
    if (!m.receiving) mark(first + i, true);
  });
}
