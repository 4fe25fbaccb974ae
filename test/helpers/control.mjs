// The control socket (src/stats/control.ts) as a test talks to it: one persistent connection,
// a JSON object per line each way, answers in order; and the packet records of a capture
// file counted by their length fields alone (for what a damaged file's reader must have read).
import net from "node:net";

/** A persistent connection to the control socket: `ask(obj)` resolves to the answer line's object (answers come in order). Integers of 16 digits or more are kept exact, as strings. */
export async function connect(sock) {
  const c = net.connect(sock);
  await new Promise((resolve, reject) => c.once("connect", resolve).once("error", reject));
  const waiting = [];
  let buf = "";
  c.on("data", (d) => {
    buf += d;
    for (let k = buf.indexOf("\n"); k >= 0; k = buf.indexOf("\n")) {
      const line = buf.slice(0, k);
      buf = buf.slice(k + 1);
      // every integer of 16 digits or more kept exact (64-bit counters)
      waiting.shift()(JSON.parse(line.replace(/([:\[,])(-?\d{16,})(?=[,}\]])/g, '$1"$2"')));
    }
  });
  return {
    ask: (o) => new Promise((resolve) => {
      waiting.push(resolve);
      c.write(`${JSON.stringify(o)}\n`);
    }),
    close: () => c.destroy(),
  };
}

/** Packet records (pcap) or packet blocks (pcapng) that start before byte `offset`, walked by their length fields alone (0 for a file shorter than a pcap header). */
export function recordsBefore(bytes, offset) {
  if (bytes.length < 24) return 0;
  let n = 0;
  if (bytes.readUInt32LE(0) === 0x0a0d0d0a) {
    let le = true;
    for (let at = 0; at < offset;) {
      const type = le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
      if (type === 0x0a0d0d0a) le = bytes.readUInt32LE(at + 8) === 0x1a2b3c4d;
      if (type === 2 || type === 3 || type === 6) n++;
      at += le ? bytes.readUInt32LE(at + 4) : bytes.readUInt32BE(at + 4);
    }
    return n;
  }
  const le = bytes.readUInt32LE(0) === 0xa1b2c3d4 || bytes.readUInt32LE(0) === 0xa1b23c4d;
  for (let at = 24; at < offset; n++) at += 16 + (le ? bytes.readUInt32LE(at + 8) : bytes.readUInt32BE(at + 8));
  return n;
}
