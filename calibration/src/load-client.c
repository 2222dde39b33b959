/*
 * load-client: the smallest load generator speaking wire protocol v1 that a
 * careful C programmer would write — one thread, one epoll set, non-blocking
 * sockets, one send() per connection per read burst, every latency recorded.
 * It is the reference the harness is measured against, and the driver that
 * measures a server (C pong-server vs TestServer) in the same way.
 *
 * Modes:
 *   ping       N connections, each does the SessionConnect handshake, then a
 *              closed loop keeping K PingReq in flight (a PongRes is answered
 *              by the next PingReq at once).
 *   echo       the same with EchoReq/EchoRes of --size bytes (pong-server only).
 *   handshake  N slots, each looping: TCP connect, SessionConnectReq, wait for
 *              SessionConnectRes, close — as fast as the server answers.
 *
 * Timeline: connect (ping/echo) ─▶ warmup ─▶ measured window ─▶ close all.
 * Only the window counts; the result is one JSON object on stdout:
 *   {"mode","connections","connected","inflight","size","windowMs","requests",
 *    "responses","rps","bytesIn","bytesOut","errors":{…},"latencyMicros":{…},
 *    "cpuPercent"}
 * Latencies (µs) come from a log-linear histogram with 1/64 relative
 * precision (~1.6 %), 1 µs … 60 s.
 *
 * Exit 0 after a run (check "connected" and "errors"); 1 when no connection
 * could be made; 2 on bad arguments.
 */
#define _GNU_SOURCE
#include <math.h>

#include "wire.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define READ_BUFFER_SIZE (256 * 1024)
#define MAX_EVENTS 1024
#define MAX_SOURCES 64

/* ---------------------------------------------------------------- histogram */

#define SUB_BITS 6
#define SUB_COUNT (1 << SUB_BITS)
#define HIST_MAX_US 60000000ull
#define HIST_BUCKETS (SUB_COUNT * 2 + SUB_COUNT * 26)

static unsigned long long hist[HIST_BUCKETS];
static unsigned long long hist_count, hist_max;
static double hist_sum;

/* Values below 128 µs are exact; above, 64 sub-buckets per power of two. */
static int hist_index(uint64_t v) {
  if (v < 2 * SUB_COUNT) return (int)v;
  int msb = 63 - __builtin_clzll(v);
  int shift = msb - SUB_BITS;
  int idx = 2 * SUB_COUNT + (shift - 1) * SUB_COUNT + (int)((v >> shift) - SUB_COUNT);
  return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

/* Highest value that maps to bucket `idx`. */
static uint64_t hist_value(int idx) {
  if (idx < 2 * SUB_COUNT) return (uint64_t)idx;
  int rel = idx - 2 * SUB_COUNT;
  int shift = rel / SUB_COUNT + 1;
  uint64_t mant = (uint64_t)(rel % SUB_COUNT + SUB_COUNT);
  return ((mant + 1) << shift) - 1;
}

static void hist_record(int64_t v) {
  if (v < 0) v = 0;
  if ((uint64_t)v > HIST_MAX_US) v = (int64_t)HIST_MAX_US;
  hist[hist_index((uint64_t)v)]++;
  hist_count++;
  hist_sum += (double)v;
  if ((uint64_t)v > hist_max) hist_max = (uint64_t)v;
}

static uint64_t hist_percentile(double p) {
  if (hist_count == 0) return 0;
  unsigned long long rank = (unsigned long long)ceil(p / 100.0 * (double)hist_count);
  if (rank == 0) rank = 1;
  unsigned long long seen = 0;
  for (int i = 0; i < HIST_BUCKETS; i++) {
    seen += hist[i];
    if (seen >= rank) {
      uint64_t v = hist_value(i);
      return v > hist_max ? hist_max : v;
    }
  }
  return hist_max;
}

/* -------------------------------------------------------------- connections */

enum { S_IDLE = 0, S_CONNECTING, S_HANDSHAKING, S_OPEN, S_BACKOFF };
enum { MODE_PING, MODE_ECHO, MODE_HANDSHAKE };

struct conn {
  int fd;
  int state;
  int index;
  uint32_t seq;
  double started_ms;  /* handshake mode: start of this attempt */
  double retry_at_ms; /* S_BACKOFF */
  struct wire_stash stash;
  uint8_t *out;
  uint32_t out_len, out_cap;
};

struct errors {
  unsigned long long connect, closed, rejected, protocol, timeout;
};

static struct {
  const char *host;
  long port, connections, inflight, size, warmup_ms, duration_ms, connect_timeout_ms, connect_concurrency;
  int mode;
  struct in_addr sources[MAX_SOURCES];
  int nsources;
} opt = {"127.0.0.1", 0, 100, 1, 16, 1000, 5000, 20000, 512, MODE_PING, {{0}}, 0};

static struct conn *conns;
static int epfd;
static struct sockaddr_in target;
static uint8_t read_buffer[READ_BUFFER_SIZE];
static struct errors errs;
static unsigned long long requests, responses, bytes_in, bytes_out;
static long connected_now, connecting_now, connected_peak;
static double window_start_ms, window_end_ms;
static int running = 1; /* send follow-up requests while true */
static volatile sig_atomic_t interrupted = 0;

static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
}

static int in_window(double now) { return now >= window_start_ms && now < window_end_ms; }

static void out_reserve(struct conn *c, uint32_t n) { wire_reserve(&c->out, &c->out_cap, c->out_len + n, 1024); }

static void queue_connect_req(struct conn *c) {
  out_reserve(c, SESSION_CONNECT_REQ_MIN);
  uint8_t *p = c->out + c->out_len;
  wr16(p, SESSION_CONNECT_REQ_MIN);
  wr16(p + 2, ID_SESSION_CONNECT_REQ);
  wr32(p + 4, 1);
  wr16(p + 8, 0);
  c->out_len += SESSION_CONNECT_REQ_MIN;
}

static void queue_request(struct conn *c) {
  uint32_t size = opt.mode == MODE_ECHO ? (uint32_t)opt.size : PING_REQ_SIZE;
  out_reserve(c, size);
  uint8_t *p = c->out + c->out_len;
  wr16(p, (uint16_t)size);
  wr16(p + 2, opt.mode == MODE_ECHO ? ID_ECHO_REQ : ID_PING_REQ);
  wr64(p + 4, now_epoch_us());
  wr32(p + 12, c->seq++);
  if (size > PING_REQ_SIZE) memset(p + 16, 0xA5, size - PING_REQ_SIZE);
  c->out_len += size;
  if (in_window(now_mono_ms())) requests++;
}

static void conn_close(struct conn *c) {
  if (c->fd >= 0) close(c->fd);
  if (c->state == S_OPEN) connected_now--;
  if (c->state == S_CONNECTING || c->state == S_HANDSHAKING) connecting_now--;
  c->fd = -1;
  c->state = S_IDLE;
  c->stash.len = 0;
  c->out_len = 0;
}

static void flush_out(struct conn *c) {
  uint32_t off = 0;
  while (off < c->out_len) {
    ssize_t n = send(c->fd, c->out + off, c->out_len - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += (uint32_t)n;
      if (in_window(now_mono_ms())) bytes_out += (unsigned long long)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break; /* EPOLLOUT resumes */
    errs.closed++;
    conn_close(c);
    return;
  }
  if (off > 0) {
    memmove(c->out, c->out + off, c->out_len - off);
    c->out_len -= off;
  }
}

/* Starts a non-blocking connect for `c`; 0 when it failed at once (counted). */
static int start_connect(struct conn *c) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    errs.connect++;
    return 0;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (opt.nsources > 0) {
    /* The port is chosen at connect() time, per destination: ~28k per source address. */
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
    struct sockaddr_in src;
    memset(&src, 0, sizeof(src));
    src.sin_family = AF_INET;
    src.sin_addr = opt.sources[c->index % opt.nsources];
    if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
      close(fd);
      errs.connect++;
      return 0;
    }
  }
  c->fd = fd;
  c->started_ms = now_mono_ms();
  c->seq = 0;
  c->stash.len = 0;
  c->out_len = 0;
  int rc = connect(fd, (struct sockaddr *)&target, sizeof(target));
  if (rc < 0 && errno != EINPROGRESS) {
    close(fd);
    c->fd = -1;
    errs.connect++;
    return 0;
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    close(fd);
    c->fd = -1;
    errs.connect++;
    return 0;
  }
  c->state = S_CONNECTING;
  connecting_now++;
  return 1;
}

static void backoff(struct conn *c, double now) {
  c->state = S_BACKOFF;
  c->retry_at_ms = now + 1.0;
}

/* Handshake mode: one attempt done (or failed); start the next. */
static void handshake_next(struct conn *c, double now) {
  conn_close(c);
  if (!running) return;
  if (!start_connect(c)) backoff(c, now);
}

static void on_connect_res(struct conn *c, const uint8_t *p, uint32_t size, double now) {
  if (size != SESSION_CONNECT_RES_SIZE) {
    errs.protocol++;
    conn_close(c);
    return;
  }
  if (p[4] != CONNECT_OK) {
    errs.rejected++;
    if (opt.mode == MODE_HANDSHAKE) handshake_next(c, now);
    else conn_close(c);
    return;
  }
  connecting_now--;
  if (opt.mode == MODE_HANDSHAKE) {
    c->state = S_OPEN; /* conn_close below counts it back down */
    connected_now++;
    if (in_window(now)) {
      responses++;
      requests++;
      hist_record((int64_t)((now - c->started_ms) * 1000.0));
    }
    handshake_next(c, now);
    return;
  }
  c->state = S_OPEN;
  connected_now++;
  if (connected_now > connected_peak) connected_peak = connected_now;
}

static void on_response(struct conn *c, const uint8_t *p, uint32_t size, uint16_t id) {
  uint16_t want = opt.mode == MODE_ECHO ? ID_ECHO_RES : ID_PONG_RES;
  uint32_t want_size = opt.mode == MODE_ECHO ? (uint32_t)opt.size : PONG_RES_SIZE;
  if (id != want || size != want_size) {
    errs.protocol++;
    return;
  }
  double now = now_mono_ms();
  if (in_window(now)) {
    responses++;
    bytes_in += size;
    hist_record((int64_t)(now_epoch_us() - rd64(p + 4)));
  }
  if (running) queue_request(c);
}

/* One complete packet. Returns 0 when the connection was closed. */
static int handle_packet(struct conn *c, const uint8_t *p, uint32_t size) {
  uint16_t id = rd16(p + 2);
  if (id == ID_DISCONNECT_NOTICE) {
    errs.closed++;
    if (opt.mode == MODE_HANDSHAKE) handshake_next(c, now_mono_ms());
    else conn_close(c);
    return 0;
  }
  if (c->state == S_HANDSHAKING) {
    if (id != ID_SESSION_CONNECT_RES) {
      errs.protocol++;
      conn_close(c);
      return 0;
    }
    on_connect_res(c, p, size, now_mono_ms());
    return c->state == S_OPEN;
  }
  on_response(c, p, size, id);
  return 1;
}

/* Same framing as the server: whole packets in place, a cut one stashed. */
static int feed(struct conn *c, const uint8_t *buf, uint32_t len) {
  uint32_t off = 0;
  if (c->stash.len > 0) {
    long size = wire_stash_complete(&c->stash, buf, len, &off);
    if (size < 0) {
      errs.protocol++;
      conn_close(c);
      return 0;
    }
    if (size == 0) return 1;
    if (!handle_packet(c, c->stash.buf, (uint32_t)size)) return 0;
  }
  while (len - off >= WIRE_HEADER_SIZE) {
    uint32_t size = rd16(buf + off);
    if (size < WIRE_HEADER_SIZE) {
      errs.protocol++;
      conn_close(c);
      return 0;
    }
    if (len - off < size) break;
    if (!handle_packet(c, buf + off, size)) return 0;
    off += size;
  }
  if (off < len) wire_stash_append(&c->stash, buf + off, len - off);
  return 1;
}

static void on_writable_connecting(struct conn *c) {
  int err = 0;
  socklen_t len = sizeof(err);
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    errs.connect++;
    if (opt.mode == MODE_HANDSHAKE) handshake_next(c, now_mono_ms());
    else conn_close(c);
    return;
  }
  c->state = S_HANDSHAKING;
  queue_connect_req(c);
  flush_out(c);
}

static void on_event(struct conn *c, uint32_t ev) {
  if (c->state == S_CONNECTING) {
    if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    on_writable_connecting(c);
    if (c->state != S_HANDSHAKING) return;
  }
  if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    for (;;) {
      ssize_t n = recv(c->fd, read_buffer, sizeof(read_buffer), 0);
      if (n > 0) {
        if (!feed(c, read_buffer, (uint32_t)n)) return;
        if ((size_t)n < sizeof(read_buffer)) break;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      errs.closed++; /* EOF or error while the session was ours */
      if (opt.mode == MODE_HANDSHAKE) handshake_next(c, now_mono_ms());
      else conn_close(c);
      return;
    }
  }
  if (c->out_len > 0) flush_out(c);
}

static int parse_sources(char *list) {
  for (char *tok = strtok(list, ","); tok != NULL; tok = strtok(NULL, ",")) {
    if (opt.nsources == MAX_SOURCES || inet_pton(AF_INET, tok, &opt.sources[opt.nsources]) != 1) return 0;
    opt.nsources++;
  }
  return opt.nsources > 0;
}

static void usage(FILE *to) {
  fputs(
      "usage: load-client --port P [--host 127.0.0.1] [--mode ping|echo|handshake]\n"
      "                   [--connections 100] [--inflight 1] [--size 16] [--warmup-ms 1000]\n"
      "                   [--duration-ms 5000] [--connect-timeout-ms 20000]\n"
      "                   [--connect-concurrency 512] [--source-addresses 127.0.0.2,127.0.0.3]\n"
      "Closed-loop wire protocol v1 load; prints one JSON result on stdout.\n",
      to);
}

static int parse_args(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int ok = 1;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      exit(0);
    }
    if (v == NULL) {
      fprintf(stderr, "load-client: %s needs a value\n", a);
      return 0;
    }
    if (strcmp(a, "--host") == 0) opt.host = v;
    else if (strcmp(a, "--port") == 0) ok = wire_parse_long(v, 1, 65535, &opt.port);
    else if (strcmp(a, "--connections") == 0) ok = wire_parse_long(v, 1, 1000000, &opt.connections);
    else if (strcmp(a, "--inflight") == 0) ok = wire_parse_long(v, 1, 4096, &opt.inflight);
    else if (strcmp(a, "--size") == 0) ok = wire_parse_long(v, ECHO_MIN_SIZE, WIRE_MAX_PACKET, &opt.size);
    else if (strcmp(a, "--warmup-ms") == 0) ok = wire_parse_long(v, 0, 3600000, &opt.warmup_ms);
    else if (strcmp(a, "--duration-ms") == 0) ok = wire_parse_long(v, 1, 3600000, &opt.duration_ms);
    else if (strcmp(a, "--connect-timeout-ms") == 0) ok = wire_parse_long(v, 1, 3600000, &opt.connect_timeout_ms);
    else if (strcmp(a, "--connect-concurrency") == 0) ok = wire_parse_long(v, 1, 1000000, &opt.connect_concurrency);
    else if (strcmp(a, "--source-addresses") == 0) ok = parse_sources(v);
    else if (strcmp(a, "--mode") == 0) {
      if (strcmp(v, "ping") == 0) opt.mode = MODE_PING;
      else if (strcmp(v, "echo") == 0) opt.mode = MODE_ECHO;
      else if (strcmp(v, "handshake") == 0) opt.mode = MODE_HANDSHAKE;
      else ok = 0;
    } else {
      fprintf(stderr, "load-client: unknown option %s\n", a);
      return 0;
    }
    if (!ok) {
      fprintf(stderr, "load-client: bad value for %s: %s\n", a, v);
      return 0;
    }
    i++;
  }
  if (opt.port == 0) {
    fputs("load-client: --port is required\n", stderr);
    return 0;
  }
  if (opt.mode != MODE_ECHO) opt.size = opt.mode == MODE_PING ? PING_REQ_SIZE : SESSION_CONNECT_REQ_MIN;
  return 1;
}

static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

static void poll_events(int timeout_ms) {
  static struct epoll_event events[MAX_EVENTS];
  int n = epoll_wait(epfd, events, MAX_EVENTS, timeout_ms);
  for (int i = 0; i < n; i++) {
    struct conn *c = events[i].data.ptr;
    if (c->state != S_IDLE && c->state != S_BACKOFF) on_event(c, events[i].events);
  }
}

static const char *mode_name(void) {
  return opt.mode == MODE_PING ? "ping" : opt.mode == MODE_ECHO ? "echo" : "handshake";
}

int main(int argc, char **argv) {
  if (!parse_args(argc, argv)) {
    usage(stderr);
    return 2;
  }
  wire_install_signals(on_signal);

  if (!wire_ipv4(&target, opt.host, opt.port)) {
    fprintf(stderr, "load-client: --host must be an IPv4 address, got %s\n", opt.host);
    return 2;
  }
  epfd = epoll_create1(EPOLL_CLOEXEC);
  conns = calloc((size_t)opt.connections, sizeof(struct conn));
  if (epfd < 0 || conns == NULL) wire_die_oom();
  for (long i = 0; i < opt.connections; i++) {
    conns[i].fd = -1;
    conns[i].index = (int)i;
  }

  double t0 = now_mono_ms();
  long next = 0;
  if (opt.mode != MODE_HANDSHAKE) {
    /* Open every connection (at most connect-concurrency at a time), then start the load. */
    double deadline = t0 + (double)opt.connect_timeout_ms;
    while (!interrupted && now_mono_ms() < deadline) {
      while (next < opt.connections && connecting_now < opt.connect_concurrency) start_connect(&conns[next++]);
      if (next == opt.connections && connecting_now == 0) break;
      poll_events(10);
    }
    if (connected_now == 0) {
      fprintf(stderr, "load-client: no connection to %s:%ld could be opened (%llu connect errors)\n", opt.host, opt.port,
              errs.connect);
      return 1;
    }
    for (long i = 0; i < opt.connections; i++) {
      struct conn *c = &conns[i];
      if (c->state == S_CONNECTING || c->state == S_HANDSHAKING) {
        errs.timeout++;
        conn_close(c);
      }
    }
  }

  double start = now_mono_ms();
  window_start_ms = start + (double)opt.warmup_ms;
  window_end_ms = window_start_ms + (double)opt.duration_ms;
  if (opt.mode == MODE_HANDSHAKE) {
    for (long i = 0; i < opt.connections; i++) {
      if (!start_connect(&conns[i])) backoff(&conns[i], start);
    }
  } else {
    for (long i = 0; i < opt.connections; i++) {
      struct conn *c = &conns[i];
      if (c->state != S_OPEN) continue;
      for (long k = 0; k < opt.inflight; k++) queue_request(c);
      flush_out(c);
    }
  }

  double cpu_at_start = 0;
  int window_open = 0;
  for (;;) {
    double now = now_mono_ms();
    if (interrupted) break;
    if (!window_open && now >= window_start_ms) {
      window_open = 1;
      cpu_at_start = cpu_ms();
    }
    if (now >= window_end_ms) break;
    if (opt.mode == MODE_HANDSHAKE) {
      for (long i = 0; i < opt.connections; i++) {
        struct conn *c = &conns[i];
        if (c->state == S_BACKOFF && now >= c->retry_at_ms && !start_connect(c)) backoff(c, now);
      }
    }
    double until = (window_open ? window_end_ms : window_start_ms) - now;
    poll_events(until > 50 ? 50 : (int)until + 1);
  }
  running = 0;
  double end = now_mono_ms();
  double cpu_used = window_open ? cpu_ms() - cpu_at_start : 0;
  if (end > window_end_ms) end = window_end_ms;
  double window_ms = end - window_start_ms;
  long connected = opt.mode == MODE_HANDSHAKE ? opt.connections : connected_now;
  for (long i = 0; i < opt.connections; i++) {
    if (conns[i].fd >= 0) conn_close(&conns[i]);
  }

  double secs = window_ms > 0 ? window_ms / 1000.0 : 0;
  printf(
      "{\"mode\":\"%s\",\"host\":\"%s\",\"port\":%ld,\"connections\":%ld,\"connected\":%ld,\"inflight\":%ld,"
      "\"size\":%ld,\"warmupMs\":%ld,\"windowMs\":%.1f,\"requests\":%llu,\"responses\":%llu,\"rps\":%.1f,"
      "\"bytesIn\":%llu,\"bytesOut\":%llu,"
      "\"errors\":{\"connect\":%llu,\"closed\":%llu,\"rejected\":%llu,\"protocol\":%llu,\"timeout\":%llu},"
      "\"latencyMicros\":{\"count\":%llu,\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,\"p999\":%llu,\"max\":%llu,"
      "\"mean\":%.1f},\"cpuPercent\":%.1f,\"interrupted\":%s}\n",
      mode_name(), opt.host, opt.port, opt.connections, connected, opt.mode == MODE_HANDSHAKE ? 1 : opt.inflight, opt.size,
      opt.warmup_ms, window_ms, requests, responses, secs > 0 ? (double)responses / secs : 0.0, bytes_in, bytes_out,
      errs.connect, errs.closed, errs.rejected, errs.protocol, errs.timeout, hist_count,
      (unsigned long long)hist_percentile(50), (unsigned long long)hist_percentile(90),
      (unsigned long long)hist_percentile(99), (unsigned long long)hist_percentile(99.9), hist_max,
      hist_count > 0 ? hist_sum / (double)hist_count : 0.0, window_ms > 0 ? cpu_used / window_ms * 100.0 : 0.0,
      interrupted ? "true" : "false");
  fflush(stdout);
  return 0;
}
