// The one memory map of the Wasm core. Both sides import this file: the AssemblyScript core
// (assembly/) and the TypeScript host (src/meter). It therefore uses only the subset both
// compilers read the same way: `export const NAME: u32 = <integer expression>` and nothing
// else (for TypeScript, src/meter/wasm-types.d.ts declares u32 as number).
// Each region is chained to the one before it (X_BASE = PREV_BASE + PREV_SIZE), as in
// wasmboy's memory map, and so is each field of a descriptor (X = PREV + PREV's size, the size
// in the comment), so no two regions or fields can overlap by accident; a descriptor's last
// field is its *_END, which test/core-layout.test.mjs keeps within the descriptor's size.
//
// Everything below LAYOUT_BASE belongs to the compiler's static data (string constants of the
// JSON encoder, function references of the format table); build.mjs checks that it stays
// below LAYOUT_BASE.

export const PAGE_SIZE: u32 = 65536;
export const LAYOUT_BASE: u32 = 65536;

// ---- status block: what the last walk call ended with (host reads after each call) ----
export const STATUS_BASE: u32 = LAYOUT_BASE;
export const STATUS_SIZE: u32 = 64;
export const ST_CODE: u32 = 0; //                       u32: one of WALK_* below
export const ST_DAMAGE_KIND: u32 = ST_CODE + 4; //      u32: one of DAMAGE_* below, valid when ST_CODE = WALK_DAMAGED
export const ST_DAMAGE_VALUE: u32 = ST_DAMAGE_KIND + 4; // u32: the offending length field, for the message
export const ST_PACKETS: u32 = ST_DAMAGE_VALUE + 4; //  u32: packets walked by the last call
export const ST_NOW_NS: u32 = ST_PACKETS + 4; //        u64: meter clock (greatest packet time seen), ns since epoch
export const ST_HEAP_TOP: u32 = ST_NOW_NS + 8; //       u32: end of the dynamically grown heap (bytes)
export const ST_HEAP_FAILS: u32 = ST_HEAP_TOP + 4; //   u32: memory.grow refusals (the cache then evicts early)
export const ST_END: u32 = ST_HEAP_FAILS + 4;

// Walk results (ST_CODE)
export const WALK_NEED_DATA: u32 = 0; // consumed everything it could; give more bytes (or EOF)
export const WALK_OUTPUT_FULL: u32 = 1; // the output region is nearly full: drain it, call again
export const WALK_HOST_BLOCK: u32 = 2; // a pcapng block only the host parses (SHB, IDB) starts here
export const WALK_DAMAGED: u32 = 3; // a damaged record/block starts at the returned offset

// Damage kinds (ST_DAMAGE_KIND)
export const DAMAGE_CAPLEN_OVER_WIRELEN: u32 = 1;
export const DAMAGE_CAPLEN_OVER_SNAPLEN: u32 = 2;
export const DAMAGE_BLOCK_TOO_SHORT: u32 = 3; // pcapng block length under 12
export const DAMAGE_BLOCK_UNALIGNED: u32 = 4; // pcapng block length not a multiple of 4
export const DAMAGE_CAPLEN_OVER_BLOCK: u32 = 5; // pcapng packet block whose data runs past its end
export const DAMAGE_TRAILER_MISMATCH: u32 = 6; // pcapng trailing block length differs from leading

// ---- counters: u64 each, indexes below (names for humans live in src/meter/counters.ts,
// whose skip reasons test/core-layout.test.mjs holds to C_SKIP_FIRST .. C_SKIP_LAST) ----
export const STATS_BASE: u32 = STATUS_BASE + STATUS_SIZE;
export const STATS_COUNT: u32 = 32;
export const STATS_SIZE: u32 = STATS_COUNT * 8;
export const C_READ: u32 = 0; //                         packets read from the source
export const C_METERED: u32 = C_READ + 1; //             packets that went into at least one flow
export const C_NON_IP: u32 = C_METERED + 1; //           frames whose outermost network header is not IP
export const C_BYTES: u32 = C_NON_IP + 1; //             IP bytes metered (IPv4 total length, IPv6 payload + 40)
export const C_IPV6: u32 = C_BYTES + 1; //               metered IPv6 packets
// skipped, by reason (C_SKIP_FIRST .. C_SKIP_LAST): IPFIX's ignoredPacketTotalCount is their sum
export const C_SKIP_FIRST: u32 = C_IPV6 + 1;
export const C_TRUNC_LINK: u32 = C_SKIP_FIRST; //        frame shorter than its link-layer header
export const C_UNKNOWN_LINKTYPE: u32 = C_TRUNC_LINK + 1; // link type this meter does not read
export const C_TRUNC_IP: u32 = C_UNKNOWN_LINKTYPE + 1; // IP header cut short by the capture
export const C_BAD_VERSION: u32 = C_TRUNC_IP + 1; //     IP version nibble is not 4/6 where the framing says IP
export const C_BAD_HDRLEN: u32 = C_BAD_VERSION + 1; //   IPv4 header length under 20 bytes
export const C_BAD_TOTLEN: u32 = C_BAD_HDRLEN + 1; //    IPv4 total length under the header length, or past the frame
export const C_TRUNC_L4: u32 = C_BAD_TOTLEN + 1; //      transport header (ports) cut short by the capture
export const C_TRUNC_EXT: u32 = C_TRUNC_L4 + 1; //       IPv6 extension header chain cut short by the capture
export const C_BAD_IFACE: u32 = C_TRUNC_EXT + 1; //      pcapng packet names an interface with no IDB
export const C_OTHERHOST: u32 = C_BAD_IFACE + 1; //      frame addressed to another host (live, without --promisc)
export const C_NO_MEMORY: u32 = C_OTHERHOST + 1; //      no flow slot could be had (memory.grow refused)
export const C_SKIP_LAST: u32 = C_NO_MEMORY;
export const C_TIME_BACK: u32 = C_SKIP_LAST + 1; //      packets whose time is before the meter clock (reordering)
export const C_V5_IPV6: u32 = C_TIME_BACK + 1; //        flows not exportable: IPv6 in NetFlow v5
export const C_TIME_UNSENDABLE: u32 = C_V5_IPV6 + 1; //  flows not exportable: a time the format cannot carry (past 2106)
export const C_UPTIME_RESTARTS: u32 = C_TIME_UNSENDABLE + 1; // NetFlow uptime epoch restarted (a capture longer than 49.7 days)
export const C_COUNTER_SPLITS: u32 = C_UPTIME_RESTARTS + 1; //  flows exported early before a 32-bit counter of the format overflowed
export const C_UNSELECTED: u32 = C_COUNTER_SPLITS + 1; // IP packets no target's selector chose (read = metered + unselected + non-IP + skipped)
export const C_END: u32 = C_UNSELECTED + 1; //           (within STATS_COUNT)

// ---- pcapng interface table, filled by the host from IDBs ----
export const IFACES_BASE: u32 = STATS_BASE + STATS_SIZE;
export const IFACE_MAX: u32 = 256;
export const IFACE_SIZE: u32 = 32;
export const IFACES_SIZE: u32 = IFACE_MAX * IFACE_SIZE;
export const IF_LINKTYPE: u32 = 0; //                 u32 (0xFFFFFFFF = unknown to this meter: packets skipped)
export const IF_SNAPLEN: u32 = IF_LINKTYPE + 4; //    u32 (0 = no limit given)
export const IF_TS_KIND: u32 = IF_SNAPLEN + 4; //     u32: 0 multiply, 1 divide, 2 binary fraction
export const IF_TS_PARAM: u32 = IF_TS_KIND + 4; //    u32: the multiplier/divisor, or the number of fraction bits
export const IF_OFFSET_NS: u32 = IF_TS_PARAM + 4; //  i64: if_tsoffset in ns
export const IF_IFINDEX: u32 = IF_OFFSET_NS + 8; //   u32: ifindex reported for its packets (interface number + 1)
export const IF_END: u32 = IF_IFINDEX + 4;

// ---- targets: one descriptor each (selector, key, cache, timeouts, format, destinations);
// its fields are at the end of this file ----
export const TARGETS_BASE: u32 = IFACES_BASE + IFACES_SIZE;
export const TARGET_MAX: u32 = 16;
export const TARGET_SIZE: u32 = 512;
export const TARGETS_SIZE: u32 = TARGET_MAX * TARGET_SIZE;

// ---- export destinations (collectors): each belongs to one target, whose destinations are a
// list through D_NEXT (output/dests.ts); its own sequence number and template schedule ----
export const DESTS_BASE: u32 = TARGETS_BASE + TARGETS_SIZE;
export const DEST_MAX: u32 = 64;
export const DEST_SIZE: u32 = 64;
export const DESTS_SIZE: u32 = DEST_MAX * DEST_SIZE;
export const D_DATAGRAMS: u32 = 0; //                    u64 datagrams laid out for this destination
export const D_RECORDS: u32 = D_DATAGRAMS + 8; //        u64 flow records laid out for it (options records not included)
export const D_OCTETS: u32 = D_RECORDS + 8; //           u64 message bytes laid out for it (headers included)
export const D_TARGET: u32 = D_OCTETS + 8; //            u32 target number + 1 (0 = unused)
export const D_NEXT: u32 = D_TARGET + 4; //              u32 the next destination of the same target + 1 (0: the last)
export const D_SEQUENCE: u32 = D_NEXT + 4; //            u32 IPFIX: data records sent before; v9: datagrams sent before; v5: flows
export const D_SINCE_TEMPLATES: u32 = D_SEQUENCE + 4; // u32 datagrams since templates were last sent
export const D_TEMPLATES_AT: u32 = D_SINCE_TEMPLATES + 4; // u32 export time (s) templates were last sent
export const D_NEED_TEMPLATES: u32 = D_TEMPLATES_AT + 4; // u32 1 = send templates with the next datagram
export const D_NAMES_AT: u32 = D_NEED_TEMPLATES + 4; //  u32 the interface name its next template block starts with
export const D_DOWN: u32 = D_NAMES_AT + 4; //            u32 1 = the host found the collector down: round-robin skips it until the host clears it
export const D_END: u32 = D_DOWN + 4;

// ---- routes: a copy of the kernel's main routing tables (IPv4 and IPv6), written by the host
// sorted by prefix length, longest first; the egress interface and next hop of a flow ----
export const ROUTES_BASE: u32 = DESTS_BASE + DESTS_SIZE;
export const ROUTE_MAX: u32 = 1024;
export const ROUTE_SIZE: u32 = 48;
export const ROUTES_SIZE: u32 = ROUTE_MAX * ROUTE_SIZE;
export const RT_FAMILY: u32 = 0; //              u8 4 or 6
export const RT_PREFIX: u32 = RT_FAMILY + 1; //  u8 prefix length
export const RT_IFINDEX: u32 = RT_PREFIX + 3; // u32 the interface the route leaves by (after 2 bytes of padding)
export const RT_DST: u32 = RT_IFINDEX + 4; //    16 bytes, network order (IPv4: first 4)
export const RT_GATEWAY: u32 = RT_DST + 16; //   16 bytes, network order; all zero = on-link (no next hop)
export const RT_END: u32 = RT_GATEWAY + 16;

// ---- LAN and WAN interfaces (--lan, --wan): the numbers flows carry for them ----
// Upload = from a LAN interface out of a non-LAN one; download = the other way (JSON only).
export const SIDES_BASE: u32 = ROUTES_BASE + ROUTES_SIZE;
export const SIDE_MAX: u32 = 16;
export const SIDES_SIZE: u32 = 2 * SIDE_MAX * 4; // u32 LAN numbers, then u32 WAN numbers (0 = none)
export const SIDE_WAN: u32 = SIDE_MAX * 4; //      offset of the WAN list

// ---- interface names, written by the host (the kernel's interfaces live, IDB names from a
// pcapng file): exported as options records (interfaceName, IE 82) with the templates ----
export const IFNAMES_BASE: u32 = SIDES_BASE + SIDES_SIZE;
export const IFNAME_MAX: u32 = 256;
export const IFNAME_SIZE: u32 = 20; // u32 the number flows carry for it · 16 bytes name, NUL-padded
export const IFNAME_LEN: u32 = 16; //  IFNAMSIZ: 15 characters and a NUL at most
export const IFNAMES_SIZE: u32 = 8 + IFNAME_MAX * IFNAME_SIZE; // u32 count, u32 reserved, then the entries
export const IFNAMES_PER_BLOCK: u32 = 16; // names in one template block at most (more take turns; a small MTU fits fewer)

// ---- pending packets: parsed by the walkers (parse/), waiting to be metered together by the
// cache (cache/meter.ts): entries, each packet's MACs, its full key's hash, and the hash of
// each target's own key where a target derives one (cache/key.ts) ----
export const PEND_BASE: u32 = IFNAMES_BASE + IFNAMES_SIZE;
export const PEND_MAX: u32 = 16;
export const PEND_ENTRY: u32 = 64; //                     the full key (FS_KEY_SIZE), then PE_* below
export const PEND_MACS: u32 = PEND_BASE + PEND_MAX * PEND_ENTRY; // 16 bytes each: destination and source MAC (zero: none)
export const PEND_HASH: u32 = PEND_MACS + PEND_MAX * 16; //  u32 each: the full key's hash
export const PEND_KEY_HASH: u32 = PEND_HASH + PEND_MAX * 4; // u32 [target][packet]: a derived key's hash
export const PEND_SELECTED: u32 = PEND_KEY_HASH + TARGET_MAX * PEND_MAX * 4; // u32 each: bit t = target t's selector chose the packet (cache/select.ts)
export const PEND_SIZE: u32 = PEND_SELECTED + PEND_MAX * 4 - PEND_BASE;
export const PE_TS: u32 = 48; //                  u64 (after the key)
export const PE_BYTES: u32 = PE_TS + 8; //        u32
export const PE_TTL: u32 = PE_BYTES + 4; //       u8
export const PE_TCP_FLAGS: u32 = PE_TTL + 1; //   u8
export const PE_PKTTYPE: u32 = PE_TCP_FLAGS + 1; // u8
export const PE_VERSION: u32 = PE_PKTTYPE + 1; // u8
export const PE_END: u32 = PE_VERSION + 1; //     (within PEND_ENTRY)

// ---- scratch: one target's key derived from a packet's full key (cache/key.ts), and the
// export context handed to an encoder with each flow (cache/meter.ts: route, next hop,
// direction, MACs, end reason — what the flow's slot does not hold) ----
export const SCRATCH_BASE: u32 = PEND_BASE + PEND_SIZE;
export const SCRATCH_SIZE: u32 = 128;
export const DERIVED_KEY: u32 = SCRATCH_BASE; //           FS_KEY_SIZE bytes, slot key layout
export const EXPORT_CONTEXT: u32 = SCRATCH_BASE + 64; //   X_* below
export const X_IN_IF: u32 = 0; //                u32 input interface
export const X_OUT_IF: u32 = X_IN_IF + 4; //     u32 output interface
export const X_NEXT_HOP: u32 = X_OUT_IF + 4; //  u32 address of the next hop (16 bytes, IPv4 in the first 4), 0 = none known
export const X_DIRECTION: u32 = X_NEXT_HOP + 4; // u32 IPFIX flowDirection (IE 61): 0 ingress, 1 egress
export const X_MACS: u32 = X_DIRECTION + 4; //   u32 address of the flow's MACs (MAC_SIZE bytes), 0 = none kept
export const X_REASON: u32 = X_MACS + 4; //      u32 END_* (IPFIX flowEndReason)
export const X_SRC_AS: u32 = X_REASON + 4; //    u32 source AS (prefix table; 0 = unknown)
export const X_DST_AS: u32 = X_SRC_AS + 4; //    u32 destination AS
export const X_SRC_MASK: u32 = X_DST_AS + 4; //  u32 source prefix length (0 = unknown)
export const X_DST_MASK: u32 = X_SRC_MASK + 4; // u32 destination prefix length
export const X_END: u32 = X_DST_MASK + 4; //     (within 64 bytes)

// ---- the format table: one entry per wire format, written once at init (encode/formats.ts;
// the entry's fields are the Format class of cache/encoder.ts) ----
export const FORMATS_BASE: u32 = SCRATCH_BASE + SCRATCH_SIZE;
export const FORMAT_MAX: u32 = 8; // json, v5, v9, ipfix; room for sFlow and NEL
export const FORMAT_ENTRY_SIZE: u32 = 64;
export const FORMATS_SIZE: u32 = FORMAT_MAX * FORMAT_ENTRY_SIZE;

// ---- constant tables written at init (JSON field names, decimal digit pairs) ----
export const TABLES_BASE: u32 = FORMATS_BASE + FORMATS_SIZE;
export const TABLES_SIZE: u32 = 4096;

// ---- input region: file blocks are read straight into it, or batch records are put here ----
export const INPUT_BASE: u32 = TABLES_BASE + TABLES_SIZE;
export const INPUT_SIZE: u32 = 1024 * 1024;

// ---- output region: units, each tagged with its sink — a run of JSON lines of one target,
// or one export datagram for one destination — each [header, bytes…] padded to 4 ----
export const OUTPUT_BASE: u32 = INPUT_BASE + INPUT_SIZE;
export const OUTPUT_SIZE: u32 = 2 * 1024 * 1024;
export const OUTPUT_RECORD_MAX: u32 = 1024; // the longest JSON record
export const UNIT_HEADER: u32 = 8;
export const UH_KIND: u32 = 0; //              u16 UNIT_* below
export const UH_SINK: u32 = UH_KIND + 2; //    u16 the destination (a datagram) or the target (JSON lines)
export const UH_LENGTH: u32 = UH_SINK + 2; //  u32 bytes after the header
export const UH_END: u32 = UH_LENGTH + 4; //   (UNIT_HEADER)
export const UNIT_DATAGRAM: u32 = 1; // an export datagram (NetFlow/IPFIX message) for destination UH_SINK
export const UNIT_JSON: u32 = 2; //     JSON lines of target UH_SINK

// ---- heap: flow slot chunks and hash indexes, grown with memory.grow as flows arrive ----
export const HEAP_BASE: u32 = OUTPUT_BASE + OUTPUT_SIZE;

// ---- the batch record: how a live source hands packets to the core ----
// A batch is a run of records in the input region. Each record is a 32-byte header followed
// by cap_len header bytes, padded to a multiple of 8.
export const BR_TS_NS: u32 = 0; //      u64 ns since the epoch
export const BR_WIRE_LEN: u32 = 8; //   u32 length on the wire
export const BR_CAP_LEN: u32 = 12; //   u32 bytes captured (follow the header)
export const BR_IFINDEX: u32 = 16; //   u32 ifindex (0 = unknown)
export const BR_PKTTYPE: u32 = 20; //   u8 Linux PACKET_HOST/BROADCAST/MULTICAST/OTHERHOST/OUTGOING (0-4)
export const BR_LINKTYPE: u32 = 22; //  u16 LINKTYPE_* of the bytes
export const BR_VLAN_TCI: u32 = 24; //  u16 VLAN TCI the kernel moved out of the frame
export const BR_VLAN_TPID: u32 = 26; // u16 its TPID (0 = no tag was moved out)
export const BR_HEADER: u32 = 32;

// ---- the flow slot (and the exported flow record, which has the same layout) ----
// 96 bytes for IPv4 and IPv6 alike. The first 48 bytes are the key, hashed and compared as
// six u64 words.
export const SLOT_SIZE: u32 = 96;
export const FS_SRC: u32 = 0; //                       16 bytes (IPv4: first 4 bytes, rest zero)
export const FS_DST: u32 = FS_SRC + 16; //             16 bytes
export const FS_SPORT: u32 = FS_DST + 16; //           u16 (ICMP: 0)
export const FS_DPORT: u32 = FS_SPORT + 2; //          u16 (ICMP: type << 8 | code)
export const FS_PROTO: u32 = FS_DPORT + 2; //          u8
export const FS_TOS: u32 = FS_PROTO + 1; //            u8
export const FS_VERSION: u32 = FS_TOS + 1; //          u8 4 or 6
export const FS_KEYPAD: u32 = FS_VERSION + 1; //       u8 0
export const FS_IN_IF: u32 = FS_KEYPAD + 1; //         u32
export const FS_VLAN: u32 = FS_IN_IF + 4; //           u16 outer VLAN id | 0x8000 when tagged
export const FS_VLAN_INNER: u32 = FS_VLAN + 2; //      u16 inner VLAN id | 0x8000 when tagged
export const FS_KEY_SIZE: u32 = FS_VLAN_INNER + 2; //  (48)
export const FS_FIRST: u32 = FS_KEY_SIZE; //           u64 ns
export const FS_LAST: u32 = FS_FIRST + 8; //           u64 ns
export const FS_BYTES: u32 = FS_LAST + 8; //           u64
export const FS_PACKETS: u32 = FS_BYTES + 8; //        u64
export const FS_TCP_FLAGS: u32 = FS_PACKETS + 8; //    u8 OR of all packets
export const FS_TTL_MIN: u32 = FS_TCP_FLAGS + 1; //    u8
export const FS_TTL_MAX: u32 = FS_TTL_MIN + 1; //      u8
export const FS_FLAGS: u32 = FS_TTL_MAX + 1; //        u8 packet type of the first packet (bits 0-2), FLOW_LIVE
export const FS_PREV: u32 = FS_FLAGS + 1; //           u32 timing-wheel neighbour
export const FS_NEXT: u32 = FS_PREV + 4; //            u32 timing-wheel neighbour, or free-list link
export const FS_HASH: u32 = FS_NEXT + 4; //            u32 the key's hash (home bucket and index tag)
export const FS_END: u32 = FS_HASH + 4; //             (SLOT_SIZE)
export const VLAN_PRESENT: u32 = 0x8000;
export const MAC_SIZE: u32 = 12; //     a flow's MACs (cache/macs.ts): destination (6), source (6), as in an Ethernet header
export const FLOW_LIVE: u32 = 0x40;

// Key fields a target's key may leave out (configureKey; cache/key.ts): one bit each. A
// target keeps all of them unless told otherwise; the IP version is always part of the key.
export const KEY_SRC_ADDR: u32 = 1;
export const KEY_DST_ADDR: u32 = 2;
export const KEY_SRC_PORT: u32 = 4;
export const KEY_DST_PORT: u32 = 8; //   a TCP, UDP, UDP-Lite or SCTP flow's destination port
export const KEY_PROTO: u32 = 16;
export const KEY_TOS: u32 = 32;
export const KEY_IN_IF: u32 = 64;
export const KEY_VLAN: u32 = 128; //     outer and inner VLAN id
export const KEY_ICMP: u32 = 256; //    an ICMP flow's type and code (kept where the destination port is)
export const KEY_ALL: u32 = 511;

// T_ICMP_KEY: the key's destination-port field holds an ICMP flow's type and code, and the
// port of the others: a target may key on one and not the other (cache/key.ts)
export const ICMP_KEY_SAME: u32 = 0; //      both, or neither
export const ICMP_KEY_ICMP_ONLY: u32 = 1; // ICMP's type and code, not the others' destination port
export const ICMP_KEY_PORT_ONLY: u32 = 2; // the others' destination port, not ICMP's type and code

// IPFIX flowEndReason (IANA IE 136)
export const END_IDLE: u32 = 1;
export const END_ACTIVE: u32 = 2;
export const END_END_OF_FLOW: u32 = 3;
export const END_FORCED: u32 = 4;
export const END_LACK_OF_RESOURCES: u32 = 5;

// ---- the target descriptor (TARGET_SIZE bytes each at TARGETS_BASE): a header, then the
// cache block (key, table, wheel, timeouts, counts), then the export block (staging
// datagram, template schedule, destinations). Within a block the u64 fields come first and
// every block is a multiple of 8 bytes, so each u64 is 8-aligned. ----
export const T_ENABLED: u32 = 0; //                       u32 1 when configured
export const T_FORMAT: u32 = T_ENABLED + 4; //            u32 FORMAT_*
export const T_ENCODER: u32 = T_FORMAT + 4; //            u32 address of its format table entry (FORMATS_BASE + …)
export const T_SELECT: u32 = T_ENCODER + 4; //            u32 address of its selector program (cache/select.ts), 0 = every packet
export const T_HEADER_END: u32 = T_SELECT + 4;
// cache block
export const T_INACTIVE_NS: u32 = T_HEADER_END; //        u64
export const T_ACTIVE_NS: u32 = T_INACTIVE_NS + 8; //     u64
export const T_TCP_END_NS: u32 = T_ACTIVE_NS + 8; //      u64 a TCP flow that saw FIN or RST ends after this long without packets (0 = at once)
export const T_COUNTER_MAX: u32 = T_TCP_END_NS + 8; //    u64 a flow's byte count may not pass this (NetFlow v5's 32 bits); 0 = no limit
export const T_CREATED: u32 = T_COUNTER_MAX + 8; //       u64 flows created
export const T_PACKETS: u32 = T_CREATED + 8; //           u64 packets metered into this target
export const T_WHEEL_TICK: u32 = T_PACKETS + 8; //        u64 wheel ticks processed up to
export const T_EXPORTED: u32 = T_WHEEL_TICK + 8; //       u64 per end reason, at T_EXPORTED + reason * 8 (reason 1..5; 0 unused)
export const T_KEY_MASK: u32 = T_EXPORTED + 8 * (END_LACK_OF_RESOURCES + 1); // FS_KEY_SIZE bytes ANDed over the full key (cache/key.ts)
export const T_COUNT: u32 = T_KEY_MASK + FS_KEY_SIZE; // u32 active flows
export const T_PEAK: u32 = T_COUNT + 4; //                u32 peak active flows
export const T_MAXFLOWS: u32 = T_PEAK + 4; //             u32 cache limit
export const T_IDX_BASE: u32 = T_MAXFLOWS + 4; //         u32 address of the hash index (u32 entries)
export const T_IDX_MASK: u32 = T_IDX_BASE + 4; //         u32 index capacity - 1
export const T_IDX_MAX: u32 = T_IDX_MASK + 4; //          u32 largest index capacity allowed (--hashsize)
export const T_WHEEL: u32 = T_IDX_MAX + 4; //             u32 address of the timing wheel (WHEEL_BUCKETS × [first, last])
export const T_WHEEL_STARTED: u32 = T_WHEEL + 4; //       u32 1 once the wheel's position is set (tick 0 is a real tick)
export const T_FREE: u32 = T_WHEEL_STARTED + 4; //        u32 free-list head (NIL when empty)
export const T_BUMP: u32 = T_FREE + 4; //                 u32 slots ever carved from chunks
export const T_CHUNKS: u32 = T_BUMP + 4; //               u32 address of the chunk table (CHUNK_TABLE_MAX u32)
export const T_MACS: u32 = T_CHUNKS + 4; //               u32 address of the MAC chunk table (cache/macs.ts), 0 = no MAC fields
export const T_KEY_DERIVED: u32 = T_MACS + 4; //          u32 1 = the target's key leaves fields out: T_KEY_MASK applies
export const T_AGGREGATE: u32 = T_KEY_DERIVED + 4; //     u32 address of its aggregation rules (cache/key.ts), 0 = none
export const T_NO_TCP_END: u32 = T_AGGREGATE + 4; //      u32 1 = TCP FIN/RST does not end a flow (a key without ports, or aggregation): only the timeouts do
export const T_ICMP_KEY: u32 = T_NO_TCP_END + 4; //       u32 ICMP_KEY_* below: the destination-port field keyed for ICMP and the others alike, or for one of them only
export const T_CACHE_END: u32 = T_ICMP_KEY + 4;
// export block (NetFlow/IPFIX formats)
export const T_DATAGRAMS: u32 = T_CACHE_END; //           u64 datagrams sealed (before mirroring)
export const T_BOOT_MS: u32 = T_DATAGRAMS + 8; //         u64 NetFlow v5/v9 exporter boot time, ms since the epoch (the uptime epoch)
export const T_STAGE_LAST: u32 = T_BOOT_MS + 8; //        u64 latest flow end in the staging datagram, ns (v5/v9 header time)
export const T_SEALED_LAST: u32 = T_STAGE_LAST + 8; //    u64 T_STAGE_LAST of the last sealed datagram (v9: the final statistics' header time)
export const T_MTU: u32 = T_SEALED_LAST + 8; //           u32 largest datagram payload, bytes
export const T_ENGINE_ID: u32 = T_MTU + 4; //             u32 IPFIX observation domain / v9 source id / v5 engine id
export const T_REFRESH: u32 = T_ENGINE_ID + 4; //         u32 templates again after this many datagrams
export const T_TEMPLATE_S: u32 = T_REFRESH + 4; //        u32 templates again after this many seconds
export const T_SAMPLING: u32 = T_TEMPLATE_S + 4; //       u32 1 in N packets metered (1 = every packet), for the sampling options record
export const T_STAGE: u32 = T_SAMPLING + 4; //            u32 address of the datagram being filled (its records)
export const T_STAGE_LEN: u32 = T_STAGE + 4; //           u32 bytes in it
export const T_STAGE_RECS: u32 = T_STAGE_LEN + 4; //      u32 data records in it
export const T_SET_AT: u32 = T_STAGE_RECS + 4; //         u32 offset of the open data set's header in it (NIL = none)
export const T_SET_ID: u32 = T_SET_AT + 4; //             u32 template id of the open data set
export const T_FLOW_TEMPLATES: u32 = T_SET_ID + 4; //     u32 address of its field list and flow templates (FB_* below), 0 = none
export const T_TEMPLATES_NEXT: u32 = T_FLOW_TEMPLATES + 4; // u32 1 = a collector wants templates with the next datagram: keep room
export const T_TEMPLATES_ALONE: u32 = T_TEMPLATES_NEXT + 4; // u32 1 = the MTU is too small for the template block and a record: the block goes in a message of its own
export const T_NAMES_MAX: u32 = T_TEMPLATES_ALONE + 4; // u32 interface names one template block may carry (what the MTU leaves room for)
export const T_DESTS: u32 = T_NAMES_MAX + 4; //           u32 destinations of this target
export const T_DEST_FIRST: u32 = T_DESTS + 4; //          u32 its first destination + 1 (0: none), the others through D_NEXT
export const T_DEST_MODE: u32 = T_DEST_FIRST + 4; //      u32 DEST_MIRROR or DEST_ROUND_ROBIN
export const T_DEST_CURSOR: u32 = T_DEST_MODE + 4; //     u32 round-robin: the destination that gets the next sealed datagram + 1 (0: the first)
export const T_DEST_LOST: u32 = T_DEST_CURSOR + 4; //     u64 round-robin: sealed datagrams no destination got, every one being marked down (8-aligned after the u32s before it)
export const T_DEST_LOST_RECORDS: u32 = T_DEST_LOST + 8; // u64 the flow records in them
export const T_END: u32 = T_DEST_LOST_RECORDS + 8; //     (within TARGET_SIZE)
export const NIL: u32 = 0xffffffff;

// Destination modes (T_DEST_MODE): which destinations of a target get a sealed datagram
export const DEST_MIRROR: u32 = 0; //      every one
export const DEST_ROUND_ROBIN: u32 = 1; // one each, in turn, skipping those marked down (D_DOWN)

// ---- a target's field list and the flow templates made from it (IPFIX and NetFlow v9;
// encode/fields.ts), in a heap block at T_FLOW_TEMPLATES ----
export const FIELD_MAX: u32 = 40; //        fields in a list, and in a template (MAC fields included)
export const FLOW_TEMPLATE_MAX: u32 = 4; // templates made from one list (IPv4/IPv6 × ICMP or not)
export const FB_FIELDS: u32 = 0; //                        u32 fields in the list
export const FB_FIELD: u32 = FB_FIELDS + 4; //             FIELD_MAX × [u16 element id, u16 length]
export const FB_TEMPLATES: u32 = FB_FIELD + FIELD_MAX * 4; // u32 templates made from it
export const FB_TEMPLATES_LEN: u32 = FB_TEMPLATES + 4; //  u32 bytes of their template records (set header not included)
export const FB_TEMPLATE: u32 = FB_TEMPLATES_LEN + 4; //   FLOW_TEMPLATE_MAX × FT_SIZE
export const FT_ID: u32 = 0; //                 u32 template id
export const FT_COUNT: u32 = FT_ID + 4; //      u32 fields in it
export const FT_LENGTH: u32 = FT_COUNT + 4; //  u32 bytes of one data record by it
export const FT_WIRE: u32 = FT_LENGTH + 4; //   FIELD_MAX × [u16 id, u16 length] in network order: its template record's fields
export const FT_CODE: u32 = FT_WIRE + FIELD_MAX * 4; // FIELD_MAX × [u8 what the record writer writes for the field, u8 its length]
export const FT_END: u32 = FT_CODE + FIELD_MAX * 2;
export const FT_SIZE: u32 = 256; //             (FT_END rounded up to 8)
export const FB_GIVEN: u32 = FB_TEMPLATE + FLOW_TEMPLATE_MAX * FT_SIZE; // u32 1 = the host gave the list (configureField): the templates follow it, not the format's default
export const FB_END: u32 = FB_GIVEN + 4;

// ---- a target's aggregation rules (ipt_NETFLOW's aggregation=; cache/key.ts), in a heap
// block at T_AGGREGATE: netmask rules per family and port rules, each kind tried in order,
// the first match wins. Addresses and masks are kept in memory (network) order, as the key
// holds them, so a rule is two ANDs and a compare; ports in host order, as the key holds them ----
export const AGG_RULE_MAX: u32 = 64; //     rules of each kind
export const AG_V4: u32 = 0; //                             u32 IPv4 netmask rules
export const AG_V6: u32 = AG_V4 + 4; //                     u32 IPv6 netmask rules
export const AG_PORTS: u32 = AG_V6 + 4; //                  u32 port rules
export const AG_V4_RULE: u32 = AG_PORTS + 4 + 4; //         AGG_RULE_MAX × [u32 net, u32 its mask, u32 the mask it aggregates to] (and 4 bytes of padding before)
export const AG_V4_SIZE: u32 = 12;
export const AG_V6_RULE: u32 = AG_V4_RULE + AGG_RULE_MAX * AG_V4_SIZE; // AGG_RULE_MAX × [16 net, 16 its mask, 16 the mask it aggregates to]
export const AG_V6_SIZE: u32 = 48;
export const AG_PORT_RULE: u32 = AG_V6_RULE + AGG_RULE_MAX * AG_V6_SIZE; // AGG_RULE_MAX × [u16 first, u16 last, u16 the port they become, u16 0]
export const AG_PORT_SIZE: u32 = 8;
export const AG_END: u32 = AG_PORT_RULE + AGG_RULE_MAX * AG_PORT_SIZE;

// The timing wheel that schedules idle checks: bucket = (last + inactive) >> WHEEL_TICK_LOG2.
export const WHEEL_TICK_LOG2: u32 = 30; // a tick is 2^30 ns, about 1.07 s
export const WHEEL_BUCKETS: u32 = 4096; // about 73 minutes of ticks
export const WHEEL_SENTINEL: u32 = 0x80000000; // links ≥ this name bucket (link & 0xfff)'s list end

export const CHUNK_SLOTS_LOG2: u32 = 12; // 4096 slots (384 KiB) per chunk
export const CHUNK_SLOTS: u32 = 4096;
export const CHUNK_TABLE_MAX: u32 = 1024; // 4 Mi slots at most per target
export const INDEX_SLOT_BITS: u32 = 22; //  index entry: slot number + 1 in the low 22 bits
export const INDEX_TAG_SHIFT: u32 = 22; //  and 10 bits of the hash as a tag in the high bits
export const MAXFLOWS_LIMIT: u32 = 4194303;
export const INDEX_INITIAL: u32 = 4096;

// Wire formats (T_FORMAT): each is one entry of the format table (encode/formats.ts)
export const FORMAT_JSON: u32 = 1;
export const FORMAT_IPFIX: u32 = 10;
export const FORMAT_V5: u32 = 5;
export const FORMAT_V9: u32 = 9;

// NetFlow v9 (RFC 3954): 20-byte header, template flowset id 0, data flowsets padded to 4
export const V9_HEADER: u32 = 20;

// NetFlow v5 (Cisco's published format): 24-byte header, 48-byte records, at most 30
export const V5_HEADER: u32 = 24;
export const V5_RECORD: u32 = 48;
export const V5_MAX_RECORDS: u32 = 30;

// IPFIX (RFC 7011 §3): template ids and the fixed parts. The flow templates (the same ids in
// NetFlow v9): one per address family for every protocol but ICMP, and one per family for
// ICMP (1 on IPv4, 58 on IPv6) with its type/code element in place of the ports (encode/fields.ts).
export const IPFIX_VERSION: u32 = 10;
export const IPFIX_TEMPLATE_V4: u32 = 256;
export const IPFIX_TEMPLATE_V6: u32 = 257;
export const IPFIX_TEMPLATE_V4_ICMP: u32 = 261;
export const IPFIX_TEMPLATE_V6_ICMP: u32 = 262;
export const IPFIX_HEADER: u32 = 16;
// Options templates (IPFIX RFC 7011 §4, NetFlow v9 RFC 3954 §6.1): exporter statistics and
// the sampling interval, one record each per collector, sent with the templates
export const TEMPLATE_OPTIONS_STATS: u32 = 258;
export const TEMPLATE_OPTIONS_SAMPLING: u32 = 259;
export const TEMPLATE_OPTIONS_IFNAMES: u32 = 260; // interface names (IE 82), scope the interface number

// ---- capture messages: how the shim (shim/flowprobe-capture.c, through build/batch.h) and
// the cap child (src/sources/cap.ts) talk to the host (src/sources/shim.ts). Not part of the
// core's memory; kept here so the one file both sides import names them once ----
// A message is [u32 type, u32 length] then `length` bytes, host byte order.
export const FP_HEADER: u32 = 8;
export const FP_BATCH: u32 = 1; // u32 records, u32 0, then the batch records (BR_*)
export const FP_STATS: u32 = 2; // u64 packets (drops included), u64 drops, u64 ring freezes, u64 interfaces open
export const FP_IFACE: u32 = 3; // u32 ifindex, then the interface name: an interface was (re)opened
export const FP_RING: u32 = 4; //  one per interface given, just before each FP_STATS: u64 packets (drops included), u64 drops,
//                                  u64 ring freezes (since the shim started, what it counted before it closed included),
//                                  u32 the number its flows carry (0: any, or never opened), u32 1 open / 0 awaited, the name
export const FP_RING_NAME: u32 = 32; // where FP_RING's name begins (it runs to the message's end)

// ---- a target's selector program (src/config/select.ts compiles it, cache/select.ts runs
// it over a pending packet's parsed fields), in a heap block at T_SELECT: a header, then
// tests of SEL_INSN_SIZE bytes. Each test names the test to run next when it holds and when
// it does not — always a later test, or a verdict — so a program ends within its length. ----
export const SEL_COUNT: u32 = 0; //                  u32 tests in the program (1 .. SEL_MAX)
export const SEL_FLAGS: u32 = SEL_COUNT + 4; //      u32 SEL_USES_* bits
export const SEL_INSNS: u32 = SEL_FLAGS + 4 + 8; //  the first test (after 8 bytes of padding)
export const SEL_MAX: u32 = 1024;
export const SEL_USES_OUTIF: u32 = 1; //             a test looks up the packet's route (outif)
export const SEL_INSN_SIZE: u32 = 48;
export const SI_OP: u32 = 0; //                      u8 SEL_OP_* below
export const SI_FIELD: u32 = SI_OP + 1; //           u8 the key field it reads (FS_SRC/FS_DST, FS_SPORT/FS_DPORT)
export const SI_TRUE: u32 = SI_FIELD + 1; //         u16 the next test when it holds, or SEL_ACCEPT / SEL_REJECT
export const SI_FALSE: u32 = SI_TRUE + 2; //         u16 the next test when it does not
export const SI_A: u32 = SI_FALSE + 2 + 2; //        u32 (after 2 bytes of padding) first operand
export const SI_B: u32 = SI_A + 4; //                u32 second operand
export const SI_VALUE: u32 = SI_B + 4; //            16 bytes: an address, network order (IPv4 in the first 4)
export const SI_MASK: u32 = SI_VALUE + 16; //        16 bytes: its prefix mask
export const SI_END: u32 = SI_MASK + 16; //          (SEL_INSN_SIZE)
export const SEL_IF_LIST: u32 = SI_VALUE; //         inif/outif tests: SEL_IF_MAX interface numbers (u32) over SI_VALUE and SI_MASK, SI_A of them used
export const SEL_IF_MAX: u32 = 8;
export const SEL_ACCEPT: u32 = 0xffff;
export const SEL_REJECT: u32 = 0xfffe;
// The tests (SI_OP)
export const SEL_OP_VERSION: u32 = 1; // IP version == A
export const SEL_OP_PROTO: u32 = 2; //   protocol (after IPv6 extension headers) == A
export const SEL_OP_NET: u32 = 3; //     IP version == A and (the address at FIELD & MASK) == VALUE
export const SEL_OP_PORT: u32 = 4; //    TCP, UDP or SCTP, and A <= the port at FIELD <= A + B
export const SEL_OP_VLAN: u32 = 5; //    (outer VLAN field FS_VLAN & B) == A (A = id | VLAN_PRESENT; B = 0xffff, or 0x8000 for any tag)
export const SEL_OP_IN_IF: u32 = 6; //   input interface number is one of the A at SEL_IF_LIST
export const SEL_OP_OUT_IF: u32 = 7; //  output interface (PACKET_OUTGOING: the capturing one; else the route to the destination) is one of them
export const SEL_OP_NET_EITHER: u32 = 8; //  as SEL_OP_NET, of the source or the destination address (FIELD unused)
export const SEL_OP_PORT_EITHER: u32 = 9; // as SEL_OP_PORT, of the source or the destination port (FIELD unused): one test for `port N`
export const SEL_OP_LAST: u32 = SEL_OP_PORT_EITHER;
// ---- the prefix table: AS numbers and prefix lengths by longest-prefix match (cache/prefixes.ts,
// filled by the host from --as-file), one heap block: this header, then its arrays, each
// sorted by first address and then by prefix length, shortest first. Per prefix 12 bytes
// (IPv4: first address, link, AS; and half a byte of index) or 24 (IPv6: two u64 halves,
// link, AS) ----
export const PT_V4_COUNT: u32 = 0; //                  u32 IPv4 prefixes in the table
export const PT_V6_COUNT: u32 = PT_V4_COUNT + 4; //    u32 IPv6 prefixes
export const PT_V4_ROOM: u32 = PT_V6_COUNT + 4; //     u32 IPv4 prefixes the block holds
export const PT_V6_ROOM: u32 = PT_V4_ROOM + 4; //      u32 IPv6 prefixes the block holds
export const PT_V4_FIRST: u32 = PT_V6_ROOM + 4; //     u32 address of u32[room]: first address, as an integer (not network order)
export const PT_V4_LINK: u32 = PT_V4_FIRST + 4; //     u32 address of u32[room]: enclosing prefix's index << PT_LINK_SHIFT | prefix length
export const PT_V4_AS: u32 = PT_V4_LINK + 4; //        u32 address of u32[room]: its AS number
export const PT_V6_HIGH: u32 = PT_V4_AS + 4; //        u32 address of u64[room]: first address, bits 0-63 as an integer
export const PT_V6_LOW: u32 = PT_V6_HIGH + 4; //       u32 address of u64[room]: bits 64-127
export const PT_V6_LINK: u32 = PT_V6_LOW + 4; //       u32 address of u32[room]
export const PT_V6_AS: u32 = PT_V6_LINK + 4; //        u32 address of u32[room]
export const PT_V4_INDEX: u32 = PT_V6_AS + 4; //       u32 address of u32[2^bits + 1]: per value of an IPv4 address's top bits, the first prefix at or past it (the core makes it)
export const PT_V4_INDEX_BITS: u32 = PT_V4_INDEX + 4; // u32 those bits (0-16: about one value per 8 prefixes of room)
export const PT_END: u32 = PT_V4_INDEX_BITS + 4;
export const PT_HEADER: u32 = 64; //                   (PT_END rounded up: the arrays start 8-aligned)
export const PT_LINK_SHIFT: u32 = 8; //                a link's low 8 bits: the prefix length (0-128)
export const PT_NO_PARENT: u32 = 0xffffff; //          the link's index when no prefix of the table encloses it
export const PT_PREFIX_MAX: u32 = 0xfffffe; //         prefixes of one family at most (the link's 24 bits)

// ---- a JSON target's key list (encode/json.ts): the keys its lines carry, in line order,
// when the host gave it a field list (configureJsonKey; src/config/fields.ts maps the names).
// A heap block at T_JSON_KEYS; without one the line is the default one. Appended to the
// target descriptor after T_END. ----
export const T_JSON_KEYS: u32 = T_END; //           u32 address of its key list (JL_* below), 0 = the default line
export const T_JSON_END: u32 = T_JSON_KEYS + 4; //  (within TARGET_SIZE)
export const JSON_KEY_MAX: u32 = 40; //             keys in a list (each key once)
export const JL_COUNT: u32 = 0; //                  u32 keys in the list
export const JL_KEYS: u32 = JL_COUNT + 4; //        JSON_KEY_MAX bytes: JK_* codes, in line order
export const JL_END: u32 = JL_KEYS + JSON_KEY_MAX;
// The keys (JL_KEYS), each a key of the default line but the last (docs/export.md, "JSON lines")
export const JK_TIME_START: u32 = 1; //     time_flow_start_ns
export const JK_TIME_END: u32 = 2; //       time_flow_end_ns
export const JK_ETYPE: u32 = 3; //          etype
export const JK_PROTO: u32 = 4; //          proto
export const JK_SRC_ADDR: u32 = 5; //       src_addr
export const JK_DST_ADDR: u32 = 6; //       dst_addr
export const JK_SRC_PORT: u32 = 7; //       src_port
export const JK_DST_PORT: u32 = 8; //       dst_port
export const JK_IN_IF: u32 = 9; //          in_if
export const JK_OUT_IF: u32 = 10; //        out_if
export const JK_NEXT_HOP: u32 = 11; //      next_hop (where a route gives one)
export const JK_BYTES: u32 = 12; //         bytes
export const JK_PACKETS: u32 = 13; //       packets
export const JK_TCP_FLAGS: u32 = 14; //     tcp_flags
export const JK_TOS: u32 = 15; //           ip_tos
export const JK_TTL_MIN: u32 = 16; //       ip_ttl_min
export const JK_TTL_MAX: u32 = 17; //       ip_ttl_max
export const JK_VLAN: u32 = 18; //          vlan_id
export const JK_VLAN_INNER: u32 = 19; //    vlan_id_inner (QinQ flows only)
export const JK_ICMP_TYPE: u32 = 20; //     icmp_type (ICMP flows only)
export const JK_ICMP_CODE: u32 = 21; //     icmp_code (ICMP flows only)
export const JK_LAN_DIRECTION: u32 = 22; // lan_direction (--lan: LAN ↔ outside flows only)
export const JK_SRC_MAC: u32 = 23; //       src_mac (where the link has it)
export const JK_DST_MAC: u32 = 24; //       dst_mac
export const JK_SRC_AS: u32 = 25; //        src_as
export const JK_DST_AS: u32 = 26; //        dst_as
export const JK_SRC_NET: u32 = 27; //       src_net
export const JK_DST_NET: u32 = 28; //       dst_net
export const JK_END_REASON: u32 = 29; //    flow_end_reason
export const JK_FLOW_DIRECTION: u32 = 30; // flow_direction (IPFIX flowDirection, IE 61: 0 ingress, 1 egress; not in the default line)
export const JK_LAST: u32 = JK_FLOW_DIRECTION;

// ---- the heap's free lists (base/heap.ts), at the heap's start (HEAP_BASE): blocks a target
// gave back at a reload (unconfigureTarget) or an index left behind when it doubled, kept by
// size class for the next block of that class. An entry per class: [u32 its block size (0 =
// unused entry), u32 its first free block (0 = none)]; a free block's first u32 links to the
// next one of its class. Classes: a power of two under HEAP_SMALL_MAX, else the size rounded
// up to HEAP_LARGE_STEP — so a run's blocks fall into a few dozen classes at most ----
export const HEAP_FREE_CLASSES: u32 = 64;
export const HF_SIZE: u32 = 0; //              u32 block size of the class
export const HF_HEAD: u32 = HF_SIZE + 4; //    u32 first free block of it
export const HF_ENTRY: u32 = HF_HEAD + 4; //   (8)
export const HEAP_FREE_SIZE: u32 = HEAP_FREE_CLASSES * HF_ENTRY;
export const HEAP_SMALL_MAX: u32 = 16384;
export const HEAP_LARGE_STEP: u32 = 4096;
// status block, continued (within STATUS_SIZE after ST_END): the free lists' figures
export const ST_HEAP_FREE: u32 = ST_END; //               u32: bytes in blocks on the free lists (given back, not yet taken again)
export const ST_HEAP_DROPPED: u32 = ST_HEAP_FREE + 4; //  u32: blocks given back with every class entry taken (left unused: never seen with the classes above)
export const ST_FREE_END: u32 = ST_HEAP_DROPPED + 4;

// ---- counters, continued (STATS_BASE, within STATS_COUNT after C_END): the flow table's
// search metric (ipt_NETFLOW's "metric": index entries read per lookup), added once per
// batch from the table's Wasm globals (cache/table.ts) ----
export const C_LOOKUPS: u32 = C_END; //           flow table lookups (one per packet per target that chose it)
export const C_PROBES: u32 = C_LOOKUPS + 1; //    index entries those lookups read (1 each at best)
export const C_SEARCH_END: u32 = C_PROBES + 1; // (within STATS_COUNT)
// ---- named counters (nfacct; cache/nfacct.ts): packets and bytes per name, each chosen by
// a selector program (the targets' language, SEL_* above) over every pending packet, whatever
// the targets select. One heap block, made by the host (allocCounters) and put in force by
// useCounters: this header, then NC_SIZE bytes a counter. readCounters copies every counter
// into its NC_READ_* fields and zeroes those whose NC_RESET the host set, in one call between
// two walks, so no packet falls between a read and its zero ----
export const COUNTER_MAX: u32 = 64; //               counters at most
export const NC_COUNT: u32 = 0; //                   u32 counters in the table
export const NC_ENTRIES: u32 = NC_COUNT + 4 + 4; //  the first counter (after 4 bytes of padding)
export const NC_PACKETS: u32 = 0; //                 u64 packets counted since its last reset
export const NC_BYTES: u32 = NC_PACKETS + 8; //      u64 their IP bytes (as C_BYTES counts them)
export const NC_READ_PACKETS: u32 = NC_BYTES + 8; // u64 NC_PACKETS as the last readCounters found it
export const NC_READ_BYTES: u32 = NC_READ_PACKETS + 8; // u64 NC_BYTES as it found it
export const NC_PROGRAM: u32 = NC_READ_BYTES + 8; // u32 address of its selector program (allocSelector), 0 = every packet
export const NC_PROGRAM_BYTES: u32 = NC_PROGRAM + 4; // u32 that block's bytes
export const NC_RESET: u32 = NC_PROGRAM_BYTES + 4; // u32 1 = the next readCounters zeroes it (the host sets it; the core clears it)
export const NC_END: u32 = NC_RESET + 4;
export const NC_SIZE: u32 = 48; //                   (NC_END rounded up to 8)
// ---- flood detection (cache/flood.ts; --flood-pps, --flood-new-flows): a target that asks
// for it has a flood block in the heap at T_FLOOD — the per-source new-flow sketch and the
// table of per-flow rate entries, in chunks parallel to the slot chunks (as cache/macs.ts
// keeps MACs). A target without one pays one branch per packet. Alerts leave the core through
// the alert region (a heap block at ST_ALERTS), which the host drains after each walk call.
// Appended to the target descriptor after T_JSON_END. ----
export const T_FLOOD: u32 = T_JSON_END; //            u32 address of its flood block (FL_* below), 0 = no flood detection
export const T_FLOOD_END: u32 = T_FLOOD + 4; //       (within TARGET_SIZE)
export const FLOOD_SKETCH_ROWS: u32 = 4; //           count-min rows (independent hashes of the source address)
export const FLOOD_SKETCH_WIDTH: u32 = 1024; //       u32 counters per row: 16 KiB per target
export const FLOOD_MARK_BITS: u32 = 4096; //          one bit per hash of a source: it was alerted this second
export const FL_SECOND: u32 = 0; //                   u64 the meter second (ns / 1e9) the sketch and the marks are of
export const FL_PPS: u32 = FL_SECOND + 8; //          u32 a flow over this many packets in one second is a flood (0 = off)
export const FL_NEW_FLOWS: u32 = FL_PPS + 4; //       u32 a source creating over this many flows in one second is one (0 = off)
export const FL_RATES: u32 = FL_NEW_FLOWS + 4; //     u32 address of the rate chunk table (CHUNK_TABLE_MAX u32), 0 = pps off
export const FL_SKETCH: u32 = FL_RATES + 4 + 8; //    FLOOD_SKETCH_ROWS × FLOOD_SKETCH_WIDTH u32 (after 8 bytes of padding)
export const FL_MARKS: u32 = FL_SKETCH + FLOOD_SKETCH_ROWS * FLOOD_SKETCH_WIDTH * 4; // FLOOD_MARK_BITS bits
export const FL_END: u32 = FL_MARKS + FLOOD_MARK_BITS / 8;
export const FLOOD_RATE_SIZE: u32 = 8; //             a flow's rate entry: u32 the second (low 32 bits), u32 its packets in it (bit 31: alerted)
// The alert region: [u32 alerts in it, u32 alerts lost (the region was full)], then the alerts.
// The host reads them and zeroes both counts (between two walk calls).
export const ALERT_MAX: u32 = 256;
export const ALERT_SIZE: u32 = 80;
export const AR_COUNT: u32 = 0;
export const AR_LOST: u32 = AR_COUNT + 4;
export const AR_ALERTS: u32 = AR_LOST + 4 + 8; //     (after 8 bytes of padding: the alerts' u64 8-aligned)
export const ALERT_REGION_SIZE: u32 = AR_ALERTS + ALERT_MAX * ALERT_SIZE;
export const AL_KIND: u32 = 0; //                     u32 FLOOD_KIND_* below
export const AL_TARGET: u32 = AL_KIND + 4; //         u32 the target's number
export const AL_COUNT: u32 = AL_TARGET + 4; //        u32 packets of the flow (pps), or new flows of the source (new-flows), in AL_SPAN_NS: over the limit
export const AL_VERSION: u32 = AL_COUNT + 4; //       u8 4 or 6
export const AL_PROTO: u32 = AL_VERSION + 1; //       u8 the flow's protocol (pps only)
export const AL_SPORT: u32 = AL_PROTO + 1; //         u16 the flow's source port (pps only)
export const AL_DPORT: u32 = AL_SPORT + 2; //         u16 the flow's destination port (pps only)
export const AL_FIRST: u32 = AL_DPORT + 2 + 4; //     u64 ns (after 4 bytes of padding): the packet that took it over the limit
export const AL_SRC: u32 = AL_FIRST + 8; //           16 bytes, network order (IPv4: first 4)
export const AL_DST: u32 = AL_SRC + 16; //            16 bytes: the flow's destination (pps only)
export const AL_SPAN_NS: u32 = AL_DST + 16; //        u64 ns the count came in: since the second began, or (pps) the flow's first packet in it
export const AL_END: u32 = AL_SPAN_NS + 8; //         (ALERT_SIZE)
export const FLOOD_KIND_PPS: u32 = 1; //              a flow over --flood-pps packets in one second
export const FLOOD_KIND_NEW_FLOWS: u32 = 2; //        a source over --flood-new-flows new flows in one second
// status block, continued (within STATUS_SIZE after ST_FREE_END)
export const ST_ALERTS: u32 = ST_FREE_END; //         u32 address of the alert region (AR_*), 0 = no target detects floods
export const ST_ALERTS_END: u32 = ST_ALERTS + 4;
// ---- the stats registry's per-target and per-collector figures (src/stats/registry.ts).
// Appended to the target descriptor after T_FLOOD_END: its IP bytes metered, counted beside
// T_PACKETS (one add per packet it meters), and its share of the search metric (C_LOOKUPS,
// C_PROBES): the table's Wasm globals are flushed into the target whose lookups they hold
// when the walk moves on to another target's lookup, and at the end of every batch — so a
// run of one target (or of targets that select apart) flushes once per batch. Appended to
// the destination after D_END: the template blocks (a template set with every flow template
// and the options) laid out for it. ----
export const T_BYTES: u32 = T_FLOOD_END; //              u64 IP bytes metered into this target (as C_BYTES counts them; T_FLOOD_END is 8-aligned)
export const T_LOOKUPS: u32 = T_BYTES + 8; //            u64 flow table lookups of this target (one per packet it chose)
export const T_PROBES: u32 = T_LOOKUPS + 8; //           u64 index entries those lookups read
export const T_FIGURES_END: u32 = T_PROBES + 8; //       (within TARGET_SIZE)
export const D_TEMPLATE_BLOCKS: u32 = D_END; //          u64 template blocks laid out for this destination (sent or not; after D_END: 8-aligned)
export const D_FIGURES_END: u32 = D_TEMPLATE_BLOCKS + 8; // (within DEST_SIZE)
