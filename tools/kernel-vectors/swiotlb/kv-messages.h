/* kv-messages.h: the message capture both swiotlb drivers share (driver.c, driver66.c): the
 * messages an operation printed as a JSON array body, JSON string quoting, and the kernel's
 * vsnprintf extensions (%pa, %pad) the swiotlb messages use. Included once by each driver. */
/* messages printed during the current operation, as a JSON array body */
static char kv_msgs[8192];
static size_t kv_msgs_len;

static void json_str(char *out, size_t cap, size_t *len, const char *s)
{
	if (*len + 1 < cap) out[(*len)++] = '"';
	for (; *s && *len + 8 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') { out[(*len)++] = '\\'; out[(*len)++] = (char)c; }
		else if (c == '\n') { out[(*len)++] = '\\'; out[(*len)++] = 'n'; }
		else if (c < 0x20) *len += (size_t)snprintf(out + *len, cap - *len, "\\u%04x", c);
		else out[(*len)++] = (char)c;
	}
	if (*len + 1 < cap) out[(*len)++] = '"';
	out[*len] = 0;
}

/*
 * vsnprintf with the kernel's %pa / %pad (a phys_addr_t / dma_addr_t passed by reference,
 * printed as 0x and all its hex digits). Other conversions go to the C library one by one.
 */
static void kv_vformat(char *out, size_t cap, const char *fmt, va_list ap)
{
	size_t n = 0;
	while (*fmt && n + 1 < cap) {
		if (*fmt != '%') { out[n++] = *fmt++; continue; }
		if (fmt[1] == '%') { out[n++] = '%'; fmt += 2; continue; }
		if (fmt[1] == 'p' && fmt[2] == 'a') {
			const u64 *v = va_arg(ap, const u64 *);
			n += (size_t)snprintf(out + n, cap - n, "0x%016llx", (unsigned long long)*v);
			fmt += fmt[3] == 'd' ? 4 : 3;
			continue;
		}
		char spec[32]; size_t k = 0;
		spec[k++] = *fmt++;
		while (*fmt && strchr("#0- +123456789.", *fmt) && k < 20) spec[k++] = *fmt++;
		int lng = 0; bool z = false;
		while (*fmt == 'l' || *fmt == 'z' || *fmt == 'h') { if (*fmt == 'l') lng++; if (*fmt == 'z') z = true; spec[k++] = *fmt++; }
		char conv = *fmt ? *fmt++ : 'd';
		spec[k++] = conv; spec[k] = 0;
		if (conv == 's') n += (size_t)snprintf(out + n, cap - n, spec, va_arg(ap, const char *));
		else if (conv == 'p') n += (size_t)snprintf(out + n, cap - n, spec, va_arg(ap, void *));
		else if (z) n += (size_t)snprintf(out + n, cap - n, spec, va_arg(ap, size_t));
		else if (lng == 2) n += (size_t)snprintf(out + n, cap - n, spec, va_arg(ap, long long));
		else if (lng == 1) n += (size_t)snprintf(out + n, cap - n, spec, va_arg(ap, long));
		else n += (size_t)snprintf(out + n, cap - n, spec, va_arg(ap, int));
		if (n >= cap) n = cap - 1;
	}
	out[n] = 0;
}

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
