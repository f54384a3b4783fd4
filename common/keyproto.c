/*
 * Encoding and decoding of key-service datagrams (keyproto.h), the key id
 * and the digest allow-list that worker and key holder share.
 */
#include <string.h>
#include <time.h>

#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include "keyproto.h"

static void
put(unsigned char *buf, size_t *off, const void *p, size_t len)
{
	memcpy(buf + *off, p, len);
	*off += len;
}

static int
get(const unsigned char *buf, size_t len, size_t *off, void *p, size_t n)
{
	if (len - *off < n)
		return -1;
	memcpy(p, buf + *off, n);
	*off += n;
	return 0;
}

size_t
key_request_encode(const struct key_request *kr, unsigned char *buf)
{
	size_t	off = 0;

	put(buf, &off, &kr->kr_op, 4);
	put(buf, &off, &kr->kr_id, 8);
	put(buf, &off, &kr->kr_deadline, 8);
	put(buf, &off, kr->kr_key, KEY_ID_SIZE);
	put(buf, &off, &kr->kr_scheme, 4);
	put(buf, &off, &kr->kr_md, 4);
	put(buf, &off, &kr->kr_len, 4);
	put(buf, &off, kr->kr_data, kr->kr_len);
	return off;
}

int
key_request_decode(struct key_request *kr, const unsigned char *buf,
    size_t len)
{
	size_t	off = 0;

	if (len < KEY_REQ_HEAD || len > KEY_REQ_MAX ||
	    get(buf, len, &off, &kr->kr_op, 4) == -1 ||
	    get(buf, len, &off, &kr->kr_id, 8) == -1 ||
	    get(buf, len, &off, &kr->kr_deadline, 8) == -1 ||
	    get(buf, len, &off, kr->kr_key, KEY_ID_SIZE) == -1 ||
	    get(buf, len, &off, &kr->kr_scheme, 4) == -1 ||
	    get(buf, len, &off, &kr->kr_md, 4) == -1 ||
	    get(buf, len, &off, &kr->kr_len, 4) == -1 ||
	    kr->kr_len > KEY_DATA_MAX || len - off != kr->kr_len)
		return -1;
	memcpy(kr->kr_data, buf + off, kr->kr_len);
	return 0;
}

size_t
key_answer_encode(const struct key_answer *ka, unsigned char *buf)
{
	size_t	off = 0;

	put(buf, &off, &ka->ka_id, 8);
	put(buf, &off, &ka->ka_status, 4);
	put(buf, &off, &ka->ka_len, 4);
	put(buf, &off, ka->ka_data, ka->ka_len);
	return off;
}

int
key_answer_decode(struct key_answer *ka, const unsigned char *buf,
    size_t len)
{
	size_t	off = 0;

	if (len < KEY_ANS_HEAD || len > KEY_ANS_MAX ||
	    get(buf, len, &off, &ka->ka_id, 8) == -1 ||
	    get(buf, len, &off, &ka->ka_status, 4) == -1 ||
	    get(buf, len, &off, &ka->ka_len, 4) == -1 ||
	    ka->ka_len > KEY_DATA_MAX || len - off != ka->ka_len)
		return -1;
	memcpy(ka->ka_data, buf + off, ka->ka_len);
	return 0;
}

int
key_id_of(EVP_PKEY *pkey, unsigned char id[KEY_ID_SIZE])
{
	unsigned char	*der = NULL;
	unsigned int	 n;
	int		 len, rv;

	if ((len = i2d_PUBKEY(pkey, &der)) <= 0)
		return -1;
	rv = EVP_Digest(der, (size_t)len, id, &n, EVP_sha256(), NULL) == 1 &&
	    n == KEY_ID_SIZE ? 0 : -1;
	OPENSSL_free(der);
	return rv;
}

/* TLS 1.2 and 1.3 sign with these; SHA-1 and MD5 are not signed. */
static const struct {
	uint32_t	nid;
	size_t		size;
} key_mds[] = {
	{ NID_sha256, 32 }, { NID_sha384, 48 }, { NID_sha512, 64 },
	{ NID_sha224, 28 },
};
#define KEY_NMDS	(sizeof(key_mds) / sizeof(key_mds[0]))

size_t
key_md_size(uint32_t nid)
{
	size_t	i;

	for (i = 0; i < KEY_NMDS; i++)
		if (key_mds[i].nid == nid)
			return key_mds[i].size;
	return 0;
}

uint32_t
key_md_for_size(size_t size)
{
	size_t	i;

	for (i = 0; i < KEY_NMDS; i++)
		if (key_mds[i].size == size)
			return key_mds[i].nid;
	return NID_undef;
}

uint32_t
key_md_nid(size_t i)
{
	return i < KEY_NMDS ? key_mds[i].nid : NID_undef;
}

const char *
key_status_name(uint32_t status)
{
	switch (status) {
	case KEY_OK:
		return "ok";
	case KEY_ERR_REQUEST:
		return "request refused";
	case KEY_ERR_UNKNOWN:
		return "unknown key";
	case KEY_ERR_EXPIRED:
		return "deadline passed";
	case KEY_ERR_SIGN:
		return "signature failed";
	default:
		return "bad status";
	}
}
