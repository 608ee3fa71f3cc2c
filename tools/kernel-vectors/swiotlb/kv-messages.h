/* kv-messages.h: the message capture both swiotlb drivers share (driver.c, driver66.c): the
 * messages an operation printed as a JSON array body, JSON string quoting and the kernel's
 * vsnprintf extensions (%pa, %pad) from common/kv-format.h. Included once by each driver. */
/* messages printed during the current operation, as a JSON array body */
static char kv_msgs[8192];
static size_t kv_msgs_len;

#include "../common/kv-format.h" /* json_str, kv_vformat */

void kv_log(const char *level, const char *dev, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	kv_vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "[%s] %s%s%s", level, dev ? dev : "", dev ? ": " : "", buf);
	if (buf[0] && buf[strlen(buf) - 1] != '\n') fputc('\n', stderr);
	if (kv_msgs_len) kv_msgs[kv_msgs_len++] = ',';
	kv_msgs_len += (size_t)snprintf(kv_msgs + kv_msgs_len, sizeof(kv_msgs) - kv_msgs_len, "{\"level\":\"%s\",\"text\":", level);
	json_str(kv_msgs, sizeof(kv_msgs), &kv_msgs_len, buf);
	if (kv_msgs_len + 2 < sizeof(kv_msgs)) { kv_msgs[kv_msgs_len++] = '}'; kv_msgs[kv_msgs_len] = 0; }
}

void kv_fault(const char *kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(kv_fault_msg, sizeof(kv_fault_msg), fmt, ap);
	va_end(ap);
	snprintf(kv_fault_kind, sizeof(kv_fault_kind), "%s", kind);
	fprintf(stderr, "[%s] %s\n", kind, kv_fault_msg);
	longjmp(kv_fault_jmp, 1);
}

/* printk_ratelimit(): the global printk_ratelimit_state, burst 10 (no clock here: 10 per run) */
int kv_printk_ratelimit(void)
{
	if (kv_ratelimit_printed < 10) { kv_ratelimit_printed++; return 1; }
	kv_log("suppressed", NULL, "printk_ratelimit");
	return 0;
}
