/* http_sink.c — the ceiling of the ingest harness: an HTTP/1.1 server that reads each request's
 * body (Content-Length; "Expect: 100-continue" answered) and throws it away, answering 204.
 * Sending the line-protocol files into it the way compare.sh sends them into a database
 * (send_parts: one curl per file, PAR at a time) gives the rows/s the senders and the kernel
 * alone allow on this machine: no database can be measured faster by that harness.
 *
 *   gcc -O2 -pthread -o http_sink http_sink.c && ./http_sink PORT
 *
 * One thread per connection; binds 127.0.0.1 only. Prints "listening" once it accepts. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

enum { kHead = 64 * 1024, kBuf = 256 * 1024 };

static int send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* The value of header `name` (lower-case, with ':') in head[0..len), or NULL. */
static const char *header(const char *head, const char *name) {
  size_t n = strlen(name);
  for (const char *p = strstr(head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
    if (strncasecmp(p + 2, name, n) == 0) return p + 2 + n;
  }
  return NULL;
}

static void *serve(void *arg) {
  int fd = (int)(intptr_t)arg;
  char *buf = malloc(kBuf + 1);
  size_t have = 0;
  for (;;) {
    char *end;
    /* Read until the head is complete. */
    for (;;) {
      buf[have] = 0;
      end = strstr(buf, "\r\n\r\n");
      if (end != NULL) break;
      if (have >= kHead) goto done;
      ssize_t r = recv(fd, buf + have, kBuf - have, 0);
      if (r <= 0) goto done;
      have += (size_t)r;
    }
    size_t head_len = (size_t)(end - buf) + 4;
    const char *cl = header(buf, "content-length:");
    long long body = cl != NULL ? atoll(cl) : 0;
    const char *expect = header(buf, "expect:");
    int keep = header(buf, "connection: close") == NULL;
    if (expect != NULL && strncasecmp(expect + strspn(expect, " "), "100-continue", 12) == 0 &&
        (long long)(have - head_len) < body) {
      static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      if (send_all(fd, kContinue, sizeof(kContinue) - 1) != 0) goto done;
    }
    /* Drop the body: what came with the head, then the rest. */
    size_t extra = have - head_len;
    if ((long long)extra >= body) {
      memmove(buf, buf + head_len + body, extra - (size_t)body);
      have = extra - (size_t)body;
    } else {
      long long left = body - (long long)extra;
      while (left > 0) {
        ssize_t r = recv(fd, buf, left < kBuf ? (size_t)left : kBuf, 0);
        if (r <= 0) goto done;
        left -= r;
      }
      have = 0;
    }
    static const char kNoContent[] = "HTTP/1.1 204 No Content\r\n\r\n";
    if (send_all(fd, kNoContent, sizeof(kNoContent) - 1) != 0 || !keep) goto done;
  }
done:
  free(buf);
  close(fd);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: http_sink PORT\n");
    return 2;
  }
  int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)atoi(argv[1]));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 128) != 0) {
    perror("http_sink: bind/listen");
    return 1;
  }
  printf("listening\n");
  fflush(stdout);
  for (;;) {
    int fd = accept(ls, NULL, NULL);
    if (fd < 0) continue;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    pthread_t t;
    if (pthread_create(&t, NULL, serve, (void *)(intptr_t)fd) != 0) {
      close(fd);
      continue;
    }
    pthread_detach(t);
  }
}
