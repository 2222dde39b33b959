/*
 * pong-server: the smallest server speaking wire protocol v1 that a careful
 * C programmer would write — one thread, one epoll set, edge-triggered,
 * non-blocking sockets, one send() per connection per read burst. It is the
 * reference the TestServer is measured against ("the machine's limit"), so
 * it does the same work per packet and nothing more:
 *
 *   SessionConnectReq  -> SessionConnectRes (OK, session id, server time)
 *   PingReq            -> PongRes (clientTime and seq copied, server time)
 *   EchoReq (0x0F01)   -> EchoRes (0x0F02), same payload  [calibration only]
 *   anything else      -> DisconnectNotice with the v1 reason, then close
 *
 * Receive path (the same idea as protocol/decoder.ts):
 *
 *   read() into one shared 256 KiB buffer ─▶ whole packets handled in place
 *                                          └▶ a packet cut at the end is
 *                                             stashed per connection and
 *                                             completed by the next read
 *
 * Usage: pong-server [--host 127.0.0.1] [--port 0] [--backlog 4096]
 *                    [--max-connections N] [--max-outbound-bytes B]
 * Prints {"event":"ready","host":…,"port":…,"pid":…} on stdout once
 * listening; on SIGINT/SIGTERM prints {"event":"stopped",…counters} and
 * exits 0. Exit 2: bad arguments; 1: cannot listen.
 */
#define _GNU_SOURCE
#include <fcntl.h>

#include "wire.h"

#define READ_BUFFER_SIZE (256 * 1024)
#define MAX_EVENTS 1024
#define LISTEN_TAG UINT64_MAX

enum { C_FREE = 0, C_OPEN, C_CONNECTED, C_CLOSING };

struct conn {
  int fd;
  int state;
  uint64_t session_id;
  /* A packet split across reads: its first bytes so far. */
  struct wire_stash stash;
  /* Responses waiting for send(): [out_off, out_len). */
  uint8_t *out;
  uint32_t out_off, out_len, out_cap;
};

struct counters {
  unsigned long long accepted, rejected, closed, packets_in, packets_out, bytes_in, bytes_out, violations;
};

static volatile sig_atomic_t stop_requested = 0;
static struct conn **conns; /* indexed by fd */
static int conns_cap;
static int epfd;
static int reserve_fd = -1;
static uint64_t next_session_id = 1;
static long open_connections;
static long max_connections = 1000000;
static uint32_t max_outbound = 16u * 1024u * 1024u;
static struct counters stats;
static uint8_t read_buffer[READ_BUFFER_SIZE];

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static struct conn *conn_for(int fd) {
  if (fd >= conns_cap) {
    int cap = conns_cap == 0 ? 1024 : conns_cap;
    while (cap <= fd) cap *= 2;
    struct conn **grown = realloc(conns, sizeof(*conns) * (size_t)cap);
    if (grown == NULL) wire_die_oom();
    memset(grown + conns_cap, 0, sizeof(*conns) * (size_t)(cap - conns_cap));
    conns = grown;
    conns_cap = cap;
  }
  if (conns[fd] == NULL) {
    conns[fd] = calloc(1, sizeof(struct conn));
    if (conns[fd] == NULL) wire_die_oom();
  }
  return conns[fd];
}

/* Room for `n` more outbound bytes; false when the peer is too slow (cap reached). */
static int out_reserve(struct conn *c, uint32_t n) {
  if (c->out_off > 0 && c->out_off == c->out_len) c->out_off = c->out_len = 0;
  if (c->out_len + n <= c->out_cap) return 1;
  if (c->out_len - c->out_off + n > max_outbound) return 0;
  if (c->out_off > 0) {
    memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
    c->out_len -= c->out_off;
    c->out_off = 0;
    if (c->out_len + n <= c->out_cap) return 1;
  }
  wire_reserve(&c->out, &c->out_cap, c->out_len + n, 4096);
  return 1;
}

static void conn_close(struct conn *c) {
  if (c->state == C_FREE) return;
  close(c->fd); /* also removes it from the epoll set */
  c->state = C_FREE;
  c->stash.len = 0;
  c->out_off = c->out_len = 0;
  /* Keep small buffers for the next connection on this fd; drop big ones. */
  if (c->stash.cap > 65536) {
    free(c->stash.buf);
    c->stash.buf = NULL;
    c->stash.cap = 0;
  }
  if (c->out_cap > 65536) {
    free(c->out);
    c->out = NULL;
    c->out_cap = 0;
  }
  open_connections--;
  stats.closed++;
}

/* Queues a DisconnectNotice and marks the connection to close once it is sent. */
static void conn_violation(struct conn *c, uint16_t reason, const char *text) {
  size_t len = strlen(text);
  uint32_t size = 8 + (uint32_t)len;
  stats.violations++;
  if (out_reserve(c, size)) {
    uint8_t *p = c->out + c->out_len;
    wr16(p, (uint16_t)size);
    wr16(p + 2, ID_DISCONNECT_NOTICE);
    wr16(p + 4, reason);
    wr16(p + 6, (uint16_t)len);
    memcpy(p + 8, text, len);
    c->out_len += size;
    stats.packets_out++;
  }
  c->state = C_CLOSING;
}

static void write_connect_res(struct conn *c, uint8_t result, uint64_t session_id) {
  if (!out_reserve(c, SESSION_CONNECT_RES_SIZE)) {
    c->state = C_CLOSING;
    return;
  }
  uint8_t *p = c->out + c->out_len;
  wr16(p, SESSION_CONNECT_RES_SIZE);
  wr16(p + 2, ID_SESSION_CONNECT_RES);
  p[4] = result;
  wr64(p + 5, session_id);
  wr64(p + 13, now_epoch_us());
  c->out_len += SESSION_CONNECT_RES_SIZE;
  stats.packets_out++;
}

/* One complete packet at p[0..size). */
static void handle_packet(struct conn *c, const uint8_t *p, uint32_t size) {
  uint16_t id = rd16(p + 2);
  stats.packets_in++;
  switch (id) {
    case ID_PING_REQ: {
      if (c->state != C_CONNECTED) return conn_violation(c, REASON_NOT_CONNECTED, "PingReq before SessionConnectReq");
      if (size != PING_REQ_SIZE) return conn_violation(c, REASON_MALFORMED_PAYLOAD, "PingReq must be 16 bytes");
      if (!out_reserve(c, PONG_RES_SIZE)) return conn_violation(c, REASON_MALFORMED_PAYLOAD, "slow consumer");
      uint8_t *o = c->out + c->out_len;
      wr16(o, PONG_RES_SIZE);
      wr16(o + 2, ID_PONG_RES);
      memcpy(o + 4, p + 4, 8); /* clientTime, opaque */
      wr64(o + 12, now_epoch_us());
      memcpy(o + 20, p + 12, 4); /* seq */
      c->out_len += PONG_RES_SIZE;
      stats.packets_out++;
      return;
    }
    case ID_ECHO_REQ: {
      if (c->state != C_CONNECTED) return conn_violation(c, REASON_NOT_CONNECTED, "EchoReq before SessionConnectReq");
      if (!out_reserve(c, size)) return conn_violation(c, REASON_MALFORMED_PAYLOAD, "slow consumer");
      uint8_t *o = c->out + c->out_len;
      memcpy(o, p, size);
      wr16(o + 2, ID_ECHO_RES);
      c->out_len += size;
      stats.packets_out++;
      return;
    }
    case ID_SESSION_CONNECT_REQ: {
      if (c->state == C_CONNECTED) return conn_violation(c, REASON_ALREADY_CONNECTED, "already connected");
      if (size < SESSION_CONNECT_REQ_MIN || size != (uint32_t)SESSION_CONNECT_REQ_MIN + rd16(p + 8)) {
        return conn_violation(c, REASON_MALFORMED_PAYLOAD, "SessionConnectReq: tokenLength does not match the size");
      }
      if (rd32(p + 4) != 1) {
        write_connect_res(c, CONNECT_VERSION_MISMATCH, 0);
        return conn_violation(c, REASON_HANDSHAKE_REJECTED, "only protocol version 1 is supported");
      }
      c->session_id = next_session_id++;
      write_connect_res(c, CONNECT_OK, c->session_id);
      if (c->state != C_CLOSING) c->state = C_CONNECTED;
      return;
    }
    default:
      return conn_violation(c, REASON_UNKNOWN_PACKET_ID, "unknown packet id");
  }
}

/*
 * Handles the whole packets in buf[0..len); returns how many bytes were
 * used (the rest is a partial packet), or -1 after a framing violation.
 */
static long handle_bytes(struct conn *c, const uint8_t *buf, uint32_t len) {
  uint32_t off = 0;
  while (len - off >= WIRE_HEADER_SIZE && c->state != C_CLOSING) {
    uint32_t size = rd16(buf + off);
    if (size < WIRE_HEADER_SIZE) {
      conn_violation(c, REASON_SIZE_TOO_SMALL, "size below the 4-byte header");
      return -1;
    }
    if (len - off < size) break;
    handle_packet(c, buf + off, size);
    off += size;
  }
  return off;
}

/* Feeds one read: completes a stashed packet first, then handles the rest in place. */
static void feed(struct conn *c, const uint8_t *buf, uint32_t len) {
  uint32_t off = 0;
  if (c->stash.len > 0) {
    long size = wire_stash_complete(&c->stash, buf, len, &off);
    if (size < 0) {
      conn_violation(c, REASON_SIZE_TOO_SMALL, "size below the 4-byte header");
      return;
    }
    if (size == 0) return;
    handle_packet(c, c->stash.buf, (uint32_t)size);
    if (c->state == C_CLOSING) return;
  }
  long used = handle_bytes(c, buf + off, len - off);
  if (used < 0 || c->state == C_CLOSING) return;
  off += (uint32_t)used;
  if (off < len) wire_stash_append(&c->stash, buf + off, len - off);
}

/* Sends what is queued; closes when a closing connection is flushed or the peer is gone. */
static void flush_out(struct conn *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
    if (n > 0) {
      c->out_off += (uint32_t)n;
      stats.bytes_out += (unsigned long long)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return; /* EPOLLOUT resumes */
    conn_close(c);
    return;
  }
  c->out_off = c->out_len = 0;
  if (c->state == C_CLOSING) conn_close(c);
}

static void on_readable(struct conn *c) {
  for (;;) {
    ssize_t n = recv(c->fd, read_buffer, sizeof(read_buffer), 0);
    if (n > 0) {
      stats.bytes_in += (unsigned long long)n;
      feed(c, read_buffer, (uint32_t)n);
      if (c->state == C_CLOSING) break;
      if ((size_t)n < sizeof(read_buffer)) break; /* drained (edge-triggered: a short read means empty) */
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    conn_close(c); /* EOF or error */
    return;
  }
  flush_out(c);
}

static void accept_all(int lfd) {
  for (;;) {
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if ((errno == EMFILE || errno == ENFILE) && reserve_fd >= 0) {
        /* Out of files: take the connection with the reserve fd and close it,
           so it does not sit in the backlog forever. */
        close(reserve_fd);
        int drop = accept(lfd, NULL, NULL);
        if (drop >= 0) close(drop);
        reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        stats.rejected++;
        continue;
      }
      return; /* EAGAIN, or a transient error: the next event retries */
    }
    if (open_connections >= max_connections) {
      close(fd);
      stats.rejected++;
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct conn *c = conn_for(fd);
    c->fd = fd;
    c->state = C_OPEN;
    c->stash.len = 0;
    c->out_off = c->out_len = 0;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u64 = (uint64_t)fd};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
      close(fd);
      c->state = C_FREE;
      continue;
    }
    open_connections++;
    stats.accepted++;
  }
}

static void usage(FILE *to) {
  fputs(
      "usage: pong-server [--host 127.0.0.1] [--port 0] [--backlog 4096]\n"
      "                   [--max-connections N] [--max-outbound-bytes B]\n"
      "Wire protocol v1 reference server (calibration). Prints a JSON ready line.\n",
      to);
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  long port = 0, backlog = 4096, outbound = max_outbound;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int ok = 1;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--host") == 0 && v != NULL) {
      host = v;
    } else if (strcmp(a, "--port") == 0 && v != NULL) {
      ok = wire_parse_long(v, 0, 65535, &port);
    } else if (strcmp(a, "--backlog") == 0 && v != NULL) {
      ok = wire_parse_long(v, 1, 1 << 20, &backlog);
    } else if (strcmp(a, "--max-connections") == 0 && v != NULL) {
      ok = wire_parse_long(v, 1, 100000000, &max_connections);
    } else if (strcmp(a, "--max-outbound-bytes") == 0 && v != NULL) {
      ok = wire_parse_long(v, 1024, 1L << 30, &outbound);
    } else {
      fprintf(stderr, "pong-server: unknown option or missing value: %s\n", a);
      usage(stderr);
      return 2;
    }
    if (!ok) {
      fprintf(stderr, "pong-server: bad value for %s: %s\n", a, v);
      return 2;
    }
    i++;
  }
  max_outbound = (uint32_t)outbound;

  wire_install_signals(on_signal);

  struct sockaddr_in addr;
  if (!wire_ipv4(&addr, host, port)) {
    fprintf(stderr, "pong-server: --host must be an IPv4 address, got %s\n", host);
    return 2;
  }
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, (int)backlog) < 0) {
    fprintf(stderr, "pong-server: cannot listen on %s:%ld: %s\n", host, port, strerror(errno));
    return 1;
  }
  socklen_t alen = sizeof(addr);
  getsockname(lfd, (struct sockaddr *)&addr, &alen);
  reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

  epfd = epoll_create1(EPOLL_CLOEXEC);
  /* The listener is level-triggered: a backlog left by EMFILE is retried. */
  struct epoll_event lev = {.events = EPOLLIN, .data.u64 = LISTEN_TAG};
  if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev) < 0) {
    fprintf(stderr, "pong-server: epoll: %s\n", strerror(errno));
    return 1;
  }
  printf("{\"event\":\"ready\",\"host\":\"%s\",\"port\":%u,\"pid\":%d}\n", host, (unsigned)ntohs(addr.sin_port), (int)getpid());
  fflush(stdout);

  struct epoll_event events[MAX_EVENTS];
  while (!stop_requested) {
    int n = epoll_wait(epfd, events, MAX_EVENTS, 1000);
    if (n < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "pong-server: epoll_wait: %s\n", strerror(errno));
      return 1;
    }
    for (int i = 0; i < n; i++) {
      if (events[i].data.u64 == LISTEN_TAG) {
        accept_all(lfd);
        continue;
      }
      int fd = (int)events[i].data.u64;
      struct conn *c = fd < conns_cap ? conns[fd] : NULL;
      if (c == NULL || c->state == C_FREE) continue;
      uint32_t ev = events[i].events;
      if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        on_readable(c);
      } else if (ev & EPOLLOUT) {
        flush_out(c);
      }
    }
  }
  printf(
      "{\"event\":\"stopped\",\"accepted\":%llu,\"rejected\":%llu,\"closed\":%llu,\"open\":%ld,"
      "\"packetsIn\":%llu,\"packetsOut\":%llu,\"bytesIn\":%llu,\"bytesOut\":%llu,\"violations\":%llu}\n",
      stats.accepted, stats.rejected, stats.closed, open_connections, stats.packets_in, stats.packets_out, stats.bytes_in,
      stats.bytes_out, stats.violations);
  fflush(stdout);
  return 0;
}
