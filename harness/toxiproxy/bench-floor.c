/*
 * The benchmark's floor (`npm run bench`): about the least an event-loop TCP
 * forwarder can add on this machine. One thread, one epoll set, read() and
 * write() and nothing else: no toxics, no API, no allocation per chunk. The benchmark
 * measures it in the same runs as the fault proxy, so that the gap between the
 * two is the fault proxy's own cost, whatever the machine's noise that day.
 *
 * Usage: bench-floor UPSTREAM_PORT. Listens on 127.0.0.1 (a free port), prints
 * "listening PORT", forwards each connection to 127.0.0.1:UPSTREAM_PORT (an end
 * is passed on as a half-close), and exits when its stdin closes. Built for
 * latency figures: a write that would block waits for the destination (fine
 * for the small messages measured).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD 65536
static int peer[MAX_FD];
static char ended[MAX_FD]; /* the fd's reading side reached its end (passed on as a half-close) */

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static void add(int ep, int fd) {
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int write_all(int fd, const char *p, ssize_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, (size_t)n);
    if (w > 0) {
      p += w;
      n -= w;
    } else if (w < 0 && errno == EAGAIN) {
      struct pollfd pf = {.fd = fd, .events = POLLOUT};
      poll(&pf, 1, -1);
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else {
      return -1;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: bench-floor UPSTREAM_PORT\n");
    return 2;
  }
  int upstream = atoi(argv[1]), one = 1;
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in la = loopback(0);
  socklen_t len = sizeof la;
  if (l < 0 || bind(l, (struct sockaddr *)&la, sizeof la) || listen(l, 128) || getsockname(l, (struct sockaddr *)&la, &len)) {
    perror("bench-floor: listen");
    return 1;
  }
  printf("listening %d\n", ntohs(la.sin_port));
  fflush(stdout);
  for (int i = 0; i < MAX_FD; i++) peer[i] = -1;
  int ep = epoll_create1(0);
  add(ep, l);
  add(ep, 0);
  static char buf[65536];
  struct epoll_event evs[64];
  for (;;) {
    int n = epoll_wait(ep, evs, 64, -1);
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == 0) {
        if (read(0, buf, sizeof buf) <= 0) return 0; /* stdin closed: the benchmark is done */
        continue;
      }
      if (fd == l) {
        int c = accept(l, 0, 0);
        if (c < 0) continue;
        int u = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in ua = loopback(upstream);
        if (c >= MAX_FD || u < 0 || u >= MAX_FD || connect(u, (struct sockaddr *)&ua, sizeof ua)) {
          close(c);
          if (u >= 0) close(u);
          continue;
        }
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fcntl(c, F_SETFL, O_NONBLOCK);
        fcntl(u, F_SETFL, O_NONBLOCK);
        peer[c] = u;
        peer[u] = c;
        ended[c] = ended[u] = 0;
        add(ep, c);
        add(ep, u);
        continue;
      }
      if (peer[fd] < 0) continue; /* closed earlier in this batch */
      ssize_t r = read(fd, buf, sizeof buf);
      if (r < 0 && errno == EAGAIN) continue;
      if (r == 0 && !ended[peer[fd]]) {
        /* an end: pass it on, keep the other direction open until it ends too */
        ended[fd] = 1;
        shutdown(peer[fd], SHUT_WR);
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, 0);
        continue;
      }
      if (r <= 0 || write_all(peer[fd], buf, r) < 0) {
        /* both ends seen, or an error on either side: close both (closing removes them from the epoll set) */
        int p = peer[fd];
        peer[fd] = peer[p] = -1;
        ended[fd] = ended[p] = 0;
        close(fd);
        close(p);
      }
    }
  }
}
