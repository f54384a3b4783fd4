/*
 * libFuzzer harness: what a key holder (rpxd-keys) does with a datagram
 * from a worker, as keys/main.c's client_request does it: decode it
 * (common/keyproto.c), answer it (keys/sign.c) with an RSA and an EC key
 * held the way the master hands them over, encode the answer. The keys
 * are fixed test keys, made for this harness only, so that runs are
 * repeatable and start at once; as the fuzzer cannot guess a key id, the
 * first byte of a decoded id picks the RSA key,
 * the EC key or keeps the id as sent; a far deadline likewise. A decoded
 * request must encode back to the same bytes, and no answer may be signed
 * for a request that does not fit its key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "config.h"
#include "fuzz.h"
#include "ipc.h"
#include "keys.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY	*rsa_key, *ec_key;

/* openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 */
static const char rsa_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCXh7K7GXKthVeo\n"
	"KuVWVm+4/l768Q5LynMg6aJFnY2QHbE71P72RlASDT8frR/PMs0D0+yVgETTTzjo\n"
	"xto6VS0AzuGP73b0NjvL/OuyFfUKGqpHw3Ds9i72YMqmzTBV57cxRJU5BMfn2cGe\n"
	"2byLDFiAUyh8CW482CWfo5/0xeCKOVZMkUmnvB8djwatvQZ0IP71KIvZMrra7AhU\n"
	"/RBVr1CrpfnbQI7ajDA1RCUn7REy3JuSgVQLDlkhQJk/2ASpLrUkN1hXEtOcthcW\n"
	"/m2ayQKHAgnMAiOk/al3v9m2mCbbFTsiB+Cv1AS7JOW+S5A+a2bdRqUsQGWx/W3c\n"
	"eamtSQWlAgMBAAECggEABTevA99kMg0vlRLcYIeWOLk01YX+f0W/sZWB2Mz26SGw\n"
	"mYC5F7XuP1+KjyFpATt8piys+S0tvCs+kyX3sSmqJJyQVTetBvXQGMhtvYJ2icFx\n"
	"yrSe0ItIgi4X2ZGioAPxbEZHhMCr+R59GtELUNayZxbAmTFs74uPaMAGUQli33d8\n"
	"1rbTDTxy71m2K3q4fU0UYSvd+XJvEGMIGugkuzJITkux+nXW0i/c54Q4aJqKVmJH\n"
	"MmqGSPvzkN9vB7j/NCx8Zt4hP/DG/5gL/v4vLjU8QImBAXRQQdESzdyfBl9fF5VL\n"
	"KDwVdkngStLhpexKYxMd9mGLn/2W/6Te90bLsyOw4QKBgQDVqCL/BqjIcUD9Rc4l\n"
	"htC87AW2moRI8U75e6gZFS9ousNvAb9IxeMst4YVRuTtC6X5bkm8eEw6EYpJdBYn\n"
	"ds0DH3Is79KzmRnTZRUO3URR3p7IvNKsr8F19OjWutZ1oKwdjXk7Q/0nQGwQ0si1\n"
	"MP07AFDcfLLGbdQrnF1+DpEuYQKBgQC1j5EPlU4ykqFqyXsI+I5Dk5jbWqzWKYxd\n"
	"DGk6hkuuz+aCoEX50FN3EYA+FyHhloTfm2oGOESRpIjDxsznrj4yeY8grLk52Nrn\n"
	"mc2Esz364vjsEv81EadWTI4ZBV+afMeqD5SvCnIMxehNczMHvxrhBHd67vbHOE1N\n"
	"nbhvbh51xQKBgC5idlaPh40cqVNTGFIlVqPtScA/A4Eigla/ddscMlK2WT98TZ7q\n"
	"90r5/O4ZmhGsebgRLYjxRPtGW5Ne1IB01kVbSlpfJos/LdArHctAVli/0BEcjVBY\n"
	"R9Pn+7TCk1SuMS+pSyyGsisXXV65pEFSBWgNxYBYwic6KNne9J0tZG+BAoGAb3OP\n"
	"0ocOl5DXMZw4wIsDmYvzG0QQMO8UUNIbjmd98fOBRtJn4i/17HN7y6GblMU3D6Rx\n"
	"cxv7S4Q6yCMzCU02tPlV2PLuSQpLZjxNopX9CBNoRlJrAwKxPBKGb+mShFzwm/4w\n"
	"gTriQ+EA9vouayTutQ5u4bHrHuP64BhfbVelrxkCgYBugsVYbRc0guMJC49ngJ5W\n"
	"jA4vUY6K3gwNAZakTou0xBubACuk1Zi5m2BuHHl3KpHDIn1f1YEy8SLBLqeJMvMj\n"
	"GYHiwFm6MtKa/UewIgYfg4+pCAJyPRJWzm5Ahn2OMwF1HgxlEs/24GoG5W6YBPPW\n"
	"HVH2CHjJ0f1w9unkde0E+A==\n"
	"-----END PRIVATE KEY-----\n";

/* openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 */
static const char ec_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgXCRoDrjcjQS+t8l4\n"
	"vQQ6GWHJ8ktxJRNoeNKd3lbvRRWhRANCAASPmYXVEkYi5lTkQFcX5CiG8KEmrTAz\n"
	"4lrmVPmnV2KpI+h7uB2MpSR1Gq5zQI+RFOO0P6+X+CiGBzGFHlGYhLqg\n"
	"-----END PRIVATE KEY-----\n";

/* Hands a key to the holder as the master would (an IPC_TLS_KEY
 * payload), and returns it parsed, for its id. */
static EVP_PKEY *
hold(const char *pem, uint32_t cert)
{
	static struct listener_conf	ls = { .ls_ncerts = 2 };
	struct rpxd_conf		c = { .rc_nlisteners = 1,
					    .rc_listeners = &ls };
	struct msgbuf			mb;
	BIO				*bio;
	EVP_PKEY			*key;

	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, TLS_KEY_LISTENER);
	msgbuf_put_u32(&mb, 0);
	msgbuf_put_u32(&mb, cert);
	msgbuf_put_u32(&mb, (uint32_t)strlen(pem));
	msgbuf_put_bytes(&mb, pem, strlen(pem));
	FUZZ_ASSERT(held_add(&c, &mb) == 0);
	msgbuf_free(&mb);
	bio = BIO_new_mem_buf(pem, -1);
	FUZZ_ASSERT(bio != NULL);
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	FUZZ_ASSERT(key != NULL);
	BIO_free(bio);
	return key;
}

static void
setup(void)
{
	rsa_key = hold(rsa_pem, 0);
	ec_key = hold(ec_pem, 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	 buf[KEY_REQ_MAX + 1], back[KEY_REQ_MAX];
	static struct key_request kr;
	static struct key_answer ka, ka2;
	unsigned char		 ans[KEY_ANS_MAX];
	size_t			 len;

	if (rsa_key == NULL)
		setup();
	/* client_request reads at most KEY_REQ_MAX + 1 bytes. */
	if (size > sizeof(buf))
		size = sizeof(buf);
	memcpy(buf, data, size);
	if (key_request_decode(&kr, buf, size) == -1)
		return 0;
	len = key_request_encode(&kr, back);
	FUZZ_ASSERT(len == size && memcmp(back, buf, size) == 0);
	if (kr.kr_key[0] == 0)
		FUZZ_ASSERT(key_id_of(rsa_key, kr.kr_key) == 0);
	else if (kr.kr_key[0] == 1)
		FUZZ_ASSERT(key_id_of(ec_key, kr.kr_key) == 0);
	if (kr.kr_deadline == 0)
		kr.kr_deadline = UINT64_MAX;
	sign_request(&kr, &ka);
	FUZZ_ASSERT(ka.ka_id == kr.kr_id && ka.ka_status <= KEY_ERR_SIGN);
	FUZZ_ASSERT(ka.ka_len <= KEY_DATA_MAX);
	FUZZ_ASSERT(ka.ka_status == KEY_OK || ka.ka_len == 0);
	if (ka.ka_status == KEY_OK)
		FUZZ_ASSERT(kr.kr_op == KEY_OP_SIGN &&
		    (kr.kr_scheme == KEY_RSA_PKCS1 ||
		    kr.kr_scheme == KEY_RSA_PSS || kr.kr_scheme == KEY_ECDSA));
	(void)key_status_name(ka.ka_status);
	len = key_answer_encode(&ka, ans);
	FUZZ_ASSERT(len <= sizeof(ans));
	FUZZ_ASSERT(key_answer_decode(&ka2, ans, len) == 0 &&
	    ka2.ka_id == ka.ka_id && ka2.ka_status == ka.ka_status &&
	    ka2.ka_len == ka.ka_len &&
	    memcmp(ka2.ka_data, ka.ka_data, ka.ka_len) == 0);
	return 0;
}
