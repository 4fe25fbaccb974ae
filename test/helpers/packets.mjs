// Hand-made packets and capture files for unit tests. Each builder returns a Buffer laid out
// by the RFC it names, so a test reads as the packet it feeds.

/** IPv4 header (RFC 791) + payload. opts: src, dst, proto, tos, ttl, id, fragOffset (8-byte units), mf, options (Buffer), totalLength (override). */
export function ipv4(payload, opts = {}) {
  const options = opts.options ?? Buffer.alloc(0);
  const ihl = 20 + options.length;
  const h = Buffer.alloc(ihl);
  h[0] = 0x40 | (ihl / 4);
  h[1] = opts.tos ?? 0;
  h.writeUInt16BE(opts.totalLength ?? ihl + payload.length, 2);
  h.writeUInt16BE(opts.id ?? 1, 4);
  h.writeUInt16BE(((opts.mf ? 1 : 0) << 13) | (opts.fragOffset ?? 0), 6);
  h[8] = opts.ttl ?? 64;
  h[9] = opts.proto ?? 6;
  Buffer.from((opts.src ?? "10.0.0.1").split(".").map(Number)).copy(h, 12);
  Buffer.from((opts.dst ?? "10.0.0.2").split(".").map(Number)).copy(h, 16);
  options.copy(h, 20);
  return Buffer.concat([h, payload]);
}

function v6bytes(a) {
  const [head, tail = ""] = a.split("::");
  const parts = (s) => (s ? s.split(":").map((x) => parseInt(x, 16)) : []);
  const h = parts(head), t = parts(a.includes("::") ? tail : "");
  const groups = a.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill(0), ...t] : h;
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}

/** IPv6 header (RFC 8200) + payload. opts: src, dst, nh, tclass, hlim, payloadLength (override). */
export function ipv6(payload, opts = {}) {
  const h = Buffer.alloc(40);
  h.writeUInt32BE((6 << 28) | ((opts.tclass ?? 0) << 20), 0);
  h.writeUInt16BE(opts.payloadLength ?? payload.length, 4);
  h[6] = opts.nh ?? 6;
  h[7] = opts.hlim ?? 64;
  v6bytes(opts.src ?? "2001:db8::1").copy(h, 8);
  v6bytes(opts.dst ?? "2001:db8::2").copy(h, 24);
  return Buffer.concat([h, payload]);
}

/** An IPv6 extension header (hop-by-hop, routing, destination options: 8-byte units). */
export function ext6(nh, body = Buffer.alloc(6)) {
  const len = 2 + body.length; // multiple of 8
  const h = Buffer.alloc(len);
  h[0] = nh;
  h[1] = len / 8 - 1;
  body.copy(h, 2);
  return h;
}

/** IPv6 fragment header (RFC 8200 §4.5). offset in 8-byte units. */
export function frag6(nh, offset, more = false) {
  const h = Buffer.alloc(8);
  h[0] = nh;
  h.writeUInt16BE((offset << 3) | (more ? 1 : 0), 2);
  h.writeUInt32BE(0x1234, 4);
  return h;
}

/** AH (RFC 4302): 12 bytes + 12 bytes ICV → payload length field 4 (in 4-byte units, minus 2). */
export function ah(nh) {
  const h = Buffer.alloc(24);
  h[0] = nh;
  h[1] = 24 / 4 - 2;
  return h;
}

export function tcp(sport, dport, flags = 0x10, payload = Buffer.alloc(0)) {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h[12] = 5 << 4;
  h[13] = flags;
  return Buffer.concat([h, payload]);
}

export function udp(sport, dport, payload = Buffer.alloc(0)) {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

export function icmp(type, code) {
  const h = Buffer.alloc(8);
  h[0] = type;
  h[1] = code;
  return h;
}

export const ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86dd, ETH_VLAN = 0x8100, ETH_QINQ = 0x88a8;

/** Ethernet II frame; `tags` is a list of [tpid, vid] VLAN tags outermost first; MACs as "aa:bb:…". */
export function eth(ethertype, payload, tags = [], { dst = "02:00:00:00:00:02", src = "02:00:00:00:00:01" } = {}) {
  const parts = [Buffer.from((dst + src).replace(/:/g, ""), "hex")];
  for (const [tpid, vid] of tags) {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(tpid, 0);
    t.writeUInt16BE(vid, 2);
    parts.push(t);
  }
  const et = Buffer.alloc(2);
  et.writeUInt16BE(ethertype, 0);
  parts.push(et, payload);
  return Buffer.concat(parts);
}

/** MPLS label stack entries (RFC 3032); the last gets bottom-of-stack. */
export function mpls(labels, payload) {
  const b = Buffer.alloc(4 * labels.length);
  labels.forEach((l, i) => b.writeUInt32BE(((l << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64) >>> 0, i * 4));
  return Buffer.concat([b, payload]);
}

/** PPPoE session header (RFC 2516) with a PPP protocol number. */
export function pppoe(pppProto, payload) {
  const h = Buffer.alloc(8);
  h[0] = 0x11;
  h.writeUInt16BE(0x0001, 2);
  h.writeUInt16BE(payload.length + 2, 4);
  h.writeUInt16BE(pppProto, 6);
  return Buffer.concat([h, payload]);
}

/** Linux cooked v1 header (16 bytes). */
export function sll(protocol, payload, pkttype = 0) {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(pkttype, 0);
  h.writeUInt16BE(1, 2);
  h.writeUInt16BE(6, 4);
  h.writeUInt16BE(protocol, 14);
  return Buffer.concat([h, payload]);
}

/** Linux cooked v2 header (20 bytes) carrying an ifindex. */
export function sll2(protocol, ifindex, payload, pkttype = 0) {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(protocol, 0);
  h.writeUInt32BE(ifindex, 4);
  h.writeUInt16BE(1, 8);
  h[10] = pkttype;
  h[11] = 6;
  return Buffer.concat([h, payload]);
}

/** A classic pcap file. packets: [{ ts: [sec, frac], data: Buffer, wire?: number, caplen?: number }]. */
export function pcapFile(linktype, packets, { bigEndian = false, nanos = false, snaplen = 65535 } = {}) {
  const w32 = (b, v, o) => (bigEndian ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o));
  const w16 = (b, v, o) => (bigEndian ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
  const h = Buffer.alloc(24);
  w32(h, nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(h, 2, 4);
  w16(h, 4, 6);
  w32(h, snaplen, 16);
  w32(h, linktype, 20);
  const parts = [h];
  for (const p of packets) {
    const r = Buffer.alloc(16);
    w32(r, p.ts[0], 0);
    w32(r, p.ts[1], 4);
    w32(r, p.caplen ?? p.data.length, 8);
    w32(r, p.wire ?? p.data.length, 12);
    parts.push(r, p.data);
  }
  return Buffer.concat(parts);
}

/** pcapng blocks (draft-ietf-opsawg-pcapng). */
export class Pcapng {
  constructor(bigEndian = false) {
    this.be = bigEndian;
    this.parts = [];
  }
  w32(b, v, o) { this.be ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o); }
  w16(b, v, o) { this.be ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o); }
  block(type, body) {
    const pad = (4 - (body.length % 4)) % 4;
    const len = 12 + body.length + pad;
    const b = Buffer.alloc(len);
    this.w32(b, type, 0);
    this.w32(b, len, 4);
    body.copy(b, 8);
    this.w32(b, len, len - 4);
    this.parts.push(b);
    return this;
  }
  shb() {
    const body = Buffer.alloc(16);
    this.w32(body, 0x1a2b3c4d, 0);
    this.w16(body, 1, 4);
    body.writeBigInt64LE(-1n, 8);
    return this.block(0x0a0d0d0a, body);
  }
  /** opts: tsresol (byte), tsoffset (seconds, BigInt), name (if_name) */
  idb(linktype, { snaplen = 0, tsresol, tsoffset, name } = {}) {
    const opts = [];
    if (name !== undefined) {
      const s = Buffer.from(name, "utf8");
      const o = Buffer.alloc(4 + s.length + ((4 - (s.length % 4)) % 4));
      this.w16(o, 2, 0); this.w16(o, s.length, 2); s.copy(o, 4);
      opts.push(o);
    }
    if (tsresol !== undefined) {
      const o = Buffer.alloc(8);
      this.w16(o, 9, 0); this.w16(o, 1, 2); o[4] = tsresol;
      opts.push(o);
    }
    if (tsoffset !== undefined) {
      const o = Buffer.alloc(12);
      this.w16(o, 14, 0); this.w16(o, 8, 2);
      this.be ? o.writeBigInt64BE(tsoffset, 4) : o.writeBigInt64LE(tsoffset, 4);
      opts.push(o);
    }
    if (opts.length) opts.push(Buffer.alloc(4)); // opt_endofopt
    const body = Buffer.alloc(8);
    this.w16(body, linktype, 0);
    this.w32(body, snaplen, 4);
    return this.block(1, Buffer.concat([body, ...opts]));
  }
  /** ts: raw 64-bit timestamp in the interface's units (BigInt) */
  epb(ifid, ts, data, wire = data.length) {
    const h = Buffer.alloc(20);
    this.w32(h, ifid, 0);
    this.w32(h, Number(ts >> 32n), 4);
    this.w32(h, Number(ts & 0xffffffffn), 8);
    this.w32(h, data.length, 12);
    this.w32(h, wire, 16);
    return this.block(6, Buffer.concat([h, data, Buffer.alloc((4 - (data.length % 4)) % 4)]));
  }
  spb(data, wire = data.length) {
    const h = Buffer.alloc(4);
    this.w32(h, wire, 0);
    return this.block(3, Buffer.concat([h, data]));
  }
  /** an unknown block type, which readers must skip */
  custom(type, body = Buffer.alloc(8)) {
    return this.block(type, body);
  }
  bytes() {
    return Buffer.concat(this.parts);
  }
}
