/*
 * Wire protocol v1, as much as the calibration programs need
 * (docs/protocol.md): a 4-byte header (u16 size including the header,
 * u16 id, little-endian) and the session-layer packets.
 *
 * Header-only on purpose: two programs share it and the build stays one
 * `cc` call per program.
 */
#ifndef NMT_CAL_WIRE_H
#define NMT_CAL_WIRE_H

#include <stdint.h>
#include <string.h>
#include <time.h>

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

#endif
