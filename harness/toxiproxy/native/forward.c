// The fault proxy's native data path: a Node-API addon with one thread that
// forwards bytes between the two sockets of each connection it was handed,
// with epoll, read and send, and nothing else. A connection is handed over
// (adopt) only while no toxic applies to it; when one comes, the connection is
// handed back (release) with the bytes still in flight, and the JavaScript
// links run the toxics. What it passes on is what the JavaScript fast path
// passes on: bytes in order, a FIN as a FIN (half-close) once the bytes before
// it are written, a reset as a reset, any other error as a close.
//
// Why: a proxied round trip through the Node event loop pays the loop's own
// wake-up and bookkeeping on top of any forwarder's read and write; on a
// 2-core VM that is ~10 us at p50 and ~30 us at p99 (see README, Benchmarks).
//
// Concurrency: every connection is owned by the thread while adopted. The
// JavaScript thread calls adopt, release and kill under the same mutex the
// thread holds while it handles a batch of events; a connection released or
// killed between the thread's epoll_wait and its taking the mutex is marked
// done (its events are skipped) and freed only at the end of a batch, after
// its descriptors left the epoll set, so no event can name freed memory.
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define SMALL (16 * 1024)
#define LARGE (1024 * 1024)
#define ROUNDS 16 // reads per direction per wake-up, so one bulk connection cannot starve the rest

typedef struct conn conn;

typedef struct {
  conn *c;
  int side; // 0: client, 1: upstream
} tag;

// One direction: bytes read from fd[k] not yet sent to fd[1-k] are buf[off, len).
typedef struct {
  char *buf;
  size_t cap, off, len;
  int grow; // a read filled the buffer: a larger one once it is empty
  int eof;  // fd[k] sent its FIN
  int shut; // our FIN went to fd[1-k]
} dir;

struct conn {
  uint32_t id;
  int fd[2];
  dir d[2];
  tag t[2];
  uint32_t want[2]; // epoll interest per side
  int watched[2];   // in the epoll set
  int done;
  conn *next, *prev; // live list, or the dead list once done
};

typedef struct {
  uint32_t id;
  int err; // 0: both directions ended; else the errno that ended it
} event;

static struct {
  int ep, wake;
  pthread_t thread;
  pthread_mutex_t mu;
  conn *live, *dead;
  uint32_t next_id;
  uint32_t count;
  event *q;
  size_t qlen, qcap;
  int stopping;
  int started;
  napi_threadsafe_function tsfn;
} E = {.ep = -1, .wake = -1, .mu = PTHREAD_MUTEX_INITIALIZER};

// ---- the thread's side ----

static void unlink_live(conn *c) {
  if (c->prev) c->prev->next = c->next;
  else E.live = c->next;
  if (c->next) c->next->prev = c->prev;
  c->next = E.dead;
  c->prev = NULL;
  E.dead = c;
  E.count--;
}

static void unwatch(conn *c, int s) {
  if (!c->watched[s]) return;
  struct epoll_event dummy = {0};
  epoll_ctl(E.ep, EPOLL_CTL_DEL, c->fd[s], &dummy);
  c->watched[s] = 0;
}

static void push_event(uint32_t id, int err) {
  if (E.qlen == E.qcap) {
    size_t cap = E.qcap ? E.qcap * 2 : 64;
    event *q = realloc(E.q, cap * sizeof(event));
    if (!q) return; // out of memory: this end goes unreported (the proxy lists the connection until it stops)
    E.q = q;
    E.qcap = cap;
  }
  E.q[E.qlen++] = (event){id, err};
}

static void hard_close(int fd, int reset) {
  if (fd < 0) return;
  if (reset) {
    struct linger l = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  close(fd);
}

// Ends a connection from the thread: descriptors closed, the JavaScript side told.
static void finish(conn *c, int err, int reset_side) {
  if (c->done) return;
  c->done = 1;
  for (int s = 0; s < 2; s++) {
    unwatch(c, s);
    hard_close(c->fd[s], s == reset_side);
    c->fd[s] = -1;
  }
  unlink_live(c);
  push_event(c->id, err);
}

// Side s failed with err: a reset is passed on as a reset, anything else as a close.
static void fail(conn *c, int s, int err) {
  finish(c, err ? err : EIO, err == ECONNRESET ? 1 - s : -1);
}

// Moves bytes in direction k (fd[k] to fd[1-k]) until the kernel would block.
// Returns 0, or -1 when the connection was ended.
static int pump(conn *c, int k) {
  dir *d = &c->d[k];
  int src = c->fd[k], dst = c->fd[1 - k];
  for (int round = 0;;) {
    if (d->off < d->len) {
      ssize_t w = send(dst, d->buf + d->off, d->len - d->off, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        fail(c, 1 - k, errno);
        return -1;
      }
      d->off += (size_t)w;
      if (d->off < d->len) continue;
      d->off = d->len = 0;
    }
    if (d->eof || round++ == ROUNDS) break;
    if (d->grow || !d->buf) {
      size_t cap = d->buf ? d->cap * 16 : SMALL;
      if (cap > LARGE) cap = LARGE;
      char *b = malloc(cap);
      if (!b) {
        fail(c, k, ENOMEM);
        return -1;
      }
      free(d->buf);
      d->buf = b;
      d->cap = cap;
      d->grow = 0;
    }
    ssize_t r = recv(src, d->buf, d->cap, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      fail(c, k, errno);
      return -1;
    }
    if (r == 0) {
      d->eof = 1;
      break;
    }
    d->len = (size_t)r;
    if ((size_t)r == d->cap && d->cap < LARGE) d->grow = 1;
  }
  if (d->eof && d->off == d->len && !d->shut) {
    if (shutdown(dst, SHUT_WR) < 0 && errno != ENOTCONN) {
      fail(c, 1 - k, errno);
      return -1;
    }
    d->shut = 1;
  }
  return 0;
}

// Interest per side: readable while its direction has room and no FIN yet,
// writable while the other direction has bytes for it. A side with no interest
// leaves the epoll set: epoll reports HUP and ERR whether asked or not, and a
// socket that has sent and received its FINs reports HUP for ever.
static void rearm(conn *c) {
  for (int s = 0; s < 2; s++) {
    uint32_t want = 0;
    dir *from = &c->d[s], *to = &c->d[1 - s];
    if (!from->eof && from->off == from->len) want |= EPOLLIN;
    if (to->off < to->len) want |= EPOLLOUT;
    if (!want) {
      unwatch(c, s);
      continue;
    }
    if (c->watched[s] && want == c->want[s]) continue;
    struct epoll_event ev = {.events = want, .data.ptr = &c->t[s]};
    if (epoll_ctl(E.ep, c->watched[s] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd[s], &ev) < 0) {
      fail(c, s, errno);
      return;
    }
    c->watched[s] = 1;
    c->want[s] = want;
  }
  if (c->d[0].shut && c->d[1].shut) finish(c, 0, -1);
}

static void handle(conn *c, int s, uint32_t events) {
  if (c->done) return;
  if (events & EPOLLERR) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd[s], SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) {
      fail(c, s, err);
      return;
    }
  }
  // whichever side woke us, both directions may move: a read on one side
  // frees room, a write on the other drains
  if (pump(c, s) < 0 || pump(c, 1 - s) < 0) return;
  rearm(c);
}

static void free_dead(void) {
  while (E.dead) {
    conn *c = E.dead;
    E.dead = c->next;
    free(c->d[0].buf);
    free(c->d[1].buf);
    free(c);
  }
}

static void *run(void *arg) {
  (void)arg;
  struct epoll_event evs[64];
  for (;;) {
    int n = epoll_wait(E.ep, evs, 64, -1);
    if (n < 0 && errno != EINTR) break;
    pthread_mutex_lock(&E.mu);
    if (E.stopping) {
      pthread_mutex_unlock(&E.mu);
      break;
    }
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == NULL) {
        uint64_t v;
        if (read(E.wake, &v, sizeof v) < 0) { /* nothing to drain */ }
        continue;
      }
      tag *t = evs[i].data.ptr;
      handle(t->c, t->side, evs[i].events);
    }
    free_dead();
    int tell = E.qlen > 0;
    pthread_mutex_unlock(&E.mu);
    if (tell) napi_call_threadsafe_function(E.tsfn, NULL, napi_tsfn_nonblocking);
  }
  return NULL;
}

// ---- the JavaScript side ----

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, NULL, "gameday native forwarder: " #call); \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

static conn *find(uint32_t id) {
  for (conn *c = E.live; c; c = c->next)
    if (c->id == id) return c;
  return NULL;
}

// Called on the JavaScript thread when the forwarding thread queued ends:
// the callback gets [id, errno, id, errno, ...].
static void deliver(napi_env env, napi_value cb, void *ctx, void *data) {
  (void)ctx;
  (void)data;
  if (env == NULL || cb == NULL) return;
  pthread_mutex_lock(&E.mu);
  size_t n = E.qlen;
  event *q = NULL;
  if (n) {
    q = malloc(n * sizeof(event));
    if (q) {
      memcpy(q, E.q, n * sizeof(event));
      E.qlen = 0;
    } else {
      n = 0; // out of memory: the ends stay queued for the next call
    }
  }
  pthread_mutex_unlock(&E.mu);
  if (!n) return;
  napi_value arr, undef, v;
  if (napi_create_array_with_length(env, n * 2, &arr) == napi_ok) {
    for (size_t i = 0; i < n; i++) {
      napi_create_uint32(env, q[i].id, &v);
      napi_set_element(env, arr, (uint32_t)(2 * i), v);
      napi_create_int32(env, q[i].err, &v);
      napi_set_element(env, arr, (uint32_t)(2 * i + 1), v);
    }
    napi_get_undefined(env, &undef);
    napi_call_function(env, undef, cb, 1, &arr, NULL);
  }
  free(q);
}

static void cleanup(void *arg) {
  (void)arg;
  if (!E.started) return;
  pthread_mutex_lock(&E.mu);
  E.stopping = 1;
  pthread_mutex_unlock(&E.mu);
  uint64_t one = 1;
  if (write(E.wake, &one, sizeof one) < 0) { /* the thread also stops on the next event */ }
  pthread_join(E.thread, NULL);
  while (E.live) {
    conn *c = E.live;
    for (int s = 0; s < 2; s++) hard_close(c->fd[s], 0);
    c->fd[0] = c->fd[1] = -1;
    c->done = 1;
    unlink_live(c);
  }
  free_dead();
  close(E.ep);
  close(E.wake);
  E.started = 0;
}

// start(onEnded): starts the thread; onEnded([id, errno, ...]) is called with connections it ended.
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (E.started) {
    napi_throw_error(env, NULL, "gameday native forwarder: already started in this process");
    return NULL;
  }
  CHECK(napi_create_string_utf8(env, "gameday-forward", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, NULL, NULL, NULL, deliver, &E.tsfn));
  CHECK(napi_unref_threadsafe_function(env, E.tsfn)); // open connections do not keep the process alive by themselves
  E.ep = epoll_create1(EPOLL_CLOEXEC);
  E.wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (E.ep < 0 || E.wake < 0 || epoll_ctl(E.ep, EPOLL_CTL_ADD, E.wake, &ev) < 0 || pthread_create(&E.thread, NULL, run, NULL) != 0) {
    napi_throw_error(env, NULL, "gameday native forwarder: cannot start its thread (epoll, eventfd or pthread_create failed)");
    return NULL;
  }
  E.started = 1;
  CHECK(napi_add_env_cleanup_hook(env, cleanup, NULL));
  return NULL;
}

// adopt(clientFd, upstreamFd) -> id. Forwards between duplicates of the two
// descriptors; the caller closes its own afterwards.
static napi_value adopt(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  int32_t fd[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd[0]));
  CHECK(napi_get_value_int32(env, argv[1], &fd[1]));
  if (!E.started) {
    napi_throw_error(env, NULL, "gameday native forwarder: not started");
    return NULL;
  }
  conn *c = calloc(1, sizeof *c);
  if (!c) {
    napi_throw_error(env, NULL, "gameday native forwarder: out of memory");
    return NULL;
  }
  for (int s = 0; s < 2; s++) {
    c->fd[s] = fcntl(fd[s], F_DUPFD_CLOEXEC, 0);
    c->t[s] = (tag){c, s};
  }
  if (c->fd[0] < 0 || c->fd[1] < 0) {
    int err = errno;
    for (int s = 0; s < 2; s++)
      if (c->fd[s] >= 0) close(c->fd[s]);
    free(c);
    napi_throw_error(env, NULL, strerror(err));
    return NULL;
  }
  for (int s = 0; s < 2; s++) fcntl(c->fd[s], F_SETFL, fcntl(c->fd[s], F_GETFL) | O_NONBLOCK);
  pthread_mutex_lock(&E.mu);
  c->id = ++E.next_id;
  c->next = E.live;
  if (E.live) E.live->prev = c;
  E.live = c;
  E.count++;
  // bytes may already be waiting: the thread's epoll reports them (level-triggered)
  rearm(c);
  uint32_t id = c->id;
  int tell = E.qlen > 0;
  pthread_mutex_unlock(&E.mu);
  if (tell) napi_call_threadsafe_function(E.tsfn, NULL, napi_tsfn_nonblocking);
  CHECK(napi_create_uint32(env, id, &out));
  return out;
}

static napi_value pending_buffer(napi_env env, dir *d) {
  napi_value out;
  if (d->off == d->len) {
    napi_get_null(env, &out);
    return out;
  }
  void *data;
  if (napi_create_buffer_copy(env, d->len - d->off, d->buf + d->off, &data, &out) != napi_ok) napi_get_null(env, &out);
  return out;
}

// release(id) -> [clientFd, upstreamFd, pendingUp, pendingDown, flags] or null
// when the thread has ended the connection already (its end is on the way).
// flags: 1 client FIN read, 2 FIN sent upstream, 4 upstream FIN read, 8 FIN sent to the client.
static napi_value release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out, v;
  uint32_t id;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_uint32(env, argv[0], &id));
  pthread_mutex_lock(&E.mu);
  conn *c = find(id);
  if (!c) {
    pthread_mutex_unlock(&E.mu);
    CHECK(napi_get_null(env, &out));
    return out;
  }
  unwatch(c, 0);
  unwatch(c, 1);
  c->done = 1;
  unlink_live(c);
  CHECK(napi_create_array_with_length(env, 5, &out));
  for (int s = 0; s < 2; s++) {
    napi_create_int32(env, c->fd[s], &v);
    napi_set_element(env, out, (uint32_t)s, v);
    napi_set_element(env, out, (uint32_t)(2 + s), pending_buffer(env, &c->d[s]));
    c->fd[s] = -1;
  }
  int flags = (c->d[0].eof ? 1 : 0) | (c->d[0].shut ? 2 : 0) | (c->d[1].eof ? 4 : 0) | (c->d[1].shut ? 8 : 0);
  pthread_mutex_unlock(&E.mu);
  napi_create_int32(env, flags, &v);
  napi_set_element(env, out, 4, v);
  return out;
}

// kill(id, reset): closes both sockets now (with RST when reset); no end is reported.
static napi_value kill_conn(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  uint32_t id;
  bool reset = false;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_uint32(env, argv[0], &id));
  if (argc > 1) napi_get_value_bool(env, argv[1], &reset);
  pthread_mutex_lock(&E.mu);
  conn *c = find(id);
  if (c) {
    c->done = 1;
    for (int s = 0; s < 2; s++) {
      unwatch(c, s);
      hard_close(c->fd[s], reset);
      c->fd[s] = -1;
    }
    unlink_live(c);
  }
  pthread_mutex_unlock(&E.mu);
  CHECK(napi_get_boolean(env, c != NULL, &out));
  return out;
}

// live() -> connections the thread forwards now.
static napi_value live(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  pthread_mutex_lock(&E.mu);
  uint32_t n = E.count;
  pthread_mutex_unlock(&E.mu);
  CHECK(napi_create_uint32(env, n, &out));
  return out;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"start", NULL, start, NULL, NULL, NULL, napi_default, NULL},
      {"adopt", NULL, adopt, NULL, NULL, NULL, napi_default, NULL},
      {"release", NULL, release, NULL, NULL, NULL, napi_default, NULL},
      {"kill", NULL, kill_conn, NULL, NULL, NULL, napi_default, NULL},
      {"live", NULL, live, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
