// flowprobe-capture: the privileged capture shim. It opens AF_PACKET sockets with a
// TPACKET_V3 ring (Linux Documentation/networking/packet_mmap.rst) on one or more
// interfaces, and streams the packets to flowprobe over stdout as batches of the batch
// records that assembly/layout.ts defines (BR_*; build/batch.h is generated from it), so the
// host copies a whole batch into Wasm memory and makes one call.
//
// Only this program needs CAP_NET_RAW (and CAP_NET_ADMIN for --promisc): give the installed
// file the capabilities (setcap cap_net_raw,cap_net_admin=ep flowprobe-capture) and run
// flowprobe itself unprivileged. libpcap is used for one thing only: compiling --filter to
// classic BPF (pcap_compile), which the kernel runs (SO_ATTACH_FILTER).
//
// Messages on stdout (or on --output, a FIFO the host reads straight into Wasm memory):
// [u32 type, u32 length] then `length` bytes, host byte order; the types (FP_*) come from
// assembly/layout.ts through build/batch.h, as the host and the cap child read them.
//   FP_BATCH  u32 records, u32 0, then the records (each BR_HEADER + bytes, padded to 8)
//   FP_STATS  u64 packets (drops included), u64 drops, u64 ring freezes: the kernel's totals
//              since start (PACKET_STATISTICS), every interface's summed (closed ones too);
//              u64 interfaces open. Once a second, after the batches of the packets it counts
//   FP_IFACE  u32 ifindex, then the interface name: an interface was (re)opened
//   FP_RING   one per interface of -i (in its order), just before each FP_STATS: u64 packets
//              (drops included), u64 drops, u64 ring freezes, the interface's own since start
//              (what its sockets counted before they closed included: an interface deleted
//              and made again under a new ifindex keeps adding to its row, which is keyed by
//              the name); u32 the number its flows carry (ifindex or --ifindex-map number; the
//              last it had, 0 for any or never opened); u32 1 while open, 0 while awaited;
//              then the name as -i gave it ("any"), to the message's end (FP_RING_NAME = 32)
// Diagnostics go to stderr, one line each. It exits when its output's reader goes away
// (EPIPE), when stdin ends or on SIGTERM/SIGINT (after writing what it holds), or on a usage
// error (status 2).

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "capture-options.h" // the ranges and defaults of --snaplen, --blocks, --block-timeout: the option schema's

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

enum { MAX_IFACES = 32, BATCH_BYTES = 512 * 1024, FRAME_SIZE = 2048 };
enum { LINKTYPE_ETHERNET = 1, LINKTYPE_RAW = 101, LINKTYPE_UNKNOWN = 0xffff };
static const int STATS_INTERVAL_MS = 1000;
static const int RETRY_INTERVAL_MS = 1000;

struct iface {
  char name[IF_NAMESIZE];
  int ifindex; // 0 = every interface ("any")
  int fd;      // -1 while closed (waiting for the interface)
  uint8_t *ring;
  unsigned block;         // the next block to look at
  int filter_outgoing;    // PACKET_IGNORE_OUTGOING unavailable: drop them here
  int64_t next_retry_ms;
  uint64_t packets, drops, freezes; // its kernel counts since start, over every socket it had
  uint32_t number;                  // the number its flows carried when it was last open
};

static struct {
  struct iface ifaces[MAX_IFACES];
  int count;
  int promisc;
  int ingress_only;
  unsigned snaplen;
  unsigned block_size, block_nr, block_timeout_ms;
  const char *filter; // the --filter expression ("" = everything)
} cfg = { .snaplen = FP_SNAPLEN_DEFAULT, .ingress_only = 1, .block_size = FP_BLOCK_KIB_DEFAULT * 1024u, .block_nr = FP_BLOCKS_DEFAULT,
          .block_timeout_ms = FP_BLOCK_TIMEOUT_MS_DEFAULT };

// --ifindex-map: stable interface numbers (like ipt_NETFLOW's snmp-rules), so a ppp0 that
// gets a new ifindex at every reconnect keeps its number at the collector
enum { MAX_MAPS = 64, MAP_CACHE = 4096 };
static struct { char name[IF_NAMESIZE]; uint32_t number; } maps[MAX_MAPS];
static int nmaps;
static uint32_t map_cache[MAP_CACHE]; // ifindex → its number + 1 (0: not looked up yet)

/** The number flows carry for an ifindex: its --ifindex-map number, else the ifindex. */
static uint32_t number_of(int ifindex) {
  if (nmaps == 0 || ifindex <= 0) return (uint32_t)ifindex;
  if (ifindex < MAP_CACHE && map_cache[ifindex]) return map_cache[ifindex] - 1;
  uint32_t v = (uint32_t)ifindex;
  char name[IF_NAMESIZE];
  if (if_indextoname((unsigned)ifindex, name)) {
    for (int i = 0; i < nmaps; i++) if (strcmp(maps[i].name, name) == 0) v = maps[i].number;
  }
  if (ifindex < MAP_CACHE) map_cache[ifindex] = v + 1;
  return v;
}

static uint8_t batch[8 + BATCH_BYTES];
static size_t batch_len;
static uint32_t batch_records;
static volatile sig_atomic_t stopping;
static int out_fd = STDOUT_FILENO; // or --output FIFO

static void say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("flowprobe-capture: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/** Writes all of buf to stdout; exits quietly when the reader is gone. */
static void write_all(const void *buf, size_t len) {
  const uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = write(out_fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EPIPE) say("writing to flowprobe: %s", strerror(errno));
      exit(0);
    }
    p += n;
    len -= (size_t)n;
  }
}

_Static_assert(2 * sizeof(uint32_t) == FP_HEADER, "a message header is two u32 (assembly/layout.ts FP_HEADER)");
_Static_assert(3 * sizeof(uint64_t) + 2 * sizeof(uint32_t) == FP_RING_NAME, "FP_RING: three u64 and two u32 before the name (assembly/layout.ts FP_RING_NAME)");

static void message(uint32_t type, const void *payload, uint32_t len) {
  uint32_t hdr[2] = { type, len };
  write_all(hdr, sizeof hdr);
  write_all(payload, len);
}

static void flush_batch(void) {
  if (batch_records == 0) return;
  uint32_t *head = (uint32_t *)batch;
  head[0] = batch_records;
  head[1] = 0;
  message(FP_BATCH, batch, (uint32_t)(8 + batch_len));
  batch_len = 0;
  batch_records = 0;
}

/** The link type of a packet's bytes as SOCK_RAW gives them, from the device type. */
static uint16_t linktype_of(unsigned short hatype) {
  switch (hatype) {
  case ARPHRD_ETHER:
  case ARPHRD_LOOPBACK: // lo carries an all-zero Ethernet header
    return LINKTYPE_ETHERNET;
  case ARPHRD_PPP: // no link header on Linux PPP, TUN, WireGuard, IP tunnels
  case ARPHRD_NONE:
  case 519: // ARPHRD_RAWIP
  case ARPHRD_TUNNEL:
  case ARPHRD_TUNNEL6:
  case ARPHRD_SIT:
  case ARPHRD_IPGRE:
    return LINKTYPE_RAW;
  default:
    return LINKTYPE_UNKNOWN; // counted as skipped by the meter (unknown link type)
  }
}

static void add_packet(const struct tpacket3_hdr *h, const struct sockaddr_ll *sll) {
  uint32_t cap = h->tp_snaplen < cfg.snaplen ? h->tp_snaplen : cfg.snaplen;
  size_t rec = BR_HEADER + ((cap + 7u) & ~7u);
  if (batch_len + rec > BATCH_BYTES) flush_batch();
  uint8_t *r = batch + 8 + batch_len;
  memset(r, 0, BR_HEADER);
  uint64_t ts = (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec;
  uint32_t wire = h->tp_len, ifindex = number_of(sll->sll_ifindex);
  uint16_t linktype = linktype_of(sll->sll_hatype), tci = 0, tpid = 0;
  if (h->tp_status & TP_STATUS_VLAN_VALID) {
    tci = h->hv1.tp_vlan_tci;
    tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid : ETH_P_8021Q;
  }
  memcpy(r + BR_TS_NS, &ts, 8);
  memcpy(r + BR_WIRE_LEN, &wire, 4);
  memcpy(r + BR_CAP_LEN, &cap, 4);
  memcpy(r + BR_IFINDEX, &ifindex, 4);
  r[BR_PKTTYPE] = sll->sll_pkttype;
  memcpy(r + BR_LINKTYPE, &linktype, 2);
  memcpy(r + BR_VLAN_TCI, &tci, 2);
  memcpy(r + BR_VLAN_TPID, &tpid, 2);
  memcpy(r + BR_HEADER, (const uint8_t *)h + h->tp_mac, cap);
  memset(r + BR_HEADER + cap, 0, rec - BR_HEADER - cap);
  batch_len += rec;
  batch_records++;
}

/** Adds f's socket's kernel counts since the last reading to f's (reading them resets them). */
static void take_stats(struct iface *f) {
  struct tpacket_stats_v3 st;
  socklen_t len = sizeof st;
  if (getsockopt(f->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
    f->packets += st.tp_packets;
    f->drops += st.tp_drops;
    f->freezes += st.tp_freeze_q_cnt;
  }
}

static void close_iface(struct iface *f) {
  if (f->fd >= 0) take_stats(f); // what it counted before it went
  if (f->ring) munmap(f->ring, (size_t)cfg.block_size * cfg.block_nr);
  if (f->fd >= 0) close(f->fd);
  f->ring = NULL;
  f->fd = -1;
  f->block = 0;
}

/** Opens f's socket and ring. Returns 0, or -1 with errno (the interface may come later). */
static int open_iface(struct iface *f) {
  if (f->name[0] != '\0') {
    f->ifindex = (int)if_nametoindex(f->name);
    if (f->ifindex == 0) return -1;
  }
  int fd = socket(AF_PACKET, SOCK_RAW, 0); // protocol 0: nothing arrives before bind
  if (fd < 0) return -1;
  f->fd = fd;
  int v3 = TPACKET_V3;
  struct tpacket_req3 req = {
    .tp_block_size = cfg.block_size,
    .tp_block_nr = cfg.block_nr,
    .tp_frame_size = FRAME_SIZE,
    .tp_frame_nr = cfg.block_size / FRAME_SIZE * cfg.block_nr,
    .tp_retire_blk_tov = cfg.block_timeout_ms,
  };
  int one = 1;
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v3, sizeof v3) < 0) goto fail;
  if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) goto fail;
  f->ring = mmap(NULL, (size_t)cfg.block_size * cfg.block_nr, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (f->ring == MAP_FAILED) {
    f->ring = NULL;
    goto fail;
  }
  // the filter, compiled for this interface's link type; it also cuts each packet to the snap
  // length in the kernel (its "ret #snaplen")
  {
    struct ifreq ifr = { 0 };
    int dlt = DLT_EN10MB;
    if (f->name[0] != '\0') {
      snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", f->name);
      if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 && linktype_of(ifr.ifr_hwaddr.sa_family) == LINKTYPE_RAW) dlt = DLT_RAW;
    }
    struct bpf_program prog;
    pcap_t *dead = pcap_open_dead(dlt, (int)cfg.snaplen);
    if (!dead || pcap_compile(dead, &prog, cfg.filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
      say("%s: --filter \"%s\" for its link type (%s): %s", f->name, cfg.filter, dlt == DLT_RAW ? "raw IP" : "Ethernet", dead ? pcap_geterr(dead) : "libpcap failed");
      if (dead) pcap_close(dead);
      errno = EINVAL;
      goto fail;
    }
    struct sock_fprog fprog = { .len = (unsigned short)prog.bf_len, .filter = (struct sock_filter *)prog.bf_insns }; // same layout as struct bpf_insn
    int r = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog);
    pcap_freecode(&prog);
    pcap_close(dead);
    if (r < 0) goto fail;
  }
  f->filter_outgoing = 0;
  if (cfg.ingress_only && setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0) f->filter_outgoing = 1;
  struct sockaddr_ll addr = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = f->ifindex };
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) goto fail;
  if (cfg.promisc && f->ifindex != 0) {
    // a membership, not IFF_PROMISC: the kernel takes it back when the socket closes
    struct packet_mreq mr = { .mr_ifindex = f->ifindex, .mr_type = PACKET_MR_PROMISC };
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) goto fail;
  }
  uint8_t msg[4 + IF_NAMESIZE];
  memset(map_cache, 0, sizeof map_cache); // an interface came (back): names may have moved
  uint32_t idx = number_of(f->ifindex);
  f->number = idx;
  memcpy(msg, &idx, 4);
  size_t nlen = strlen(f->name[0] ? f->name : "any");
  memcpy(msg + 4, f->name[0] ? f->name : "any", nlen);
  message(FP_IFACE, msg, (uint32_t)(4 + nlen));
  return 0;
fail: {
  int e = errno;
  close_iface(f);
  errno = e;
  return -1;
}
}

/** Hands every block the kernel has filled to the batch. */
static void drain_ring(struct iface *f) {
  for (unsigned seen = 0; seen < cfg.block_nr; seen++) {
    struct tpacket_block_desc *bd = (struct tpacket_block_desc *)(f->ring + (size_t)f->block * cfg.block_size);
    // acquire: the packet bytes are read only after the kernel's hand-over is seen (weakly
    // ordered CPUs, such as the ARM and MIPS of many routers), as libpcap does
    if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) return;
    const uint8_t *p = (const uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
    for (uint32_t i = 0; i < bd->hdr.bh1.num_pkts; i++) {
      const struct tpacket3_hdr *h = (const struct tpacket3_hdr *)p;
      const struct sockaddr_ll *sll = (const struct sockaddr_ll *)(p + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
      if (!(f->filter_outgoing && sll->sll_pkttype == PACKET_OUTGOING)) add_packet(h, sll);
      p += h->tp_next_offset;
    }
    __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    f->block = (f->block + 1) % cfg.block_nr;
  }
}

/** The interface f was open on is gone: hand over what its ring holds, close it, and try to
 * open it again under its name from the next loop on. */
static void lose_iface(struct iface *f, const char *why) {
  say("%s went away (%s); waiting for it to come back", f->name, why);
  drain_ring(f);
  close_iface(f);
  f->next_retry_ms = now_ms();
}

/** After POLLERR: the interface went down (same ifindex: the kernel resumes by itself when
 * it comes up) or went away (deleted, or recreated with a new ifindex: reopen it). */
static void check_iface(struct iface *f) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (f->name[0] == '\0') return;
  int now_index = (int)if_nametoindex(f->name);
  if (now_index == f->ifindex) {
    if (err) say("%s: %s; capture resumes when it is up again", f->name, strerror(err));
    return;
  }
  lose_iface(f, err ? strerror(err) : "no such device");
}

static void send_stats(void) {
  memset(map_cache, 0, sizeof map_cache); // once a second: interfaces renamed or recreated
  uint32_t up = 0;
  for (int i = 0; i < cfg.count; i++) {
    struct iface *f = &cfg.ifaces[i];
    if (f->fd < 0) continue;
    // an interface taken down and then deleted raises no second error on the socket: look
    // for a new ifindex under its name once a second (pppd does exactly this with ppp0)
    if (f->name[0] != '\0' && (int)if_nametoindex(f->name) != f->ifindex) {
      lose_iface(f, "its ifindex is gone");
      continue;
    }
    up++;
    take_stats(f);
  }
  flush_batch(); // counts after the packets they count
  uint64_t m[4] = { 0, 0, 0, up };
  for (int i = 0; i < cfg.count; i++) {
    struct iface *f = &cfg.ifaces[i];
    uint8_t ring[FP_RING_NAME + IF_NAMESIZE];
    uint64_t counts[3] = { f->packets, f->drops, f->freezes };
    uint32_t state[2] = { f->number, f->fd >= 0 };
    const char *name = f->name[0] ? f->name : "any";
    size_t nlen = strlen(name);
    memcpy(ring, counts, sizeof counts);
    memcpy(ring + sizeof counts, state, sizeof state);
    memcpy(ring + FP_RING_NAME, name, nlen);
    message(FP_RING, ring, (uint32_t)(FP_RING_NAME + nlen));
    m[0] += f->packets;
    m[1] += f->drops;
    m[2] += f->freezes;
  }
  message(FP_STATS, m, sizeof m);
}

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static void usage(void) {
  fputs("usage: flowprobe-capture -i IF[,IF…]|any [--promisc] [--snaplen N] [--direction in|both]\n"
        "       [--filter EXPR] [--block-size KiB] [--blocks N] [--block-timeout MS] [--output FIFO]\n"
        "       [--ifindex-map NAME=N[,…]]\n"
        "Streams batches of packets to flowprobe on stdout (started by flowprobe -i).\n", stderr);
}

static unsigned number(const char *opt, const char *s, unsigned lo, unsigned hi) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *s == '\0' || *end != '\0' || v < lo || v > hi) {
    say("--%s %s: expected a whole number from %u to %u", opt, s, lo, hi);
    exit(2);
  }
  return (unsigned)v;
}

int main(int argc, char **argv) {
  static const struct option longopts[] = {
    { "interfaces", required_argument, 0, 'i' }, { "promisc", no_argument, 0, 'p' },
    { "snaplen", required_argument, 0, 's' }, { "direction", required_argument, 0, 'd' },
    { "filter", required_argument, 0, 'f' }, { "block-size", required_argument, 0, 'b' },
    { "blocks", required_argument, 0, 'n' }, { "block-timeout", required_argument, 0, 't' },
    { "output", required_argument, 0, 'o' }, { "ifindex-map", required_argument, 0, 'm' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
  };
  const char *ifaces = NULL, *filter = "", *output = NULL;
  for (int c; (c = getopt_long(argc, argv, "i:ps:d:f:b:n:t:o:m:h", longopts, NULL)) != -1;) {
    switch (c) {
    case 'i': ifaces = optarg; break;
    case 'p': cfg.promisc = 1; break;
    case 's': cfg.snaplen = number("snaplen", optarg, FP_SNAPLEN_MIN, FP_SNAPLEN_MAX); break;
    case 'd':
      if (strcmp(optarg, "in") == 0) cfg.ingress_only = 1;
      else if (strcmp(optarg, "both") == 0) cfg.ingress_only = 0;
      else { say("--direction %s: expected in or both", optarg); return 2; }
      break;
    case 'f': filter = optarg; break;
    case 'b': cfg.block_size = number("block-size", optarg, 4, 65536) * 1024u; break;
    case 'n': cfg.block_nr = number("blocks", optarg, FP_BLOCKS_MIN, FP_BLOCKS_MAX); break;
    case 't': cfg.block_timeout_ms = number("block-timeout", optarg, FP_BLOCK_TIMEOUT_MS_MIN, FP_BLOCK_TIMEOUT_MS_MAX); break;
    case 'o': output = optarg; break;
    case 'm':
      for (char *save = NULL, *item = strtok_r(optarg, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq || eq == item || (size_t)(eq - item) >= IF_NAMESIZE || nmaps == MAX_MAPS) {
          say("--ifindex-map %s: expected NAME=NUMBER (at most %d)", item, MAX_MAPS);
          return 2;
        }
        *eq = '\0';
        strcpy(maps[nmaps].name, item);
        maps[nmaps++].number = number("ifindex-map", eq + 1, 1, 0x7fffffff);
      }
      break;
    case 'h': usage(); return 0;
    default: usage(); return 2;
    }
  }
  if (!ifaces || optind != argc) { usage(); return 2; }
  if (cfg.block_size % (unsigned)getpagesize() != 0) { say("--block-size must be a multiple of the page size"); return 2; }

  // the filter must compile (for Ethernet here; each interface compiles it for its own link
  // type when it is opened); a mistake is a usage error before anything runs
  {
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, (int)cfg.snaplen);
    struct bpf_program prog;
    if (!dead || pcap_compile(dead, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
      say("--filter \"%s\": %s", filter, dead ? pcap_geterr(dead) : "libpcap failed");
      return 2;
    }
    pcap_freecode(&prog);
    pcap_close(dead);
    cfg.filter = filter;
  }

  char list[1024];
  snprintf(list, sizeof list, "%s", ifaces);
  for (char *save = NULL, *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
    if (cfg.count == MAX_IFACES) { say("at most %d interfaces", MAX_IFACES); return 2; }
    if (strlen(name) >= IF_NAMESIZE) { say("interface name %s is too long", name); return 2; }
    struct iface *f = &cfg.ifaces[cfg.count++];
    memset(f, 0, sizeof *f);
    f->fd = -1;
    if (strcmp(name, "any") != 0) strcpy(f->name, name);
    if (f->name[0] == '\0' && cfg.promisc) say("--promisc does not apply to any: set each interface promiscuous by name");
    if (f->name[0] == '\0' && filter[0] != '\0') {
      // "any" mixes link types (Ethernet, PPP, tunnels): one filter cannot read them all
      say("--filter with any: the interfaces differ in link type; name the interfaces instead");
      return 2;
    }
  }

  // --output: a FIFO the host made and reads straight into Wasm memory (opening it waits for the reader)
  if (output) {
    out_fd = open(output, O_WRONLY | O_CLOEXEC);
    if (out_fd < 0) { say("--output %s: %s", output, strerror(errno)); return 2; }
  }
  // a pipe as large as a batch: one write per batch, fewer wake-ups of the host
  fcntl(out_fd, F_SETPIPE_SZ, BATCH_BYTES + 4096);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa = { .sa_handler = on_signal };
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  for (int i = 0; i < cfg.count; i++) {
    struct iface *f = &cfg.ifaces[i];
    if (open_iface(f) == 0) continue;
    if (errno == EINVAL) return 2; // the filter does not fit its link type (said above)
    if (errno == EPERM || errno == EACCES) {
      say("%s: %s: needs CAP_NET_RAW%s (run as root, or setcap cap_net_raw,cap_net_admin=ep on this file)",
          f->name[0] ? f->name : "any", strerror(errno), cfg.promisc ? " and CAP_NET_ADMIN" : "");
      return 1;
    }
    say("%s: %s; waiting for it", f->name[0] ? f->name : "any", strerror(errno));
    f->next_retry_ms = now_ms() + RETRY_INTERVAL_MS;
  }

  int64_t next_stats = now_ms() + STATS_INTERVAL_MS;
  struct pollfd pfd[MAX_IFACES + 2];
  while (!stopping) {
    int n = 0;
    pfd[n++] = (struct pollfd){ .fd = out_fd, .events = 0 }; // POLLERR/POLLHUP: reader gone
    // stdin is the host's stop line: its end (the host closed it, or died) means stop, like
    // SIGTERM; it works after the host dropped the privileges it would need to signal us
    pfd[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
    for (int i = 0; i < cfg.count; i++) pfd[n++] = (struct pollfd){ .fd = cfg.ifaces[i].fd, .events = POLLIN };
    int r = poll(pfd, (nfds_t)n, 100);
    if (r < 0 && errno != EINTR) { say("poll: %s", strerror(errno)); return 1; }
    if (pfd[0].revents & (POLLERR | POLLHUP)) return 0;
    if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      char b[64];
      ssize_t got = read(STDIN_FILENO, b, sizeof b);
      if (got <= 0 && !(got < 0 && errno == EINTR)) break;
    }
    int64_t now = now_ms();
    for (int i = 0; i < cfg.count; i++) {
      struct iface *f = &cfg.ifaces[i];
      if (f->fd < 0) {
        if (now < f->next_retry_ms) continue;
        if (open_iface(f) == 0) say("%s: capturing (ifindex %d)", f->name, f->ifindex);
        else f->next_retry_ms = now + RETRY_INTERVAL_MS;
        continue;
      }
      drain_ring(f);
      if (pfd[2 + i].revents & POLLERR) check_iface(f);
    }
    flush_batch();
    if (now >= next_stats) {
      send_stats();
      next_stats = now + STATS_INTERVAL_MS;
    }
  }
  // SIGTERM/SIGINT/stdin closed: what the rings hold — after one block timeout, so the block
  // being filled is handed over too — then the final counts
  for (int i = 0; i < cfg.count; i++) if (cfg.ifaces[i].fd >= 0) drain_ring(&cfg.ifaces[i]);
  struct timespec wait = { 0, (long)(cfg.block_timeout_ms + 10) * 1000000L };
  nanosleep(&wait, NULL);
  for (int i = 0; i < cfg.count; i++) if (cfg.ifaces[i].fd >= 0) drain_ring(&cfg.ifaces[i]);
  send_stats();
  return 0;
}
