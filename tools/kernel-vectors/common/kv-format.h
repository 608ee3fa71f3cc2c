/*
 * dmasim kernel-vectors: the printk capture every target's driver shares — the kernel's vsnprintf
 * with its %pa / %pad extensions (kv_vformat), JSON string quoting (json_str), and kv_logjson, which
 * appends one captured line to a driver's log as the JSON the replays read. Our own code (MIT).
 */
#ifndef DMASIM_KV_FORMAT_H
#define DMASIM_KV_FORMAT_H
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* append s to out[*len] as a JSON string (quotes, \" \\ \n escaped, other control bytes as \u00XX) */
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
			const unsigned long long *v = va_arg(ap, const unsigned long long *);
			n += (size_t)snprintf(out + n, cap - n, "0x%016llx", *v);
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

/* one captured line as ["level","text"] appended (comma-separated) to log[*len]; the text formatted by
 * kv_vformat, its newlines dropped (the replays compare a line's text without them) */
static void kv_logjson(char *log, size_t cap, size_t *len, const char *level, const char *fmt, va_list ap)
{
	char text[1024], *w = text; const char *r;
	kv_vformat(text, sizeof(text), fmt, ap);
	for (r = text; *r; r++) if (*r != '\n') *w++ = *r;
	*w = 0;
	*len += (size_t)snprintf(log + *len, cap - *len, "%s[\"%s\",", *len ? "," : "", level);
	json_str(log, cap, len, text);
	if (*len + 2 < cap) { log[(*len)++] = ']'; log[*len] = 0; }
}
#endif
