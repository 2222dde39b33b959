/*
 * Wire protocol v1, as much as the calibration programs need
 * (docs/protocol.md): a 4-byte header (u16 size including the header,
 * u16 id, little-endian) and the session-layer packets; plus what both
 * programs do around it: the system headers of a non-blocking epoll
 * socket program, the stash of a packet cut at the end of a read, signal
 * and address setup, argument parsing.
 *
 * Header-only on purpose: two programs share it and the build stays one
 * `cc` call per program. Include it after `#define _GNU_SOURCE`.
 */
#ifndef NMT_CAL_WIRE_H
#define NMT_CAL_WIRE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WIRE_HEADER_SIZE 4
#define WIRE_MAX_PACKET 65535

#define ID_SESSION_CONNECT_REQ 0x0001
#define ID_SESSION_CONNECT_RES 0x0002
#define ID_PING_REQ 0x0003
#define ID_PONG_RES 0x0004
#define ID_DISCONNECT_NOTICE 0x0005
/*
 * Calibration-only packets (not part of v1, never sent to a TestServer):
 * EchoReq of any size is answered by an EchoRes carrying the same payload.
 * They measure how the machine's limit scales with packet size.
 * Payload: clientTime u64, seq u32, padding.
 */
#define ID_ECHO_REQ 0x0F01
#define ID_ECHO_RES 0x0F02

#define SESSION_CONNECT_REQ_MIN 10
#define SESSION_CONNECT_RES_SIZE 21
#define PING_REQ_SIZE 16
#define PONG_RES_SIZE 24
#define ECHO_MIN_SIZE 16

#define CONNECT_OK 0
#define CONNECT_VERSION_MISMATCH 1

#define REASON_NOT_CONNECTED 1
#define REASON_SIZE_TOO_SMALL 2
#define REASON_SIZE_TOO_LARGE 3
#define REASON_UNKNOWN_PACKET_ID 4
#define REASON_MALFORMED_PAYLOAD 5
#define REASON_ALREADY_CONNECTED 11
#define REASON_HANDSHAKE_REJECTED 12

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32); }
static inline void wr16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void wr32(uint8_t *p, uint32_t v) {
  wr16(p, (uint16_t)v);
  wr16(p + 2, (uint16_t)(v >> 16));
}
static inline void wr64(uint8_t *p, uint64_t v) {
  wr32(p, (uint32_t)v);
  wr32(p + 4, (uint32_t)(v >> 32));
}

/* µs since the Unix epoch: what clientTime and serverTime carry. */
static inline uint64_t now_epoch_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Monotonic ms, for deadlines and measurement windows. */
static inline double now_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------ program support */

static inline void wire_die_oom(void) {
  fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
  exit(1);
}

/* Parses a decimal long in [min, max]; 0 on anything else. */
static inline int wire_parse_long(const char *s, long min, long max, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max) return 0;
  *out = v;
  return 1;
}

/* SIGINT and SIGTERM call `handler` (no SA_RESTART: epoll_wait returns EINTR); SIGPIPE is ignored. */
static inline void wire_install_signals(void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = handler;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

/* Fills an IPv4 address; 0 when `host` is not a dotted IPv4 address. */
static inline int wire_ipv4(struct sockaddr_in *addr, const char *host, long port) {
  memset(addr, 0, sizeof(*addr));
  addr->sin_family = AF_INET;
  addr->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, host, &addr->sin_addr) == 1;
}

/* ------------------------------------------------------------ framing */

/*
 * A packet cut at the end of a read: its first bytes so far, in a buffer
 * grown by doubling. Whole packets are handled in place in the read buffer;
 * only a cut one is copied here.
 */
struct wire_stash {
  uint8_t *buf;
  uint32_t len, cap;
};

/* Grows `*buf` (capacity `*cap`) by doubling, from `initial`, until it holds `need` bytes. */
static inline void wire_reserve(uint8_t **buf, uint32_t *cap, uint32_t need, uint32_t initial) {
  if (need <= *cap) return;
  uint32_t c = *cap == 0 ? initial : *cap;
  while (c < need) c *= 2;
  uint8_t *grown = realloc(*buf, c);
  if (grown == NULL) wire_die_oom();
  *buf = grown;
  *cap = c;
}

static inline void wire_stash_append(struct wire_stash *s, const uint8_t *p, uint32_t n) {
  wire_reserve(&s->buf, &s->cap, s->len + n, 256);
  memcpy(s->buf + s->len, p, n);
  s->len += n;
}

/*
 * Completes the stashed packet from the front of a read `buf[*off, len)`:
 * first its header, then the rest, advancing *off. Returns the packet's size
 * when it is whole (the packet is `s->buf[0, size)` and the stash is empty
 * again), 0 when the read ended first, -1 when its size field is below the
 * header (a violation).
 */
static inline long wire_stash_complete(struct wire_stash *s, const uint8_t *buf, uint32_t len, uint32_t *off) {
  if (s->len < WIRE_HEADER_SIZE) {
    uint32_t take = WIRE_HEADER_SIZE - s->len;
    if (take > len - *off) take = len - *off;
    wire_stash_append(s, buf + *off, take);
    *off += take;
    if (s->len < WIRE_HEADER_SIZE) return 0;
  }
  uint32_t size = rd16(s->buf);
  if (size < WIRE_HEADER_SIZE) return -1;
  uint32_t take = size - s->len;
  if (take > len - *off) take = len - *off;
  wire_stash_append(s, buf + *off, take);
  *off += take;
  if (s->len < size) return 0;
  s->len = 0;
  return (long)size;
}

#endif
