// The output formats, once: the name the config object and the meter's target use, the
// core's FORMAT_* code (assembly/layout.ts), which for the export formats is also the
// protocol version in every message header and ipt_NETFLOW's --protocol number, and the
// name a person reads.

import * as L from "../../assembly/layout";

export type FormatName = "json" | "ipfix" | "v9" | "v5";

export interface Format {
  readonly name: FormatName;
  /** FORMAT_* in assembly/layout.ts; for export formats the --protocol number and the header's version. */
  readonly code: number;
  readonly title: string;
  /** Whether it is sent to collectors as datagrams (else written as lines on standard output). */
  readonly datagrams: boolean;
}

/** In the order --protocol lists them. */
export const FORMATS: readonly Format[] = [
  { name: "json", code: L.FORMAT_JSON, title: "JSON lines", datagrams: false },
  { name: "v5", code: L.FORMAT_V5, title: "NetFlow v5", datagrams: true },
  { name: "v9", code: L.FORMAT_V9, title: "NetFlow v9", datagrams: true },
  { name: "ipfix", code: L.FORMAT_IPFIX, title: "IPFIX", datagrams: true },
];

/** The export formats, for --protocol. */
export const EXPORT_FORMATS: readonly Format[] = FORMATS.filter((f) => f.datagrams);

/** The export format whose --protocol number this is, if any. */
export function exportFormatOf(protocol: number): Format | undefined {
  return EXPORT_FORMATS.find((f) => f.code === protocol);
}

/** The format of a name. */
export function formatNamed(name: FormatName): Format {
  return FORMATS.find((f) => f.name === name)!;
}
