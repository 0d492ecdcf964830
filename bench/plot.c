/* SPDX-License-Identifier: MIT */
/*
 * The growth picture: long_busy_list ns/op against the number of busy
 * areas, both axes logarithmic, one line per allocator, bars from the
 * fastest to the slowest repeat. Plain SVG written by hand: no
 * dependencies, opens in any browser.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define W	960
#define H	620
#define ML	96	/* plot area margins */
#define MR	36
#define MT	92
#define MB	92

struct axes {
	double x0, x1;	/* log10 of the data range shown */
	double y0, y1;
};

static double px(const struct axes *a, double busy)
{
	return ML + (log10(busy) - a->x0) / (a->x1 - a->x0) * (W - ML - MR);
}

static double py(const struct axes *a, double ns)
{
	return H - MB - (log10(ns) - a->y0) / (a->y1 - a->y0) * (H - MT - MB);
}

static void busy_label(char *buf, size_t len, double v)
{
	if (v >= 1e6)
		snprintf(buf, len, "%gM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, len, "%gk", v / 1e3);
	else
		snprintf(buf, len, "%g", v);
}

static void ns_label(char *buf, size_t len, double ns)
{
	if (ns >= 1e6)
		snprintf(buf, len, "%g ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%g \xc2\xb5s", ns / 1e3);
	else
		snprintf(buf, len, "%g ns", ns);
}

static void ns_value(char *buf, size_t len, double ns)
{
	if (ns >= 1e6)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else if (ns >= 1e4)
		snprintf(buf, len, "%.0f \xc2\xb5s", ns / 1e3);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.1f \xc2\xb5s", ns / 1e3);
	else
		snprintf(buf, len, "%.0f ns", ns);
}

/* Escape the few characters XML cares about. */
static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
	}
}

struct series {
	const char *name;
	const char *color;
	const char *dash;	/* stroke-dasharray, or NULL */
	int marker;		/* 0 circle, 1 square, 2 triangle */
	double v[MAX_BUSY], lo[MAX_BUSY], hi[MAX_BUSY];
};

static void marker(FILE *f, int kind, double x, double y, const char *color)
{
	if (kind == 0)
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\"/>\n",
			x, y, color);
	else if (kind == 1)
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" "
			"fill=\"%s\"/>\n", x - 4, y - 4, color);
	else
		fprintf(f, "<path d=\"M%.1f %.1f l5 9 h-10 z\" fill=\"%s\"/>\n",
			x, y - 6, color);
}

static void draw_series(FILE *f, const struct axes *a, const struct series *s,
			const struct sweep_point *pts, unsigned int n)
{
	unsigned int i, drawn = 0, last = 0;
	char val[32];

	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"%s%s%s points=\"",
		s->color, s->dash ? " stroke-dasharray=\"" : "",
		s->dash ? s->dash : "", s->dash ? "\"" : "");
	for (i = 0; i < n; i++) {
		if (s->v[i] <= 0)
			continue;
		fprintf(f, "%s%.1f,%.1f", drawn++ ? " " : "",
			px(a, (double)pts[i].busy), py(a, s->v[i]));
		last = i;
	}
	fprintf(f, "\"/>\n");
	for (i = 0; i < n; i++) {
		double x = px(a, (double)pts[i].busy);

		if (s->v[i] <= 0)
			continue;
		if (s->lo[i] > 0 && s->hi[i] > s->lo[i])
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.2\"/>\n",
				x, py(a, s->lo[i]), x, py(a, s->hi[i]), s->color);
		marker(f, s->marker, x, py(a, s->v[i]), s->color);
	}
	if (drawn) {
		ns_value(val, sizeof(val), s->v[last]);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
			"text-anchor=\"end\" fill=\"%s\">%s</text>\n",
			px(a, (double)pts[last].busy) - 8, py(a, s->v[last]) - 9,
			s->color, val);
	}
}

int plot_svg(const char *path, const struct sweep_point *pts, unsigned int n,
	     unsigned int threads)
{
	struct series ser[3] = {
		{ "libvmalloc, address space only (get_vm_area + free_vm_area)",
		  "#1f5fbf", NULL, 0, {0}, {0}, {0} },
		{ "libvmalloc, full vmalloc + vfree (frames, page tables)",
		  "#2a9d3a", "7 4", 1, {0}, {0}, {0} },
		{ "seed list (2.6.24 design: first fit over a sorted list)",
		  "#d0342c", NULL, 2, {0}, {0}, {0} },
	};
	double vmin = INFINITY, vmax = 0, bmin = INFINITY, bmax = 0, d;
	const struct sweep_point *last_both = NULL;
	unsigned long seed_loops_top = 0, seed_busy_top = 0;
	char model[128], date[32], lab[32];
	struct axes a;
	unsigned int i, k;
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	if (!n) {
		fprintf(stderr, "vmbench: --plot: no long_busy_list results to draw\n");
		return -1;
	}
	for (i = 0; i < n; i++) {
		ser[0].v[i] = pts[i].ours_kva;
		ser[0].lo[i] = pts[i].ours_kva_min;
		ser[0].hi[i] = pts[i].ours_kva_max;
		ser[1].v[i] = pts[i].ours_full;
		ser[1].lo[i] = pts[i].ours_full_min;
		ser[1].hi[i] = pts[i].ours_full_max;
		ser[2].v[i] = pts[i].seed;
		ser[2].lo[i] = pts[i].seed_min;
		ser[2].hi[i] = pts[i].seed_max;
		if (pts[i].busy < bmin)
			bmin = (double)pts[i].busy;
		if (pts[i].busy > bmax)
			bmax = (double)pts[i].busy;
		for (k = 0; k < 3; k++) {
			double lo = ser[k].lo[i] > 0 ? ser[k].lo[i] : ser[k].v[i];
			double hi = ser[k].hi[i] > 0 ? ser[k].hi[i] : ser[k].v[i];

			if (ser[k].v[i] <= 0)
				continue;
			if (lo < vmin)
				vmin = lo;
			if (hi > vmax)
				vmax = hi;
		}
		if (pts[i].seed > 0 && pts[i].ours_kva > 0)
			last_both = &pts[i];
		if (pts[i].seed > 0 && pts[i].busy >= seed_busy_top) {
			seed_busy_top = pts[i].busy;
			seed_loops_top = pts[i].seed_loops;
		}
	}
	if (!(vmax > 0)) {
		fprintf(stderr, "vmbench: --plot: nothing measured\n");
		return -1;
	}
	/* Whole decades on both axes; at least 1k .. 1M busy areas. */
	a.x0 = floor(log10(bmin < 1000 ? bmin : 1000));
	a.x1 = ceil(log10(bmax > 1e6 ? bmax : 1e6));
	a.y0 = floor(log10(vmin));
	a.y1 = ceil(log10(vmax));
	if (a.y1 - a.y0 < 2)
		a.y1 = a.y0 + 2;

	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return -1;
	}
	report_machine(model, sizeof(model));
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		W, H, W, H);
	fprintf(f, "<text x=\"%d\" y=\"30\" font-size=\"19\" font-weight=\"bold\">"
		"vmalloc allocation cost as busy areas grow (long_busy_list)</text>\n",
		ML);
	fprintf(f, "<text x=\"%d\" y=\"52\" font-size=\"13\" fill=\"#444\">", ML);
	xml_text(f, model);
	fprintf(f, ", %ld CPUs, %s. One op = one allocation + its free; "
		"median of the repeats, bars from min to max; %u thread%s.</text>\n",
		sysconf(_SC_NPROCESSORS_ONLN), date, threads,
		threads > 1 ? "s" : "");
	if (last_both) {
		char s1[32], s2[32], b[32];

		ns_value(s1, sizeof(s1), last_both->seed);
		ns_value(s2, sizeof(s2), last_both->ours_kva);
		busy_label(b, sizeof(b), (double)last_both->busy);
		fprintf(f, "<text x=\"%d\" y=\"72\" font-size=\"13\" fill=\"#444\">"
			"At %s busy areas: seed list %s per op, libvmalloc %s "
			"(%.0fx faster). Lower is better.</text>\n",
			ML, b, s1, s2, last_both->seed / last_both->ours_kva);
	}

	/* Grid and ticks. */
	for (d = a.x0; d <= a.x1 + 1e-9; d += 1) {
		for (k = 1; k < 10; k++) {
			double v = pow(10, d) * k, x;

			if (log10(v) > a.x1 + 1e-9)
				break;
			x = px(&a, v);
			fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
				"stroke=\"%s\" stroke-width=\"1\"/>\n", x, MT, x,
				H - MB, k == 1 ? "#bbb" : "#eee");
			if (k == 1 || k == 2 || k == 5) {
				busy_label(lab, sizeof(lab), v);
				fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"%d\" "
					"text-anchor=\"middle\" fill=\"%s\">%s</text>\n",
					x, H - MB + 20, k == 1 ? 13 : 11,
					k == 1 ? "#000" : "#777", lab);
			}
		}
	}
	for (d = a.y0; d <= a.y1 + 1e-9; d += 1) {
		for (k = 1; k < 10; k++) {
			double v = pow(10, d) * k, y;

			if (log10(v) > a.y1 + 1e-9)
				break;
			y = py(&a, v);
			fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
				"stroke=\"%s\" stroke-width=\"1\"/>\n", ML, y,
				W - MR, y, k == 1 ? "#bbb" : "#eee");
			if (k == 1) {
				ns_label(lab, sizeof(lab), v);
				fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"13\" "
					"text-anchor=\"end\">%s</text>\n", ML - 8,
					y + 4, lab);
			}
		}
	}
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
		"stroke=\"#333\"/>\n", ML, MT, W - ML - MR, H - MT - MB);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"14\" text-anchor=\"middle\">"
		"busy areas held while measuring (log scale)</text>\n",
		(ML + W - MR) / 2, H - MB + 44);
	fprintf(f, "<text x=\"22\" y=\"%d\" font-size=\"14\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 22 %d)\">time per op, ns (log scale)</text>\n",
		(MT + H - MB) / 2, (MT + H - MB) / 2);

	for (k = 0; k < 3; k++)
		draw_series(f, &a, &ser[k], pts, n);

	/* Legend, top left (the seed line starts low on the left). */
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"440\" height=\"78\" "
		"fill=\"white\" fill-opacity=\"0.9\" stroke=\"#999\"/>\n",
		ML + 12, MT + 12);
	for (k = 0; k < 3; k++) {
		int y = MT + 32 + (int)k * 22;

		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
			"stroke-width=\"2.5\"%s%s%s/>\n", ML + 22, y, ML + 52, y,
			ser[k].color, ser[k].dash ? " stroke-dasharray=\"" : "",
			ser[k].dash ? ser[k].dash : "", ser[k].dash ? "\"" : "");
		marker(f, ser[k].marker, ML + 37, y, ser[k].color);
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"13\">%s</text>\n",
			ML + 60, y + 4, ser[k].name);
	}

	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#555\">"
		"long_busy_list: N one-page areas stay allocated; each loop allocates "
		"100 pages and 1 page, then frees both (2 ops). Soft engine.</text>\n",
		ML, H - 22);
	if (seed_loops_top)
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#555\">"
			"The seed list is O(n) per op: its loop count is cut to bound "
			"the time per point (%lu loops per repeat at %lu busy).</text>\n",
			ML, H - 6, seed_loops_top, seed_busy_top);
	fprintf(f, "</svg>\n");
	if (fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}
