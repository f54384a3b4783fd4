/*
 * TLS in the worker: server contexts per listener (tls_server.c), client
 * contexts per backend (tls_client.c), key objects whose signatures the
 * key service makes (tls_keys_remote.c, key_channel.c) and the shared
 * session-ticket keys (tls_tickets.c). All contexts are built before the
 * worker chroots; nothing here opens a file.
 */
#ifndef RPXD_TLS_H
#define RPXD_TLS_H

#include <stdint.h>

#include <openssl/ssl.h>

#include "config.h"
#include "msgbuf.h"

struct worker_env;
struct request_log;

/*
 * tls_keys_remote.c (the key service), or tls_keys_local.c (keys in the
 * worker, a benchmark build). Each refuses the other's message:
 * tls_keys_receive takes an IPC_TLS_KEY, tls_keys_service the channel
 * to a key holder (IPC_SPAWN_KEYS). tls_keys_use gives ctx the private
 * key of its current certificate; tls_keys_lost says the key holder is
 * gone, so the worker stops after its connection. tls_keys_deadline
 * (now_ms(); 0: no handshake) is the deadline of the handshake in
 * progress, which bounds the wait for a signature.
 */
int	 tls_keys_receive(const struct rpxd_conf *conf, struct msgbuf *mb);
int	 tls_keys_service(int fd);
int	 tls_keys_use(SSL_CTX *ctx, uint32_t kind, uint32_t a, uint32_t b);
void	 tls_keys_forget(void);
int	 tls_keys_lost(void);
void	 tls_keys_deadline(int64_t deadline_ms);

/* key_channel.c: one signature from the key holder, waited for until the
 * deadline key_channel_deadline set (the handshake's); 0, or -1
 * (logged). out holds KEY_DATA_MAX. */
int	 key_channel_open(int fd);
void	 key_channel_deadline(int64_t deadline_ms);
int	 key_channel_sign(const unsigned char *id, uint32_t scheme,
	    uint32_t md, const unsigned char *in, size_t inlen,
	    unsigned char *out, size_t *outlen);
int	 key_channel_lost(void);

/* tls_tickets.c */
int	 tls_tickets_receive(struct msgbuf *mb);
void	 tls_tickets_attach(SSL_CTX *ctx);

/* tls_resume.c: resumption only under the session's SNI name. attach
 * installs the callbacks on a listener context; check, from the
 * servername callback, is -1 when a session was resumed for a name other
 * than the one offered (the handshake must fail). */
void	 tls_resume_attach(SSL_CTX *ctx);
int	 tls_resume_check(SSL *ssl);

/* tls_server.c */
void	 tls_server_init(const struct rpxd_conf *conf);
struct msgbuf;
int	 tls_server_ocsp(struct rpxd_conf *conf, struct msgbuf *mb);
/* Handshake on w->w_client within client-header-timeout; 0 or -1 (the
 * failure is logged and the connection is to be closed). */
int	 tls_server_accept(struct worker_env *w);
/* Has the listener more than one certificate (so SNI chose one)? */
int	 tls_server_many_certs(unsigned listener);
/* The SNI name the client sent, or NULL. */
const char *tls_server_name(const struct worker_env *w);

/* tls_client.c */
void	 tls_client_init(const struct rpxd_conf *conf);
/* Handshake on w->w_backend to server sv of backend be; 0, or -1 with
 * *why set to what OpenSSL reported. */
int	 tls_client_connect(struct worker_env *w, unsigned be, unsigned sv,
	    const char **why);

/* What tls_error_string says when OpenSSL recorded no error. */

/* tls_buffers.c: the record buffers of a quiet connection, if empty. */
void	 tls_buffers_release(SSL *ssl);

/* tls_arena.c: init before OpenSSL's first allocation (in the template),
 * stop in each worker it forks. */
void	 tls_arena_init(void);
void	 tls_arena_stop(void);

/* tls_warmup.c: one handshake in memory in the template, so that the
 * workers share the state OpenSSL builds on first use. */
void	 tls_warmup(void);
void	 tls_warmup_store(SSL_CTX *ctx);

#endif
