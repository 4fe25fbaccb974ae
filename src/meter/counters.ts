// Human names of the core's counters (indexes in assembly/layout.ts).
import * as L from "../../assembly/layout";

/** Skip reasons, in the order of their counter indexes, with the words a summary uses. */
export const SKIP_REASONS: ReadonlyArray<{ index: number; key: string; text: string }> = [
  { index: L.C_TRUNC_LINK, key: "truncated_link", text: "frame shorter than its link-layer header" },
  { index: L.C_UNKNOWN_LINKTYPE, key: "unknown_linktype", text: "link type not read by flowprobe" },
  { index: L.C_TRUNC_IP, key: "truncated_ip", text: "IP header cut short" },
  { index: L.C_BAD_VERSION, key: "bad_version", text: "IP version is not 4 or 6" },
  { index: L.C_BAD_HDRLEN, key: "bad_header_length", text: "IPv4 header length under 20" },
  { index: L.C_BAD_TOTLEN, key: "bad_total_length", text: "IP length field impossible for the frame" },
  { index: L.C_TRUNC_L4, key: "truncated_transport", text: "transport header (ports) cut short" },
  { index: L.C_TRUNC_EXT, key: "truncated_ipv6_ext", text: "IPv6 extension headers cut short" },
  { index: L.C_BAD_IFACE, key: "bad_interface", text: "pcapng packet names an undescribed interface" },
  { index: L.C_OTHERHOST, key: "other_host", text: "frame addressed to another host" },
  { index: L.C_NO_MEMORY, key: "no_memory", text: "no memory for a new flow" },
];

export const END_REASONS: ReadonlyArray<{ value: number; key: string; text: string }> = [
  { value: L.END_IDLE, key: "idle_timeout", text: "idle timeout" },
  { value: L.END_ACTIVE, key: "active_timeout", text: "active timeout" },
  { value: L.END_END_OF_FLOW, key: "end_of_flow", text: "TCP FIN/RST" },
  { value: L.END_FORCED, key: "forced_end", text: "forced end" },
  { value: L.END_LACK_OF_RESOURCES, key: "lack_of_resources", text: "cache full" },
];
