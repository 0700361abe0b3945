/*
 * calendar.c — compiled calendars and business-time math (model and definitions: calendar.h).
 *
 * Vocabulary.
 *   day     a local date as a day number (civil.h); its shifts are local [start, end) ranges.
 *   block   63 consecutive local days; its periods are the open UTC periods inside the block's
 *           UTC span [local midnight of its first day, local midnight after its last day).
 *           A period crossing a block edge is split there; the split is invisible to the math
 *           and next_close/next_period join the halves again.
 *   P(t)    open time from an origin to t.  A block knows P at its span start (p_start) and
 *           the open time before each of its periods (rel[]).
 *   regions blocks in [lb, hb) (years 1700..2199) are cached as they are used, contiguously,
 *           so p_start of a cached block is exact.  Blocks >= hb repeat every CYCLE_BLOCKS
 *           (400 Gregorian years) and so do blocks < lb: their p_start is computed from one
 *           cycle's per-block totals, which is what lets huge amounts take O(log n) time.
 * The periodicity holds because weekly hours repeat every week, yearly holidays every Gregorian
 * year, dated entries are confined to [lb, hb), and time-zone rules beyond their tables repeat
 * every 400 years (PostgreSQL's localtime uses exactly that cycle).
 */
#include <string.h>

#include "calendar.h"
#include "civil.h"

#define DAY SLA_USECS_PER_DAY_CIVIL
#define BLOCK_DAYS 63
#define CYCLE_DAYS 146097
#define CYCLE_BLOCKS (CYCLE_DAYS / BLOCK_DAYS)	/* 2319 */

/* Days whose midnight is a valid instant, with a margin for time-zone offsets. */
#define FIRST_DAY (SLA_MIN_INSTANT / DAY - 2)
#define LAST_DAY (SLA_END_INSTANT / DAY + 2)

typedef struct range
{
	int64_t		start;
	int64_t		end;
} range;

typedef struct period
{
	int64_t		start;
	int64_t		end;
} period;

typedef struct block
{
	int64_t		index;
	int64_t		span_start;
	int64_t		span_end;
	int64_t		p_start;		/* P(span_start) */
	int64_t		total;			/* open time in the block */
	int32_t		n;				/* number of periods; -1 while not generated */
	int32_t		cap;
	period	   *periods;
	int64_t    *rel;			/* open time in [span_start, periods[i].start) */
	int32_t		ndays;
	int32_t    *day_first;		/* first period ending after span_start + k days, k < ndays;
								 * turns the search for an instant's period into a short scan */
} block;

/* A block's span is 63 days give or take a DST hour (or a zone's odd history). */
#define MAX_BLOCK_SPAN_DAYS (BLOCK_DAYS + 3)

struct sla_calendar
{
	sla_allocator alloc;
	sla_tz		tz;

	/* local rules */
	range	   *week[7];
	int			nweek[7];
	int32_t    *holidays;		/* sorted, unique */
	size_t		nholidays;
	bool		yearly[13][32];
	bool		any_yearly;
	sla_special_day *special;	/* sorted by day */
	size_t		nspecial;
	range	   *special_ranges;
	bool		has_hours;
	int			max_shifts;		/* most shifts on one day */

	/* periods */
	period	   *tmp;			/* generation buffer */
	size_t		tmp_cap;
	int64_t		lb;
	int64_t		hb;
	block	   *mid;			/* hb - lb entries */
	int64_t		klo;			/* cached mid blocks are [klo, khi) */
	int64_t		khi;
	block		scratch[2];		/* blocks outside [lb, hb) */
	int			scratch_next;

	/* cycles */
	bool		hi_ready;
	int64_t		p_hb;			/* P at the start of block hb */
	int64_t    *hi_prefix;		/* open time of blocks [hb, hb + k), k = 0..CYCLE_BLOCKS */
	bool		lo_ready;
	int64_t		p_lb;			/* P at the start of block lb */
	int64_t    *lo_suffix;		/* open time of blocks [lb - k, lb), k = 0..CYCLE_BLOCKS */
	bool		hi_days_ready;
	int64_t		hi_workdays;	/* working days in one cycle from day 63 * hb */
	bool		lo_days_ready;
	int64_t		lo_workdays;	/* working days in one cycle before day 63 * lb */
};

/* ---------------------------------------------------------------- allocation and build */

static void *
cal_alloc(sla_calendar *cal, size_t size)
{
	return cal->alloc.alloc(cal->alloc.ctx, size == 0 ? 1 : size);
}

static void
cal_free(sla_calendar *cal, void *p)
{
	if (p)
		cal->alloc.free(cal->alloc.ctx, p);
}

/*
 * Insertion sorts by a key: the inputs are short (a day's ranges, a calendar's holidays) or
 * nearly sorted (a block's shifts, day after day), and the core avoids libc's qsort.
 */
#define DEFINE_INSERTION_SORT(name, type, key) \
static void \
name(type *v, size_t n) \
{ \
	size_t		i; \
\
	for (i = 1; i < n; i++) \
	{ \
		type		x = v[i]; \
		size_t		j = i; \
\
		while (j > 0 && key(v[j - 1]) > key(x)) \
		{ \
			v[j] = v[j - 1]; \
			j--; \
		} \
		v[j] = x; \
	} \
}

#define VALUE_KEY(x) (x)
#define START_KEY(x) ((x).start)
DEFINE_INSERTION_SORT(sort_i32, int32_t, VALUE_KEY)
DEFINE_INSERTION_SORT(sort_ranges, range, START_KEY)
DEFINE_INSERTION_SORT(sort_periods, period, START_KEY)

static bool
valid_range(const sla_day_range *r)
{
	return r->start >= 0 && r->start < DAY && r->end > r->start && r->end <= r->start + DAY;
}

static bool
dated_day_ok(int32_t day)
{
	return day >= sla_days_from_civil(SLA_FIRST_DATED_YEAR, 1, 1) &&
		day <= sla_days_from_civil(SLA_LAST_DATED_YEAR, 12, 31);
}

void
sla_calendar_free(sla_calendar *cal)
{
	int			i;

	if (!cal)
		return;
	for (i = 0; i < 7; i++)
		cal_free(cal, cal->week[i]);
	cal_free(cal, cal->holidays);
	cal_free(cal, cal->special);
	cal_free(cal, cal->special_ranges);
	cal_free(cal, cal->tmp);
	if (cal->mid)
	{
		int64_t		b;

		for (b = 0; b < cal->hb - cal->lb; b++)
		{
			cal_free(cal, cal->mid[b].periods);
			cal_free(cal, cal->mid[b].rel);
			cal_free(cal, cal->mid[b].day_first);
		}
		cal_free(cal, cal->mid);
	}
	for (i = 0; i < 2; i++)
	{
		cal_free(cal, cal->scratch[i].periods);
		cal_free(cal, cal->scratch[i].rel);
		cal_free(cal, cal->scratch[i].day_first);
	}
	cal_free(cal, cal->hi_prefix);
	cal_free(cal, cal->lo_suffix);
	cal->alloc.free(cal->alloc.ctx, cal);
}

sla_status
sla_calendar_build(const sla_calendar_def *def, sla_tz tz, const sla_allocator *alloc,
				   sla_calendar **out)
{
	sla_calendar *cal;
	size_t		i,
				j;
	size_t		a,
				b;
	int			d;

	*out = NULL;
	if (sla_check_week_overlap(def->weekly, def->nweekly, &a, &b) != SLA_OK)
		return SLA_ECONFIG;
	for (i = 0; i < def->nweekly; i++)
		if (!valid_range(&def->weekly[i]) || def->weekly[i].weekday < 0 || def->weekly[i].weekday > 6)
			return SLA_ERANGE;

	cal = alloc->alloc(alloc->ctx, sizeof(sla_calendar));
	if (!cal)
		return SLA_ENOMEM;
	memset(cal, 0, sizeof(*cal));
	cal->alloc = *alloc;
	cal->tz = tz;

	/* weekly ranges, per weekday, sorted */
	for (d = 0; d < 7; d++)
	{
		cal->week[d] = cal_alloc(cal, sizeof(range) * (def->nweekly + 1));
		if (!cal->week[d])
			goto nomem;
		for (i = 0; i < def->nweekly; i++)
			if (def->weekly[i].weekday == d)
			{
				cal->week[d][cal->nweek[d]].start = def->weekly[i].start;
				cal->week[d][cal->nweek[d]].end = def->weekly[i].end;
				cal->nweek[d]++;
			}
		sort_ranges(cal->week[d], (size_t) cal->nweek[d]);
		if (cal->nweek[d] > cal->max_shifts)
			cal->max_shifts = cal->nweek[d];
		if (cal->nweek[d] > 0)
			cal->has_hours = true;
	}

	/* dated holidays, sorted and unique */
	cal->holidays = cal_alloc(cal, sizeof(int32_t) * (def->nholidays + 1));
	if (!cal->holidays)
		goto nomem;
	for (i = 0; i < def->nholidays; i++)
	{
		if (!dated_day_ok(def->holidays[i]))
			goto range_error;
		cal->holidays[i] = def->holidays[i];
	}
	sort_i32(cal->holidays, def->nholidays);
	for (i = 0, j = 0; i < def->nholidays; i++)
		if (j == 0 || cal->holidays[j - 1] != cal->holidays[i])
			cal->holidays[j++] = cal->holidays[i];
	cal->nholidays = j;

	for (i = 0; i < def->nyearly; i++)
	{
		int32_t		m = def->yearly_holidays[i] / 100,
					dd = def->yearly_holidays[i] % 100;

		if (m < 1 || m > 12 || dd < 1 || dd > 31)
			goto range_error;
		cal->yearly[m][dd] = true;
		cal->any_yearly = true;
	}

	/* special days, sorted by day, each with its own sorted copy of ranges */
	cal->special = cal_alloc(cal, sizeof(sla_special_day) * (def->nspecial + 1));
	cal->special_ranges = cal_alloc(cal, sizeof(range) * (def->nspecial_ranges + 1));
	if (!cal->special || !cal->special_ranges)
		goto nomem;
	for (i = 0; i < def->nspecial_ranges; i++)
	{
		if (!valid_range(&def->special_ranges[i]))
			goto range_error;
		cal->special_ranges[i].start = def->special_ranges[i].start;
		cal->special_ranges[i].end = def->special_ranges[i].end;
	}
	for (i = 0; i < def->nspecial; i++)
	{
		const sla_special_day *s = &def->special[i];

		if (!dated_day_ok(s->day))
			goto range_error;
		if ((size_t) s->first + s->count > def->nspecial_ranges)
			goto range_error;
		sort_ranges(cal->special_ranges + s->first, s->count);
		for (j = 1; j < s->count; j++)
			if (cal->special_ranges[s->first + j].start < cal->special_ranges[s->first + j - 1].end)
				goto config_error;
		if ((int) s->count > cal->max_shifts)
			cal->max_shifts = (int) s->count;
		if (s->count > 0)
			cal->has_hours = true;
		/* insert sorted */
		j = i;
		while (j > 0 && cal->special[j - 1].day > s->day)
		{
			cal->special[j] = cal->special[j - 1];
			j--;
		}
		cal->special[j] = *s;
	}
	cal->nspecial = def->nspecial;
	for (i = 1; i < cal->nspecial; i++)
		if (cal->special[i].day == cal->special[i - 1].day)
			goto config_error;

	/* generation buffer: every shift of a block's days plus the day before */
	cal->tmp_cap = (size_t) (BLOCK_DAYS + 1) * (size_t) (cal->max_shifts > 0 ? cal->max_shifts : 1);
	cal->tmp = cal_alloc(cal, sizeof(period) * cal->tmp_cap);
	if (!cal->tmp)
		goto nomem;
	for (d = 0; d < 2; d++)
	{
		cal->scratch[d].index = INT64_MIN;
		cal->scratch[d].n = -1;
		cal->scratch[d].cap = (int32_t) cal->tmp_cap;
		cal->scratch[d].periods = cal_alloc(cal, sizeof(period) * cal->tmp_cap);
		cal->scratch[d].rel = cal_alloc(cal, sizeof(int64_t) * cal->tmp_cap);
		cal->scratch[d].day_first = cal_alloc(cal, sizeof(int32_t) * MAX_BLOCK_SPAN_DAYS);
		if (!cal->scratch[d].periods || !cal->scratch[d].rel || !cal->scratch[d].day_first)
			goto nomem;
	}

	cal->lb = sla_floor_div(sla_days_from_civil(SLA_FIRST_DATED_YEAR, 1, 1), BLOCK_DAYS);
	cal->hb = sla_floor_div(sla_days_from_civil(SLA_LAST_DATED_YEAR + 1, 1, 1), BLOCK_DAYS) + 1;
	cal->mid = cal_alloc(cal, sizeof(block) * (size_t) (cal->hb - cal->lb));
	if (!cal->mid)
		goto nomem;
	for (i = 0; i < (size_t) (cal->hb - cal->lb); i++)
	{
		memset(&cal->mid[i], 0, sizeof(block));
		cal->mid[i].index = cal->lb + (int64_t) i;
		cal->mid[i].n = -1;
	}
	cal->klo = cal->khi = 0;
	*out = cal;
	return SLA_OK;

nomem:
	sla_calendar_free(cal);
	return SLA_ENOMEM;
range_error:
	sla_calendar_free(cal);
	return SLA_ERANGE;
config_error:
	sla_calendar_free(cal);
	return SLA_ECONFIG;
}

bool
sla_calendar_has_hours(const sla_calendar *cal)
{
	return cal->has_hours;
}

/* ---------------------------------------------------------------- local rules */

static const sla_special_day *
find_special(const sla_calendar *cal, int64_t day)
{
	size_t		lo = 0,
				hi = cal->nspecial;

	while (lo < hi)
	{
		size_t		mid = (lo + hi) / 2;

		if (cal->special[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo < cal->nspecial && cal->special[lo].day == day) ? &cal->special[lo] : NULL;
}

static bool
is_holiday(const sla_calendar *cal, int64_t day)
{
	size_t		lo = 0,
				hi = cal->nholidays;

	while (lo < hi)
	{
		size_t		mid = (lo + hi) / 2;

		if (cal->holidays[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < cal->nholidays && cal->holidays[lo] == day)
		return true;
	if (cal->any_yearly && day >= INT32_MIN && day <= INT32_MAX)
	{
		int32_t		y,
					m,
					d;

		sla_civil_from_days((int32_t) day, &y, &m, &d);
		return cal->yearly[m][d];
	}
	return false;
}

/* The shifts that start on a local day. */
static const range *
day_shifts(const sla_calendar *cal, int64_t day, int *n)
{
	const sla_special_day *s = find_special(cal, day);

	if (s)
	{
		*n = (int) s->count;
		return cal->special_ranges + s->first;
	}
	if (is_holiday(cal, day))
	{
		*n = 0;
		return NULL;
	}
	*n = cal->nweek[sla_floor_mod(day + 5, 7)];	/* day 0 was a Saturday */
	return cal->week[sla_floor_mod(day + 5, 7)];
}

static bool
is_working_day(const sla_calendar *cal, int64_t day)
{
	int			n;

	(void) day_shifts(cal, day, &n);
	return n > 0;
}

/* ---------------------------------------------------------------- instants */

static int64_t
clamp_instant(int64_t t)
{
	if (t < SLA_MIN_INSTANT)
		return SLA_MIN_INSTANT;
	if (t > SLA_END_INSTANT)
		return SLA_END_INSTANT;
	return t;
}

/* Local midnight starting a day plus an offset (< 2 days), as a clamped instant. */
static int64_t
local_instant(const sla_calendar *cal, int64_t day, int64_t offset)
{
	if (day < FIRST_DAY)
		return SLA_MIN_INSTANT;
	if (day > LAST_DAY)
		return SLA_END_INSTANT;
	return clamp_instant(cal->tz.local_to_utc(cal->tz.ctx, day * DAY + offset));
}

static int64_t
span_start_of(const sla_calendar *cal, int64_t b)
{
	return local_instant(cal, b * BLOCK_DAYS, 0);
}

/* Fill cal->tmp with the merged open periods of block b; sets spans, returns the count. */
static size_t
generate_periods(sla_calendar *cal, int64_t b, int64_t *span_start, int64_t *span_end)
{
	int64_t		first = b * BLOCK_DAYS;
	int64_t		day;
	size_t		n = 0,
				i,
				m;

	*span_start = span_start_of(cal, b);
	*span_end = span_start_of(cal, b + 1);
	if (*span_start >= *span_end || first - 1 > LAST_DAY || first + BLOCK_DAYS < FIRST_DAY)
		return 0;

	for (day = first - 1; day < first + BLOCK_DAYS; day++)
	{
		int			k,
					ns;
		const range *r = day_shifts(cal, day, &ns);

		for (k = 0; k < ns; k++)
		{
			int64_t		s = local_instant(cal, day, r[k].start);
			int64_t		e = local_instant(cal, day, r[k].end);

			if (s < *span_start)
				s = *span_start;
			if (e > *span_end)
				e = *span_end;
			if (e > s)
			{
				cal->tmp[n].start = s;
				cal->tmp[n].end = e;
				n++;
			}
		}
	}
	/* the previous day's overnight shift may overlap this day's: sort, then join */
	sort_periods(cal->tmp, n);
	for (i = 0, m = 0; i < n; i++)
	{
		if (m > 0 && cal->tmp[i].start <= cal->tmp[m - 1].end)
		{
			if (cal->tmp[i].end > cal->tmp[m - 1].end)
				cal->tmp[m - 1].end = cal->tmp[i].end;
		}
		else
			cal->tmp[m++] = cal->tmp[i];
	}
	return m;
}

/* Generate block b into blk, whose arrays hold at least tmp_cap periods or are NULL. */
static sla_status
fill_block(sla_calendar *cal, int64_t b, block *blk)
{
	size_t		n = generate_periods(cal, b, &blk->span_start, &blk->span_end);
	size_t		i;
	int64_t		acc = 0;

	if (blk->periods == NULL || (size_t) blk->cap < n)
	{
		cal_free(cal, blk->periods);
		cal_free(cal, blk->rel);
		blk->periods = cal_alloc(cal, sizeof(period) * n);
		blk->rel = cal_alloc(cal, sizeof(int64_t) * n);
		blk->cap = (int32_t) n;
		if (!blk->periods || !blk->rel)
		{
			blk->n = -1;
			return SLA_ENOMEM;
		}
	}
	if (blk->day_first == NULL)
	{
		blk->day_first = cal_alloc(cal, sizeof(int32_t) * MAX_BLOCK_SPAN_DAYS);
		if (!blk->day_first)
		{
			blk->n = -1;
			return SLA_ENOMEM;
		}
	}
	for (i = 0; i < n; i++)
	{
		blk->periods[i] = cal->tmp[i];
		blk->rel[i] = acc;
		acc += cal->tmp[i].end - cal->tmp[i].start;
	}
	blk->index = b;
	blk->n = (int32_t) n;
	blk->total = acc;
	/* day index: spans shorter than a day (clipped at the ends of time) still get one entry */
	{
		int64_t		span = blk->span_end - blk->span_start;
		int32_t		k,
					first = 0;

		blk->ndays = span <= 0 ? 1 : (int32_t) ((span + DAY - 1) / DAY);
		if (blk->ndays > MAX_BLOCK_SPAN_DAYS)
			blk->ndays = MAX_BLOCK_SPAN_DAYS;
		for (k = 0; k < blk->ndays; k++)
		{
			int64_t		day_start = blk->span_start + k * DAY;

			while (first < blk->n && blk->periods[first].end <= day_start)
				first++;
			blk->day_first[k] = first;
		}
	}
	return SLA_OK;
}

static int64_t
block_total(sla_calendar *cal, int64_t b)
{
	int64_t		s,
				e,
				total = 0;
	size_t		n = generate_periods(cal, b, &s, &e),
				i;

	for (i = 0; i < n; i++)
		total += cal->tmp[i].end - cal->tmp[i].start;
	return total;
}

/* ---------------------------------------------------------------- regions */

/* Cache mid block b (lb <= b < hb), extending the contiguous cached range to reach it. */
static sla_status
ensure_mid(sla_calendar *cal, int64_t b)
{
	sla_status	st;

	if (cal->klo == cal->khi)
	{
		if ((st = fill_block(cal, b, &cal->mid[b - cal->lb])) != SLA_OK)
			return st;
		cal->mid[b - cal->lb].p_start = 0;
		cal->klo = b;
		cal->khi = b + 1;
	}
	while (b >= cal->khi)
	{
		block	   *prev = &cal->mid[cal->khi - 1 - cal->lb];
		block	   *next = &cal->mid[cal->khi - cal->lb];

		if ((st = fill_block(cal, cal->khi, next)) != SLA_OK)
			return st;
		next->p_start = prev->p_start + prev->total;
		cal->khi++;
	}
	while (b < cal->klo)
	{
		block	   *next = &cal->mid[cal->klo - cal->lb];
		block	   *prev = &cal->mid[cal->klo - 1 - cal->lb];

		if ((st = fill_block(cal, cal->klo - 1, prev)) != SLA_OK)
			return st;
		prev->p_start = next->p_start - prev->total;
		cal->klo--;
	}
	return SLA_OK;
}

static sla_status
ensure_hi(sla_calendar *cal)
{
	sla_status	st;
	int64_t		k;
	block	   *last;

	if (cal->hi_ready)
		return SLA_OK;
	if ((st = ensure_mid(cal, cal->hb - 1)) != SLA_OK)
		return st;
	last = &cal->mid[cal->hb - 1 - cal->lb];
	cal->p_hb = last->p_start + last->total;
	cal->hi_prefix = cal_alloc(cal, sizeof(int64_t) * (CYCLE_BLOCKS + 1));
	if (!cal->hi_prefix)
		return SLA_ENOMEM;
	cal->hi_prefix[0] = 0;
	for (k = 0; k < CYCLE_BLOCKS; k++)
		cal->hi_prefix[k + 1] = cal->hi_prefix[k] + block_total(cal, cal->hb + k);
	cal->hi_ready = true;
	return SLA_OK;
}

static sla_status
ensure_lo(sla_calendar *cal)
{
	sla_status	st;
	int64_t		k;

	if (cal->lo_ready)
		return SLA_OK;
	if ((st = ensure_mid(cal, cal->lb)) != SLA_OK)
		return st;
	cal->p_lb = cal->mid[0].p_start;
	cal->lo_suffix = cal_alloc(cal, sizeof(int64_t) * (CYCLE_BLOCKS + 1));
	if (!cal->lo_suffix)
		return SLA_ENOMEM;
	cal->lo_suffix[0] = 0;
	for (k = 1; k <= CYCLE_BLOCKS; k++)
		cal->lo_suffix[k] = cal->lo_suffix[k - 1] + block_total(cal, cal->lb - k);
	cal->lo_ready = true;
	return SLA_OK;
}

#define HI_TOTAL(cal) ((cal)->hi_prefix[CYCLE_BLOCKS])
#define LO_TOTAL(cal) ((cal)->lo_suffix[CYCLE_BLOCKS])

/* Valid block indexes: every block holding a valid instant. */
#define MIN_BLOCK (FIRST_DAY / BLOCK_DAYS - 2)
#define MAX_BLOCK (LAST_DAY / BLOCK_DAYS + 2)

/* Any block, generated and with its exact p_start.  Out-of-region blocks live in two scratch
 * slots, so at most two such pointers may be held at once. */
static sla_status
get_block(sla_calendar *cal, int64_t b, block **out)
{
	sla_status	st;
	block	   *blk;
	int64_t		q,
				r,
				p;
	int			slot;

	if (b >= cal->klo && b < cal->khi)
	{
		/* the hot path: a cached block */
		*out = &cal->mid[b - cal->lb];
		return SLA_OK;
	}
	if (b < MIN_BLOCK || b > MAX_BLOCK)
		return SLA_EOVERFLOW;
	if (b >= cal->lb && b < cal->hb)
	{
		if ((st = ensure_mid(cal, b)) != SLA_OK)
			return st;
		*out = &cal->mid[b - cal->lb];
		return SLA_OK;
	}
	/* two slots, least recently used replaced first, so the block returned last survives the
	 * next generation (callers hold at most two blocks at a time) */
	for (slot = 0; slot < 2; slot++)
		if (cal->scratch[slot].index == b && cal->scratch[slot].n >= 0)
		{
			cal->scratch_next = slot ^ 1;
			*out = &cal->scratch[slot];
			return SLA_OK;
		}
	if (b >= cal->hb)
	{
		if ((st = ensure_hi(cal)) != SLA_OK)
			return st;
		q = (b - cal->hb) / CYCLE_BLOCKS;
		r = (b - cal->hb) % CYCLE_BLOCKS;
		if (__builtin_mul_overflow(q, HI_TOTAL(cal), &p) ||
			__builtin_add_overflow(p, cal->p_hb + cal->hi_prefix[r], &p))
			return SLA_EOVERFLOW;
	}
	else
	{
		int64_t		j = cal->lb - b;	/* blocks in [b, lb), >= 1 */

		if ((st = ensure_lo(cal)) != SLA_OK)
			return st;
		q = (j - 1) / CYCLE_BLOCKS;
		r = j - q * CYCLE_BLOCKS;
		if (__builtin_mul_overflow(q, LO_TOTAL(cal), &p) ||
			__builtin_sub_overflow(cal->p_lb - cal->lo_suffix[r], p, &p))
			return SLA_EOVERFLOW;
	}
	blk = &cal->scratch[cal->scratch_next];
	cal->scratch_next ^= 1;
	if ((st = fill_block(cal, b, blk)) != SLA_OK)
		return st;
	/* a block cut by the ends of the timestamp range breaks the 400-year pattern that p relies
	 * on; the first and last nine weeks of time are out of range for calendar math */
	if (blk->span_start <= SLA_MIN_INSTANT || blk->span_end >= SLA_END_INSTANT)
	{
		blk->n = -1;
		return SLA_EOVERFLOW;
	}
	blk->p_start = p;
	*out = blk;
	return SLA_OK;
}

/* The block whose span holds instant t. */
static sla_status
block_of(sla_calendar *cal, int64_t t, block **out)
{
	int64_t		b = sla_floor_div(sla_floor_div(t, DAY), BLOCK_DAYS);
	sla_status	st;
	block	   *blk;

	/* local and UTC dates differ by at most a day, so b is right or one off */
	if ((st = get_block(cal, b, &blk)) != SLA_OK)
		return st;
	if (t < blk->span_start)
		return get_block(cal, b - 1, out);
	if (t >= blk->span_end)
		return get_block(cal, b + 1, out);
	*out = blk;
	return SLA_OK;
}

/* Index of the last period starting at or before t (t inside blk's span), or -1. */
static int32_t
last_starting_by(const block *blk, int64_t t)
{
	int64_t		k = (t - blk->span_start) / DAY;
	int32_t		i;

	if (k < 0)
		k = 0;
	if (k >= blk->ndays)
		k = blk->ndays - 1;
	/* periods before day_first[k] end before that day starts, so they start before t */
	i = blk->n > 0 ? blk->day_first[k] : 0;
	while (i < blk->n && blk->periods[i].start <= t)
		i++;
	return i - 1;
}

/* P(t) for t inside blk's span; *index is the last period starting at or before t, or -1. */
static int64_t
p_within(const block *blk, int64_t t, int32_t *index)
{
	int32_t		i = last_starting_by(blk, t);
	const period *p;

	*index = i;
	if (i < 0)
		return blk->p_start;
	p = &blk->periods[i];
	return blk->p_start + blk->rel[i] + ((t < p->end ? t : p->end) - p->start);
}

static sla_status
p_of(sla_calendar *cal, int64_t t, int64_t *p, block **blk_out, int32_t *index)
{
	block	   *blk;
	int32_t		i;
	sla_status	st = block_of(cal, t, &blk);

	if (st != SLA_OK)
		return st;
	*p = p_within(blk, t, &i);
	if (blk_out)
		*blk_out = blk;
	if (index)
		*index = i;
	return SLA_OK;
}

/* Cumulative open time at the end of period i. */
#define CUM_END(blk, i) ((blk)->p_start + (blk)->rel[i] + ((blk)->periods[i].end - (blk)->periods[i].start))

#define P_END(blk) ((blk)->p_start + (blk)->total)

/* Make sure some mid block is cached (the searches below start from the cached range): the one
 * nearest the hint. */
static sla_status
seed_mid(sla_calendar *cal, const block *hint)
{
	int64_t		b = hint ? hint->index : 0;

	if (cal->klo != cal->khi)
		return SLA_OK;
	if (b < cal->lb)
		b = cal->lb;
	else if (b >= cal->hb)
		b = cal->hb - 1;
	return ensure_mid(cal, b);
}

/* Index of the first block with P_END > x: the block holding the forward answer for x. */
static sla_status
find_forward_block(sla_calendar *cal, int64_t x, block *hint, block **out)
{
	sla_status	st;

	if (hint && hint->p_start <= x && x < P_END(hint))
	{
		*out = hint;
		return SLA_OK;
	}
	if (hint && x >= P_END(hint) && hint->index + 1 < cal->hb && hint->index + 1 >= cal->lb)
	{
		/* short hops are the common case: a due date a few weeks out */
		int			hops;
		block	   *blk;

		for (hops = 0; hops < 4 && hint->index + 1 + hops < cal->hb; hops++)
		{
			if ((st = get_block(cal, hint->index + 1 + hops, &blk)) != SLA_OK)
				return st;
			if (x < P_END(blk))
			{
				*out = blk;
				return SLA_OK;
			}
		}
	}
	/* mid region: make sure the cached range brackets x, then binary search */
	if ((st = seed_mid(cal, hint)) != SLA_OK)
		return st;
	while (x < cal->mid[cal->klo - cal->lb].p_start && cal->klo > cal->lb)
		if ((st = ensure_mid(cal, cal->klo - 1)) != SLA_OK)
			return st;
	while (x >= P_END(&cal->mid[cal->khi - 1 - cal->lb]) && cal->khi < cal->hb)
		if ((st = ensure_mid(cal, cal->khi)) != SLA_OK)
			return st;
	if (x < cal->mid[cal->klo - cal->lb].p_start)
	{
		/* below the cached range, which reaches lb: the low region */
		int64_t		d,
					q,
					rem,
					r,
					lo,
					hi;

		if ((st = ensure_lo(cal)) != SLA_OK)
			return st;
		if (LO_TOTAL(cal) == 0)
			return SLA_ENOHOURS;
		d = cal->p_lb - x;		/* > 0; want the largest m with S(m) < d */
		q = (d - 1) / LO_TOTAL(cal);
		rem = d - q * LO_TOTAL(cal);	/* in [1, LO_TOTAL] */
		lo = 0;
		hi = CYCLE_BLOCKS - 1;	/* largest r in [0, CYCLE) with lo_suffix[r] < rem */
		while (lo < hi)
		{
			r = (lo + hi + 1) / 2;
			if (cal->lo_suffix[r] < rem)
				lo = r;
			else
				hi = r - 1;
		}
		return get_block(cal, cal->lb - 1 - (q * CYCLE_BLOCKS + lo), out);
	}
	if (x >= P_END(&cal->mid[cal->khi - 1 - cal->lb]))
	{
		/* beyond the cached range, which reaches hb: the high region */
		int64_t		d,
					q,
					rem,
					lo,
					hi,
					b;

		if ((st = ensure_hi(cal)) != SLA_OK)
			return st;
		if (HI_TOTAL(cal) == 0)
			return SLA_ENOHOURS;
		d = x - cal->p_hb;		/* >= 0 */
		q = d / HI_TOTAL(cal);
		rem = d - q * HI_TOTAL(cal);
		lo = 0;
		hi = CYCLE_BLOCKS - 1;	/* first k with hi_prefix[k + 1] > rem */
		while (lo < hi)
		{
			int64_t		k = (lo + hi) / 2;

			if (cal->hi_prefix[k + 1] > rem)
				hi = k;
			else
				lo = k + 1;
		}
		if (__builtin_mul_overflow(q, (int64_t) CYCLE_BLOCKS, &b) ||
			__builtin_add_overflow(b, cal->hb + lo, &b))
			return SLA_EOVERFLOW;
		return get_block(cal, b, out);
	}
	{
		int64_t		lo = cal->klo,
					hi = cal->khi - 1;

		while (lo < hi)
		{
			int64_t		m = lo + (hi - lo) / 2;

			if (P_END(&cal->mid[m - cal->lb]) > x)
				hi = m;
			else
				lo = m + 1;
		}
		*out = &cal->mid[lo - cal->lb];
		return SLA_OK;
	}
}

/* The last block with p_start < y: the block holding the backward answer for y. */
static sla_status
find_backward_block(sla_calendar *cal, int64_t y, block *hint, block **out)
{
	sla_status	st;

	if (hint && hint->p_start < y && y <= P_END(hint))
	{
		*out = hint;
		return SLA_OK;
	}
	if ((st = seed_mid(cal, hint)) != SLA_OK)
		return st;
	while (y <= cal->mid[cal->klo - cal->lb].p_start && cal->klo > cal->lb)
		if ((st = ensure_mid(cal, cal->klo - 1)) != SLA_OK)
			return st;
	while (y > P_END(&cal->mid[cal->khi - 1 - cal->lb]) && cal->khi < cal->hb)
		if ((st = ensure_mid(cal, cal->khi)) != SLA_OK)
			return st;
	if (y <= cal->mid[cal->klo - cal->lb].p_start)
	{
		/* low region: smallest j >= 1 with S(j) > d, answer block lb - j */
		int64_t		d,
					q,
					rem,
					lo,
					hi,
					b;

		if ((st = ensure_lo(cal)) != SLA_OK)
			return st;
		if (LO_TOTAL(cal) == 0)
			return SLA_ENOHOURS;
		d = cal->p_lb - y;		/* >= 0 */
		q = d / LO_TOTAL(cal);
		rem = d - q * LO_TOTAL(cal);	/* in [0, LO_TOTAL) */
		lo = 1;
		hi = CYCLE_BLOCKS;
		while (lo < hi)
		{
			int64_t		r = (lo + hi) / 2;

			if (cal->lo_suffix[r] > rem)
				hi = r;
			else
				lo = r + 1;
		}
		if (__builtin_mul_overflow(q, (int64_t) CYCLE_BLOCKS, &b) ||
			__builtin_add_overflow(b, lo, &b))
			return SLA_EOVERFLOW;
		return get_block(cal, cal->lb - b, out);
	}
	if (y > P_END(&cal->mid[cal->khi - 1 - cal->lb]))
	{
		/* high region: last block hb + q * CYCLE + k with start < y */
		int64_t		d,
					q,
					rem,
					lo,
					hi,
					b;

		if ((st = ensure_hi(cal)) != SLA_OK)
			return st;
		if (HI_TOTAL(cal) == 0)
			return SLA_ENOHOURS;
		d = y - cal->p_hb;		/* > 0 */
		q = (d - 1) / HI_TOTAL(cal);
		rem = d - q * HI_TOTAL(cal);	/* in [1, HI_TOTAL] */
		lo = 0;
		hi = CYCLE_BLOCKS - 1;	/* last k with hi_prefix[k] < rem */
		while (lo < hi)
		{
			int64_t		k = (lo + hi + 1) / 2;

			if (cal->hi_prefix[k] < rem)
				lo = k;
			else
				hi = k - 1;
		}
		if (__builtin_mul_overflow(q, (int64_t) CYCLE_BLOCKS, &b) ||
			__builtin_add_overflow(b, cal->hb + lo, &b))
			return SLA_EOVERFLOW;
		return get_block(cal, b, out);
	}
	{
		int64_t		lo = cal->klo,
					hi = cal->khi - 1;

		while (lo < hi)
		{
			int64_t		m = lo + (hi - lo + 1) / 2;

			if (cal->mid[m - cal->lb].p_start < y)
				lo = m;
			else
				hi = m - 1;
		}
		*out = &cal->mid[lo - cal->lb];
		return SLA_OK;
	}
}

/* ---------------------------------------------------------------- time math */

static sla_status
check_instant(int64_t t)
{
	return (t >= SLA_MIN_INSTANT && t < SLA_END_INSTANT) ? SLA_OK : SLA_EOVERFLOW;
}

/* Move by usec of open time; forward decides the direction when usec is 0. */
static sla_status
add_time(sla_calendar *cal, int64_t t, int64_t usec, bool forward, int64_t *out)
{
	int64_t		p,
				x;
	block	   *blk,
			   *hint;
	int32_t		t_index;
	sla_status	st;

	if (!cal->has_hours)
		return SLA_ENOHOURS;
	if ((st = p_of(cal, t, &p, &hint, &t_index)) != SLA_OK)
		return st;
	if (__builtin_add_overflow(p, usec, &x))
		return SLA_EOVERFLOW;
	if (forward)
	{
		int32_t		lo,
					hi;

		if ((st = find_forward_block(cal, x, hint, &blk)) != SLA_OK)
			return st;
		if (blk->n <= 0)
			return SLA_EOVERFLOW;	/* only where the ends of time cut blocks short */
		/* first period whose cumulative end exceeds x: due dates are usually a few periods
		 * after t, so walk a little from t's period before falling back to bisection */
		lo = 0;
		hi = blk->n - 1;
		if (blk == hint)
		{
			int32_t		steps;

			lo = t_index < 0 ? 0 : t_index;
			for (steps = 0; steps < 8 && lo < hi && CUM_END(blk, lo) <= x; steps++)
				lo++;
		}
		while (lo < hi)
		{
			int32_t		m = (lo + hi) / 2;
			int64_t		end = blk->p_start + blk->rel[m] + (blk->periods[m].end - blk->periods[m].start);

			if (end > x)
				hi = m;
			else
				lo = m + 1;
		}
		*out = blk->periods[lo].start + (x - (blk->p_start + blk->rel[lo]));
	}
	else
	{
		int32_t		lo,
					hi;

		if ((st = find_backward_block(cal, x, hint, &blk)) != SLA_OK)
			return st;
		if (blk->n <= 0)
			return SLA_EOVERFLOW;
		/* last period whose cumulative start is below x */
		lo = 0;
		hi = blk->n - 1;
		while (lo < hi)
		{
			int32_t		m = (lo + hi + 1) / 2;

			if (blk->p_start + blk->rel[m] < x)
				lo = m;
			else
				hi = m - 1;
		}
		*out = blk->periods[lo].start + (x - (blk->p_start + blk->rel[lo]));
	}
	return check_instant(*out);
}

static int64_t
count_workdays(const sla_calendar *cal, int64_t from, int64_t to)
{
	int64_t		d,
				n = 0;

	for (d = from; d < to; d++)
		n += is_working_day(cal, d);
	return n;
}

/* The n-th working day after (n > 0) or before (n < 0) a local day. */
static sla_status
nth_working_day(sla_calendar *cal, int64_t day, int64_t n, int64_t *out)
{
	int64_t		remaining = n > 0 ? n : -n;
	int64_t		step = n > 0 ? 1 : -1;
	int64_t		cur = day;
	int64_t		hi_first = cal->hb * BLOCK_DAYS;
	int64_t		lo_last = cal->lb * BLOCK_DAYS - 1;

	while (remaining > 0)
	{
		cur += step;
		if (cur < FIRST_DAY || cur > LAST_DAY)
			return SLA_EOVERFLOW;
		/* in a repeating region whole 400-year cycles are skipped */
		if (step > 0 && cur >= hi_first)
		{
			if (!cal->hi_days_ready)
			{
				cal->hi_workdays = count_workdays(cal, hi_first, hi_first + CYCLE_DAYS);
				cal->hi_days_ready = true;
			}
			if (cal->hi_workdays == 0)
				return SLA_ENOHOURS;
			if (remaining > cal->hi_workdays)
			{
				int64_t		k = (remaining - 1) / cal->hi_workdays;

				if (k > (LAST_DAY - cur) / CYCLE_DAYS)
					return SLA_EOVERFLOW;
				cur += k * CYCLE_DAYS;
				remaining -= k * cal->hi_workdays;
			}
		}
		else if (step < 0 && cur <= lo_last)
		{
			if (!cal->lo_days_ready)
			{
				cal->lo_workdays = count_workdays(cal, lo_last + 1 - CYCLE_DAYS, lo_last + 1);
				cal->lo_days_ready = true;
			}
			if (cal->lo_workdays == 0)
				return SLA_ENOHOURS;
			if (remaining > cal->lo_workdays)
			{
				int64_t		k = (remaining - 1) / cal->lo_workdays;

				if (k > (cur - FIRST_DAY) / CYCLE_DAYS)
					return SLA_EOVERFLOW;
				cur -= k * CYCLE_DAYS;
				remaining -= k * cal->lo_workdays;
			}
		}
		if (is_working_day(cal, cur))
			remaining--;
	}
	*out = cur;
	return SLA_OK;
}

sla_status
sla_calendar_add(sla_calendar *cal, int64_t t, int32_t days, int64_t usec, int64_t *out)
{
	sla_status	st;

	if ((st = check_instant(t)) != SLA_OK)
		return st;
	if (!cal->has_hours)
		return SLA_ENOHOURS;
	if (days != 0)
	{
		int64_t		local = cal->tz.utc_to_local(cal->tz.ctx, t);
		int64_t		day = sla_floor_div(local, DAY);
		int64_t		time_of_day = local - day * DAY;
		int64_t		target;

		if ((st = nth_working_day(cal, day, days, &target)) != SLA_OK)
			return st;
		t = local_instant(cal, target, time_of_day);
		if ((st = check_instant(t)) != SLA_OK)
			return st;
		if (days < 0 && usec == 0)
		{
			/* an open landing moment (an opening included) stays; a closed one moves back */
			bool		open;

			if ((st = sla_calendar_is_open(cal, t, &open)) != SLA_OK)
				return st;
			if (open)
			{
				*out = t;
				return SLA_OK;
			}
		}
	}
	return add_time(cal, t, usec, usec > 0 || (usec == 0 && days >= 0), out);
}

sla_status
sla_calendar_between(sla_calendar *cal, int64_t a, int64_t b, int64_t *out)
{
	int64_t		pa,
				pb;
	sla_status	st;

	if ((st = check_instant(a)) != SLA_OK || (st = check_instant(b)) != SLA_OK)
		return st;
	if (!cal->has_hours || a == b)
	{
		*out = 0;
		return SLA_OK;
	}
	if ((st = p_of(cal, a, &pa, NULL, NULL)) != SLA_OK)
		return st;
	if ((st = p_of(cal, b, &pb, NULL, NULL)) != SLA_OK)
		return st;
	/* more open time than int64 microseconds hold (some 292,000 years of a 24/7 calendar) */
	if (__builtin_sub_overflow(pb, pa, out))
		return SLA_EOVERFLOW;
	return SLA_OK;
}

/* The block holding t, the period that may contain it (-1 if none) and whether it does. */
static sla_status
locate(sla_calendar *cal, int64_t t, block **blk, int32_t *index, bool *open)
{
	sla_status	st;

	*open = false;
	if ((st = check_instant(t)) != SLA_OK)
		return st;
	if (!cal->has_hours)
	{
		*blk = NULL;
		*index = -1;
		return SLA_OK;
	}
	if ((st = block_of(cal, t, blk)) != SLA_OK)
		return st;
	*index = last_starting_by(*blk, t);
	*open = *index >= 0 && t < (*blk)->periods[*index].end;
	return SLA_OK;
}

sla_status
sla_calendar_is_open(sla_calendar *cal, int64_t t, bool *out)
{
	block	   *blk;
	int32_t		i;

	return locate(cal, t, &blk, &i, out);
}

sla_status
sla_calendar_next_open(sla_calendar *cal, int64_t t, int64_t *out)
{
	sla_status	st = check_instant(t);

	if (st != SLA_OK)
		return st;
	return add_time(cal, t, 0, true, out);
}

/* Follow a period ending at end across block edges where the next period starts right there.
 * Returns SLA_NEVER when the calendar stays open for good. */
static sla_status
join_forward(sla_calendar *cal, block *blk, int64_t end, int64_t *out)
{
	sla_status	st;

	for (;;)
	{
		block	   *next;

		if (end < blk->span_end || end >= SLA_END_INSTANT)
			break;
		if (blk->index >= cal->hb)
		{
			if ((st = ensure_hi(cal)) != SLA_OK)
				return st;
			if (HI_TOTAL(cal) == (int64_t) CYCLE_DAYS * DAY)
			{
				*out = SLA_NEVER;	/* open around the clock from here on */
				return SLA_OK;
			}
		}
		if ((st = get_block(cal, blk->index + 1, &next)) != SLA_OK)
			return st == SLA_EOVERFLOW ? (*out = SLA_NEVER, SLA_OK) : st;
		if (next->n == 0 || next->periods[0].start != end)
			break;
		end = next->periods[0].end;
		blk = next;
	}
	*out = end >= SLA_END_INSTANT ? SLA_NEVER : end;
	return SLA_OK;
}

sla_status
sla_calendar_next_close(sla_calendar *cal, int64_t t, int64_t *out)
{
	block	   *blk;
	int32_t		i;
	bool		open;
	sla_status	st;

	*out = t;
	if ((st = locate(cal, t, &blk, &i, &open)) != SLA_OK || !open)
		return st;
	return join_forward(cal, blk, blk->periods[i].end, out);
}

sla_status
sla_calendar_next_period(sla_calendar *cal, int64_t t, int64_t *start, int64_t *end)
{
	block	   *blk;
	int32_t		i;
	sla_status	st;

	if ((st = check_instant(t)) != SLA_OK)
		return st;
	if (!cal->has_hours)
		return SLA_ENOHOURS;
	/* t itself when open (the period is reported from t on), else the next opening */
	if ((st = add_time(cal, t, 0, true, &t)) != SLA_OK)
		return st;
	if ((st = block_of(cal, t, &blk)) != SLA_OK)
		return st;
	i = last_starting_by(blk, t);
	*start = t;
	return join_forward(cal, blk, blk->periods[i].end, end);
}
