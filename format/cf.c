/*
 * cf.c - read the queue settings of a frozen sendmail 8.17 configuration:
 * the lines and the options; option values and timeouts are in
 * cf_values.c, the Q lines and the queue base in cf_queue.c.
 *
 * Each rule is a restatement of what sendmail does with the bytes; the
 * function it follows is named where the rule is applied:
 *  - util.c fgetfolded(): logical lines.  CR LF reads as LF, a lone CR is
 *    an ordinary byte, a line starting with SPACE or TAB continues the
 *    previous one (the LF kept), the final LF is dropped.  A NUL ends the
 *    line as sendmail sees it (it works on C strings).
 *  - readcf.c readcf(): a line whose first byte is '#' is skipped before
 *    anything else; then translate_dollars(); then the first byte picks
 *    the line type.  Only O, Q and V lines matter here.
 *  - readcf.c translate_dollars(): once a V line has set level 3 or
 *    more, '#' anywhere but at the start begins a comment that runs to
 *    the next folded LF, and the white space before it goes too; "\#" is
 *    a literal '#', and "$#" is a macro reference, not a comment.  "$$" is
 *    one '$'.  Trailing white space (folded LFs included) is dropped from
 *    every line.  Other "$x" references are kept as written: sendmail
 *    turns them into internal bytes and does not expand them for the
 *    options kept here (PidFile is expanded only when written).
 *  - readcf.c setoption(), OptionTab[]: "O Name=value" and "Oxvalue".
 *  - readcf.c settimeout(), inittimeouts(); convtime.c convtime().
 *  - queue.c makequeue(), readcf.c munchstring(): Q lines.
 *  - conf.c setdefaults(), setupqueues(); queue.c set_def_queueval() and
 *    main.c (the default group "mqueue" takes QueueDirectory at the end).
 *  - queue.c setup_queues(): the base directory.
 *
 * Memory: strings owned by struct cf (built-in defaults point to static
 * arrays and are never freed), and during cf_parse() one line buffer of
 * at most 2 * CF_MAX_LINE + 3 bytes.  Work is linear in the input: every
 * logical line is copied once and scanned a bounded number of times.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_private.h"
#include "esc.h"
#include "fold.h"

/* Defaults that need no allocation: never freed, never written. */
static char default_pid_file[] = CF_DEFAULT_PIDFILE;
static char default_group_name[] = CF_DEFAULT_GROUP;
static char no_flags[] = "";

/*
 * What an option does here.  Options sendmail knows but the queue does
 * not care about are OK_IGNORE: they must still be in the table so that
 * abbreviations are resolved, and refused as ambiguous, exactly as
 * setoption() does.
 */
enum opt_kind {
	OK_IGNORE = 0,
	OK_QUEUEDIR,
	OK_QUEUEFILEMODE,
	OK_TEMPFILEMODE,
	OK_TRUSTEDUSER,
	OK_RUNASUSER,
	OK_PIDFILE,
	OK_TIMEOUT,
	OK_QUEUETIMEOUT,
	OK_MINFREEBLOCKS,
	OK_MAXMSGSIZE,
	OK_USEMSP,
	OK_SUPERSAFE,
	OK_DFBUFSIZE,
	OK_XFBUFSIZE,
	OK_HSDIR,
	OK_DONTBLAME,
	OK_PRIVACY,
	OK_SORTORDER,
	OK_DIRFSYNC,
	OK_MAXRUNNERS,
	OK_MAXQCHILDREN,
	OK_MAXQRUNSIZE,
};

#define OF_SUBOPT 0x1	  /* takes ".suboption", sticky per suboption */
#define OF_CUMULATIVE 0x2 /* setoption() clears `sticky' for it */

struct opt_info {
	const char *name; /* long name; "" for letter-only options */
	char letter;	  /* short name, 0 for none */
	unsigned char flags;
	unsigned char kind;
};

/*
 * The options of Debian's sendmail 8.17.1.9 build, in readcf.c OptionTab
 * order (the order decides which abbreviations are ambiguous).  The
 * conditional entries are those its compile options select: STARTTLS,
 * MILTER, _FFR_BADRCPT_SHUTDOWN, _FFR_REJECT_NUL_BYTE, _FFR_TLS_ALTNAMES,
 * _FFR_MTA_STS and OpenSSL 3 (CipherSuites); not DANE or other FFRs.
 */
/* clang-format off */
static const struct opt_info opt_tab[] = {
	{ "SevenBitInput", '7', 0, OK_IGNORE },
	{ "EightBitMode", '8', 0, OK_IGNORE },
	{ "AliasFile", 'A', 0, OK_IGNORE },
	{ "AliasWait", 'a', 0, OK_IGNORE },
	{ "BlankSub", 'B', 0, OK_IGNORE },
	{ "MinFreeBlocks", 'b', 0, OK_MINFREEBLOCKS },
	{ "CheckpointInterval", 'C', 0, OK_IGNORE },
	{ "HoldExpensive", 'c', 0, OK_IGNORE },
	{ "DeliveryMode", 'd', 0, OK_IGNORE },
	{ "ErrorHeader", 'E', 0, OK_IGNORE },
	{ "ErrorMode", 'e', 0, OK_IGNORE },
	{ "TempFileMode", 'F', 0, OK_TEMPFILEMODE },
	{ "SaveFromLine", 'f', 0, OK_IGNORE },
	{ "MatchGECOS", 'G', 0, OK_IGNORE },
	{ "", 'g', 0, OK_IGNORE },
	{ "HelpFile", 'H', 0, OK_IGNORE },
	{ "MaxHopCount", 'h', 0, OK_IGNORE },
	{ "ResolverOptions", 'I', 0, OK_IGNORE },
	{ "IgnoreDots", 'i', 0, OK_IGNORE },
	{ "ForwardPath", 'J', 0, OK_IGNORE },
	{ "SendMimeErrors", 'j', 0, OK_IGNORE },
	{ "ConnectionCacheSize", 'k', 0, OK_IGNORE },
	{ "ConnectionCacheTimeout", 'K', 0, OK_IGNORE },
	{ "UseErrorsTo", 'l', 0, OK_IGNORE },
	{ "LogLevel", 'L', 0, OK_IGNORE },
	{ "MeToo", 'm', 0, OK_IGNORE },
	{ "", 'M', 0, OK_IGNORE },
	{ "CheckAliases", 'n', 0, OK_IGNORE },
	{ "OldStyleHeaders", 'o', 0, OK_IGNORE },
	{ "DaemonPortOptions", 'O', 0, OK_IGNORE },
	{ "PrivacyOptions", 'p', OF_CUMULATIVE, OK_PRIVACY },
	{ "PostmasterCopy", 'P', 0, OK_IGNORE },
	{ "QueueFactor", 'q', 0, OK_IGNORE },
	{ "QueueDirectory", 'Q', 0, OK_QUEUEDIR },
	{ "DontPruneRoutes", 'R', 0, OK_IGNORE },
	{ "Timeout", 'r', OF_SUBOPT, OK_TIMEOUT },
	{ "StatusFile", 'S', 0, OK_IGNORE },
	{ "SuperSafe", 's', 0, OK_SUPERSAFE },
	{ "QueueTimeout", 'T', 0, OK_QUEUETIMEOUT },
	{ "TimeZoneSpec", 't', 0, OK_IGNORE },
	{ "UserDatabaseSpec", 'U', 0, OK_IGNORE },
	{ "DefaultUser", 'u', 0, OK_IGNORE },
	{ "FallbackMXhost", 'V', 0, OK_IGNORE },
	{ "Verbose", 'v', 0, OK_IGNORE },
	{ "TryNullMXList", 'w', 0, OK_IGNORE },
	{ "QueueLA", 'x', 0, OK_IGNORE },
	{ "RefuseLA", 'X', 0, OK_IGNORE },
	{ "RecipientFactor", 'y', 0, OK_IGNORE },
	{ "ForkEachJob", 'Y', 0, OK_IGNORE },
	{ "ClassFactor", 'z', 0, OK_IGNORE },
	{ "RetryFactor", 'Z', 0, OK_IGNORE },
	{ "QueueSortOrder", 0, 0, OK_SORTORDER },
	{ "HostsFile", 0, 0, OK_IGNORE },
	{ "MinQueueAge", 0, 0, OK_IGNORE },
	{ "DefaultCharSet", 0, 0, OK_IGNORE },
	{ "ServiceSwitchFile", 0, 0, OK_IGNORE },
	{ "DialDelay", 0, 0, OK_IGNORE },
	{ "NoRecipientAction", 0, 0, OK_IGNORE },
	{ "SafeFileEnvironment", 0, 0, OK_IGNORE },
	{ "MaxMessageSize", 0, 0, OK_MAXMSGSIZE },
	{ "ColonOkInAddr", 0, 0, OK_IGNORE },
	{ "MaxQueueRunSize", 0, 0, OK_MAXQRUNSIZE },
	{ "MaxDaemonChildren", 0, 0, OK_IGNORE },
	{ "DontExpandCnames", 0, 0, OK_IGNORE },
	{ "MustQuoteChars", 0, 0, OK_IGNORE },
	{ "SmtpGreetingMessage", 0, 0, OK_IGNORE },
	{ "UnixFromLine", 0, 0, OK_IGNORE },
	{ "OperatorChars", 0, 0, OK_IGNORE },
	{ "DontInitGroups", 0, 0, OK_IGNORE },
	{ "SingleLineFromHeader", 0, 0, OK_IGNORE },
	{ "AllowBogusHELO", 0, 0, OK_IGNORE },
	{ "ConnectionRateThrottle", 0, 0, OK_IGNORE },
	{ "UnsafeGroupWrites", 0, 0, OK_IGNORE },
	{ "DoubleBounceAddress", 0, 0, OK_IGNORE },
	{ "HostStatusDirectory", 0, 0, OK_HSDIR },
	{ "SingleThreadDelivery", 0, 0, OK_IGNORE },
	{ "RunAsUser", 0, 0, OK_RUNASUSER },
	{ "RrtImpliesDsn", 0, 0, OK_IGNORE },
	{ "PidFile", 0, 0, OK_PIDFILE },
	{ "DontBlameSendmail", 0, OF_CUMULATIVE, OK_DONTBLAME },
	{ "DontProbeInterfaces", 0, 0, OK_IGNORE },
	{ "MaxRecipientsPerMessage", 0, 0, OK_IGNORE },
	{ "DeadLetterDrop", 0, 0, OK_IGNORE },
	{ "MaxAliasRecursion", 0, 0, OK_IGNORE },
	{ "ConnectOnlyTo", 0, 0, OK_IGNORE },
	{ "TrustedUser", 0, 0, OK_TRUSTEDUSER },
	{ "MaxMimeHeaderLength", 0, 0, OK_IGNORE },
	{ "ControlSocketName", 0, 0, OK_IGNORE },
	{ "MaxHeadersLength", 0, 0, OK_IGNORE },
	{ "ProcessTitlePrefix", 0, 0, OK_IGNORE },
	{ "DefaultAuthInfo", 0, 0, OK_IGNORE },
	{ "AuthMechanisms", 0, 0, OK_IGNORE },
	{ "ClientPortOptions", 0, 0, OK_IGNORE },
	{ "DataFileBufferSize", 0, 0, OK_DFBUFSIZE },
	{ "XscriptFileBufferSize", 0, 0, OK_XFBUFSIZE },
	{ "LDAPDefaultSpec", 0, 0, OK_IGNORE },
	{ "ServerCertFile", 0, 0, OK_IGNORE },
	{ "ServerKeyFile", 0, 0, OK_IGNORE },
	{ "ClientCertFile", 0, 0, OK_IGNORE },
	{ "ClientKeyFile", 0, 0, OK_IGNORE },
	{ "CACertFile", 0, 0, OK_IGNORE },
	{ "CACertPath", 0, 0, OK_IGNORE },
	{ "DHParameters", 0, 0, OK_IGNORE },
	{ "InputMailFilters", 0, 0, OK_IGNORE },
	{ "Milter", 0, OF_SUBOPT, OK_IGNORE },
	{ "AuthOptions", 0, 0, OK_IGNORE },
	{ "QueueFileMode", 0, 0, OK_QUEUEFILEMODE },
	{ "CertFingerprintAlgorithm", 0, 0, OK_IGNORE },
	{ "CipherList", 0, 0, OK_IGNORE },
	{ "RandFile", 0, 0, OK_IGNORE },
	{ "TLSSrvOptions", 0, 0, OK_IGNORE },
	{ "BadRcptThrottle", 0, 0, OK_IGNORE },
	{ "DeliverByMin", 0, 0, OK_IGNORE },
	{ "MaxQueueChildren", 0, 0, OK_MAXQCHILDREN },
	{ "MaxRunnersPerQueue", 0, 0, OK_MAXRUNNERS },
	{ "DirectSubmissionModifiers", 0, 0, OK_IGNORE },
	{ "NiceQueueRun", 0, 0, OK_IGNORE },
	{ "SharedMemoryKey", 0, 0, OK_IGNORE },
	{ "AuthMaxBits", 0, 0, OK_IGNORE },
	{ "MailboxDatabase", 0, 0, OK_IGNORE },
	{ "UseMSP", 0, 0, OK_USEMSP },
	{ "DelayLA", 0, 0, OK_IGNORE },
	{ "FastSplit", 0, 0, OK_IGNORE },
	{ "SoftBounce", 0, 0, OK_IGNORE },
	{ "SharedMemoryKeyFile", 0, 0, OK_IGNORE },
	{ "RejectLogInterval", 0, 0, OK_IGNORE },
	{ "RequiresDirfsync", 0, 0, OK_DIRFSYNC },
	{ "ConnectionRateWindowSize", 0, 0, OK_IGNORE },
	{ "CRLFile", 0, 0, OK_IGNORE },
	{ "FallbackSmartHost", 0, 0, OK_IGNORE },
	{ "AuthRealm", 0, 0, OK_IGNORE },
	{ "CRLPath", 0, 0, OK_IGNORE },
	{ "HeloName", 0, 0, OK_IGNORE },
	{ "MaxNOOPCommands", 0, 0, OK_IGNORE },
	{ "BadRcptShutdown", 0, 0, OK_IGNORE },
	{ "BadRcptShutdownGood", 0, 0, OK_IGNORE },
	{ "ServerSSLOptions", 0, 0, OK_IGNORE },
	{ "ClientSSLOptions", 0, 0, OK_IGNORE },
	{ "MaxQueueAge", 0, 0, OK_IGNORE },
	{ "RejectNUL", 0, 0, OK_IGNORE },
	{ "UseCompressedIPv6Addresses", 0, 0, OK_IGNORE },
	{ "SSLEngine", 0, 0, OK_IGNORE },
	{ "SSLEnginePath", 0, 0, OK_IGNORE },
	{ "TLSFallbacktoClear", 0, 0, OK_IGNORE },
	{ "SetCertAltnames", 0, 0, OK_IGNORE },
	{ "SmtpUTF8", 0, 0, OK_IGNORE },
	{ "StrictTransportSecurity", 0, 0, OK_IGNORE },
	{ "CipherSuites", 0, 0, OK_IGNORE },
};
/* clang-format on */

#define OPT_N (sizeof(opt_tab) / sizeof(opt_tab[0]))

/* cfp_fail - fill err with "<where>: <reason>" and return -1 */
int
cfp_fail(const struct ctx *c, int sys_errno, const char *fmt, ...)
{
	char why[QERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (c->file != NULL)
		qerr_set(c->err, sys_errno, "%s: line %u: %s", c->file, c->line,
		    why);
	else if (c->sticky)
		qerr_set(c->err, sys_errno, "command line: %s", why);
	else
		qerr_set(c->err, sys_errno, "%s", why);
	return -1;
}

/* cfp_dup_str - strdup() reporting ENOMEM through c */
char *
cfp_dup_str(const struct ctx *c, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		(void)cfp_fail(c, ENOMEM, "out of memory");
	return d;
}

/* cfp_set_str - replace *slot by a copy of s; a static default is not freed */
int
cfp_set_str(const struct ctx *c, char **slot, const char *s)
{
	char *d = cfp_dup_str(c, s);

	if (d == NULL)
		return -1;
	if (*slot != default_pid_file)
		free(*slot);
	*slot = d;
	return 0;
}

/* cfp_bad_value - the message for a value a kept option cannot use */
int
cfp_bad_value(const struct ctx *c, const char *opt, const char *val,
    const char *what)
{
	char e[72];

	return cfp_fail(c, EINVAL, "%s: \"%s\" is not %s", opt,
	    esc_str(e, sizeof(e), val), what);
}

/*
 * next_word - the next word of a PrivacyOptions or DontBlameSendmail
 * value, as setoption() splits them: white space and punctuation
 * separate, a word is a run of ASCII letters and digits, and the one
 * byte after a word is swallowed whatever it is.  Returns false at the
 * end; the word is *w[0..*n).
 */
static bool
next_word(const char **p, const char **w, size_t *n)
{
	const unsigned char *s = (const unsigned char *)*p;
	const unsigned char *start;

	while (*s != '\0' && (is_space(*s) || is_punct(*s)))
		s++;
	if (*s == '\0')
		return false;
	start = s;
	while (is_alnum(*s))
		s++;
	*w = (const char *)start;
	*n = (size_t)(s - start);
	if (*s != '\0')
		s++;
	*p = (const char *)s;
	return true;
}

/* word_is - the word w[0..n) is name, case ignored */
static bool
word_is(const char *w, size_t n, const char *name)
{
	return strlen(name) == n && case_eq_n(w, name, n);
}

/* apply_dontblame - setoption() DontBlameSendmail; "Safe" clears all */
static void
apply_dontblame(struct cf *cf, const char *val)
{
	const char *w;
	size_t n;

	while (next_word(&val, &w, &n)) {
		if (word_is(w, n, "safe"))
			cf->dont_blame = 0;
		else if (word_is(w, n, "truststickybit"))
			cf->dont_blame |= CF_DBS_TRUSTSTICKYBIT;
		else if (word_is(w, n, "groupwritabledirpathsafe"))
			cf->dont_blame |= CF_DBS_GROUPWRITABLEDIRPATHSAFE;
	}
	cf->has_dont_blame = true;
}

/* apply_privacy - setoption() PrivacyOptions; words only add */
static void
apply_privacy(struct cf *cf, const char *val)
{
	const char *w;
	size_t n;

	while (next_word(&val, &w, &n)) {
		if (word_is(w, n, "restrictqrun"))
			cf->privacy |= CF_PRIV_RESTRICTQRUN;
		else if (word_is(w, n, "restrictmailq"))
			cf->privacy |= CF_PRIV_RESTRICTMAILQ;
	}
	cf->has_privacy = true;
}

/* apply_sort - setoption() QueueSortOrder, by the first byte; an unknown
 * one leaves the order as it was ("Invalid queue sort order") */
static void
apply_sort(struct cf *cf, const char *val)
{
	static const char letters[] = "phtfrmns";
	const char *hit;

	if (*val == '\0')
		return;
	hit = strchr(letters, lower((unsigned char)*val));
	if (hit == NULL)
		return;
	cf->queue_sort_order = (enum cf_sort)(hit - letters);
	cf->has_queue_sort_order = true;
}

/* apply_supersafe - setoption() case 's' */
static void
apply_supersafe(struct cf *cf, const char *val)
{
	int c = lower((unsigned char)*val);

	if (c == 'i')
		cf->super_safe = CF_SAFE_INTERACTIVE;
	else if (c == 'p')
		cf->super_safe = CF_SAFE_POSTMILTER;
	else
		cf->super_safe = cfp_read_bool(val) ? CF_SAFE_TRUE : CF_SAFE_FALSE;
	cf->has_super_safe = true;
}

/*
 * apply_runasuser - setoption() RunAsUser: the value is cut at the first
 * '.', ':' or '/' (Debian does not build _FFR_DOTTED_USERNAMES); an empty
 * rest means no group.
 */
static int
apply_runasuser(const struct ctx *c, char *val)
{
	char *sep = val + strcspn(val, ".:/");
	char *group = NULL;

	if (*sep != '\0') {
		*sep = '\0';
		if (sep[1] != '\0')
			group = sep + 1;
	}
	if (cfp_set_str(c, &c->cf->run_as_user, val) < 0)
		return -1;
	free(c->cf->run_as_group);
	c->cf->run_as_group = NULL;
	if (group != NULL && cfp_set_str(c, &c->cf->run_as_group, group) < 0)
		return -1;
	return 0;
}

/* apply_blocks - option b "blocks[/maxmessagesize]" */
static int
apply_blocks(const struct ctx *c, char *val)
{
	struct cf *cf = c->cf;
	char *slash = strchr(val, '/');
	long v;

	if (slash != NULL) {
		*slash = '\0';
		if (!cfp_read_long(slash + 1, LONG_MIN, LONG_MAX, &v))
			return cfp_bad_value(c, "MaxMessageSize", slash + 1,
			    "a number");
		cf->max_message_size = v;
		cf->has_max_message_size = true;
	}
	if (!cfp_read_long(val, LONG_MIN, LONG_MAX, &v))
		return cfp_bad_value(c, "MinFreeBlocks", val, "a number");
	cf->min_free_blocks = v;
	cf->has_min_free_blocks = true;
	return 0;
}

/* apply_number - the options read with atoi() or atol() */
static int
apply_number(const struct ctx *c, const struct opt_info *o, const char *val)
{
	struct cf *cf = c->cf;
	long v;
	bool is_int = o->kind != OK_MAXMSGSIZE;

	if (!cfp_read_long(val, is_int ? INT_MIN : LONG_MIN,
		is_int ? INT_MAX : LONG_MAX, &v))
		return cfp_bad_value(c, o->name, val, "a number");
	switch (o->kind) {
	case OK_MAXMSGSIZE:
		cf->max_message_size = v;
		cf->has_max_message_size = true;
		break;
	case OK_DFBUFSIZE:
		cf->data_file_buffer_size = v;
		cf->has_data_file_buffer_size = true;
		break;
	case OK_XFBUFSIZE:
		cf->xscript_file_buffer_size = v;
		cf->has_xscript_file_buffer_size = true;
		break;
	case OK_MAXRUNNERS:
		cf->max_runners_per_queue = (int)v;
		break;
	case OK_MAXQRUNSIZE:
		cf->max_queue_run_size = (int)v;
		break;
	default:
		cf->max_queue_children = (int)v;
		break;
	}
	return 0;
}

/* apply_mode - QueueFileMode and TempFileMode (option F) */
static int
apply_mode(const struct ctx *c, const struct opt_info *o, const char *val)
{
	struct cf *cf = c->cf;
	mode_t m;

	if (!cfp_read_mode(val, &m))
		return cfp_bad_value(c, o->name, val, "an octal mode");
	if (o->kind == OK_QUEUEFILEMODE) {
		cf->queue_file_mode = m;
		cf->has_queue_file_mode = true;
	} else {
		cf->temp_file_mode = m;
		cf->has_temp_file_mode = true;
	}
	return 0;
}

/* apply_kind - what setoption() does with the value of a kept option */
static int
apply_kind(const struct ctx *c, const struct opt_info *o, const char *sub,
    char *val)
{
	struct cf *cf = c->cf;

	switch (o->kind) {
	case OK_QUEUEDIR:
		/* An empty value is the relative "mqueue" (setoption 'Q'). */
		return cfp_set_str(c, &cf->queue_directory,
		    *val == '\0' ? "mqueue" : val);
	case OK_QUEUEFILEMODE:
	case OK_TEMPFILEMODE:
		return apply_mode(c, o, val);
	case OK_TRUSTEDUSER:
		return cfp_set_str(c, &cf->trusted_user, val);
	case OK_RUNASUSER:
		return apply_runasuser(c, val);
	case OK_PIDFILE:
		if (cfp_set_str(c, &cf->pid_file, val) < 0)
			return -1;
		cf->has_pid_file = true;
		return 0;
	case OK_TIMEOUT:
		return sub == NULL ? cfp_init_timeouts(c, val)
				   : cfp_set_timeout(c, sub, val);
	case OK_QUEUETIMEOUT:
		return cfp_apply_queuetimeout(c, val);
	case OK_MINFREEBLOCKS:
		return apply_blocks(c, val);
	case OK_MAXMSGSIZE:
	case OK_DFBUFSIZE:
	case OK_XFBUFSIZE:
	case OK_MAXRUNNERS:
	case OK_MAXQCHILDREN:
	case OK_MAXQRUNSIZE:
		return apply_number(c, o, val);
	case OK_USEMSP:
		cf->use_msp = cfp_read_bool(val);
		cf->has_use_msp = true;
		return 0;
	case OK_DIRFSYNC:
		cf->requires_dirfsync = cfp_read_bool(val);
		cf->has_requires_dirfsync = true;
		return 0;
	case OK_SUPERSAFE:
		apply_supersafe(cf, val);
		return 0;
	case OK_HSDIR:
		return *val == '\0' ? 0 : cfp_set_str(c, &cf->host_status_dir, val);
	case OK_DONTBLAME:
		apply_dontblame(cf, val);
		return 0;
	case OK_PRIVACY:
		apply_privacy(cf, val);
		return 0;
	case OK_SORTORDER:
		apply_sort(cf, val);
		return 0;
	default:
		return 0;
	}
}

/*
 * sync_default_group - main.c's fill-in of the default group after
 * readcf() (queue.c set_def_queueval() with `all'): unless a Q line
 * defined "mqueue", it takes the current QueueDirectory and
 * MaxRunnersPerQueue.  Its qdir borrows queue_directory's storage.
 */
static void
sync_default_group(struct cf *cf)
{
	struct cf_group *g = &cf->groups[0];

	if (g->defined)
		return;
	g->qdir = cf->queue_directory;
	g->runners = cf->max_runners_per_queue;
}

/* bit_test - bit i of a byte map */
static bool
bit_test(const unsigned char *map, size_t i)
{
	return (map[i / 8] & (1u << (i % 8))) != 0;
}

/*
 * apply_option - one option by table index, with setoption()'s sticky
 * rule: an option set from the command line is not changed by the file;
 * Timeout's stickiness is per suboption, and PrivacyOptions and
 * DontBlameSendmail never stick.
 */
static int
apply_option(const struct ctx *c, size_t i, const char *sub, char *val)
{
	const struct opt_info *o = &opt_tab[i];
	struct cf *cf = c->cf;
	int rc;

	if (!c->sticky && bit_test(cf->sticky_opt, i))
		return 0;
	if ((o->flags & OF_SUBOPT) == 0)
		sub = NULL;
	rc = apply_kind(c, o, sub, val);
	if (rc == 0 && c->sticky &&
	    (o->flags & (OF_SUBOPT | OF_CUMULATIVE)) == 0)
		cf->sticky_opt[i / 8] |= (unsigned char)(1u << (i % 8));
	sync_default_group(cf);
	return rc;
}

/*
 * find_long - setoption()'s lookup of a long name: a case-insensitive
 * prefix of a table name is that option if it is the whole name, or if
 * no second table name has the prefix before the whole name is met;
 * otherwise it is ambiguous.  Returns the index, -1 for unknown, -2 for
 * ambiguous (*other then names the second candidate).
 */
static long
find_long(const char *name, size_t *first, size_t *other)
{
	size_t n = strlen(name), i;
	bool have = false;

	for (i = 0; i < OPT_N; i++) {
		if (strlen(opt_tab[i].name) < n ||
		    !case_eq_n(opt_tab[i].name, name, n))
			continue;
		if (strlen(opt_tab[i].name) == n)
			return (long)i;
		if (have) {
			*other = i;
			return -2;
		}
		*first = i;
		have = true;
	}
	return have ? (long)*first : -1;
}

/* find_letter - table index of a one-letter option, or -1 */
static long
find_letter(int letter)
{
	size_t i;

	/* A byte above 0x7f never matches: setoption() gets it as a
	 * negative char. */
	if (letter <= 0 || letter > 0x7f)
		return -1;
	for (i = 0; i < OPT_N; i++)
		if (opt_tab[i].letter == letter)
			return (long)i;
	return -1;
}

/*
 * set_long - "Name[.sub]" = val.  An unknown, ambiguous or empty name is
 * ignored in a file (sendmail says so and goes on) and refused on the
 * command line.
 */
static int
set_long(const struct ctx *c, char *name, char *val)
{
	char e[72];
	char *sub = strchr(name, '.');
	size_t first = 0, other = 0;
	long i;

	if (sub != NULL)
		*sub++ = '\0';
	if (*name == '\0') {
		if (c->file != NULL)
			return 0;
		return cfp_fail(c, EINVAL, "null option name");
	}
	i = find_long(name, &first, &other);
	if (i >= 0)
		return apply_option(c, (size_t)i, sub, val);
	if (c->file != NULL)
		return 0;
	if (i == -2)
		return cfp_fail(c, EINVAL,
		    "ambiguous option name %s (matches %s and %s)",
		    esc_str(e, sizeof(e), name), opt_tab[first].name,
		    opt_tab[other].name);
	return cfp_fail(c, EINVAL, "unknown option name %s",
	    esc_str(e, sizeof(e), name));
}

/*
 * split_long - setoption()'s split of a full-word option "Name = value":
 * the name ends at the first '=' (or the end) less the spaces before it;
 * the value starts after the '=' and its spaces.  Only SPACE counts here
 * (a TAB stays part of name or value), and spaces before the name are
 * kept, which makes the name unknown.
 */
static void
split_long(char *s, char **name, char **val)
{
	char *eq = strchr(s, '=');
	char *end = eq != NULL ? eq : s + strlen(s);
	char *v = eq != NULL ? eq + 1 : end;

	while (*v == ' ')
		v++;
	while (end > s && end[-1] == ' ')
		end--;
	*end = '\0';
	*name = s;
	*val = v;
}

/* option_line - an O line: "O Name=value" or "O" + letter + value */
static int
option_line(const struct ctx *c, char *s)
{
	char *name, *val;
	long i;

	if (s[1] == ' ') {
		split_long(s + 2, &name, &val);
		return set_long(c, name, val);
	}
	i = find_letter((unsigned char)s[1]);
	if (i < 0)
		return 0;
	return apply_option(c, (size_t)i, NULL, s + 2);
}

/* version_line - a V line: the level is the leading number, if any */
static void
version_line(struct cf *cf, const char *s)
{
	long v = 0;

	for (s++; is_space((unsigned char)*s); s++)
		continue;
	if (!is_digit((unsigned char)*s))
		return;
	for (; is_digit((unsigned char)*s) && v < INT_MAX; s++)
		v = v * 10 + (*s - '0');
	cf->config_level = v > INT_MAX ? INT_MAX : (int)v;
}

/* strip_comment - translate_dollars() on a '#' at out[o]: drop the white
 * space before it (not a folded LF, not the line's first byte); returns
 * the new output length */
static size_t
strip_comment(const char *out, size_t o)
{
	size_t k = o - 1;

	while (k > 0 && is_space((unsigned char)out[k]) && out[k] != '\n')
		k--;
	return k + 1;
}

/*
 * translate - readcf.c translate_dollars() as far as it changes the text
 * of O and Q lines (see the top of this file); in place.
 */
static void
translate(char *s, int level)
{
	size_t r = 0, o = 0;

	while (s[r] != '\0') {
		if (s[r] == '#' && o > 0 && level >= 3) {
			if (s[o - 1] == '\\') {
				s[o - 1] = '#';
				r++;
				continue;
			}
			o = strip_comment(s, o);
			while (s[r] != '\0' && s[r] != '\n')
				r++;
			continue;
		}
		if (s[r] == '$' && s[r + 1] == '$') {
			s[o++] = '$';
			r += 2;
			continue;
		}
		if (s[r] == '$' && s[r + 1] != '\0') {
			/* A macro reference: its name byte is never a
			 * comment, nor is anything up to a '}'. */
			s[o++] = s[r++];
			if (strchr("=~&?", s[r]) != NULL && s[r + 1] != '\0')
				s[o++] = s[r++];
			if (s[r] == '{')
				while (s[r] != '\0' && s[r] != '}')
					s[o++] = s[r++];
			if (s[r] != '\0')
				s[o++] = s[r++];
			continue;
		}
		s[o++] = s[r++];
	}
	while (o > 1 && is_space((unsigned char)s[o - 1]))
		o--;
	s[o] = '\0';
}

/* The logical-line reader over the caller's bytes. */
struct reader {
	const char *buf;
	size_t len, pos;
	unsigned lineno; /* physical line of buf[pos] */
};

/*
 * next_line - the next logical line (format/fold.c: util.c
 * fgetfolded()) into out (outsz bytes).  Returns 1 with *start the first
 * physical line, 0 at the end, -1 if the logical line does not fit.
 */
static int
next_line(struct reader *r, char *out, size_t outsz, unsigned *start)
{
	const unsigned char *b = (const unsigned char *)r->buf;
	unsigned nlf, flags;
	size_t end, n;

	*start = r->lineno;
	if (r->pos >= r->len)
		return 0;
	end = fold_line(b, r->len, r->pos, &nlf, &flags);
	if (end - r->pos >= outsz)
		return -1;
	n = fold_cook(b + r->pos, end - r->pos, (unsigned char *)out);
	r->pos = end;
	r->lineno += nlf;
	if (n > CF_MAX_LINE)
		return -1;
	out[n] = '\0';
	return 1;
}

/*
 * precedence_line - readcf() case 'P': "Pname=value" defines a Precedence:
 * header value (the name is every byte up to the first '=', the value is
 * atoi() of the rest).  No '=' is a bad line sendmail reports and skips;
 * past MAXPRIORITIES (25) it says "too many" and ignores the line.
 */
static int
precedence_line(const struct ctx *c, const char *s)
{
	struct cf *cf = c->cf;
	const char *eq = strchr(s + 1, '=');
	struct cf_precedence *pr;

	if (eq == NULL || cf->nprecedences >= CF_MAX_PRECEDENCES)
		return 0;
	pr = &cf->precedences[cf->nprecedences];
	pr->name = malloc((size_t)(eq - (s + 1)) + 1);
	if (pr->name == NULL)
		return cfp_fail(c, ENOMEM, "out of memory");
	memcpy(pr->name, s + 1, (size_t)(eq - (s + 1)));
	pr->name[eq - (s + 1)] = '\0';
	pr->value = cfp_atoi(eq + 1);
	cf->nprecedences++;
	return 0;
}

/* one_line - readcf()'s handling of one logical line */
static int
one_line(const struct ctx *c, char *s)
{
	if (s[0] == '#')
		return 0;
	translate(s, c->cf->config_level);
	switch (s[0]) {
	case 'O':
		return option_line(c, s);
	case 'P':
		return precedence_line(c, s);
	case 'Q':
		return cfp_queue_line(c, s);
	case 'V':
		version_line(c->cf, s);
		return 0;
	default:
		return 0;
	}
}

/* cf_parse - apply a configuration file's settings */
int
cf_parse(struct cf *cf, const char *buf, size_t len, const char *name,
    struct qerr *err)
{
	struct ctx c = { cf, name != NULL ? name : "config", 0, false, err };
	struct reader r = { buf, len, 0, 1 };
	size_t cap;
	char *line;
	int got, rc = 0;

	if (cf == NULL || (buf == NULL && len > 0))
		BUG("cf_parse: no config or no buffer");
	if (len > CF_MAX_BYTES)
		return cfp_fail(&c, EFBIG, "larger than %zu bytes", CF_MAX_BYTES);
	/* Room for the raw bytes of the longest line allowed (each of its
	 * bytes may be a CR LF), its LF, and the NUL: a line that does not
	 * fit is longer than CF_MAX_LINE once cooked. */
	cap = (len < 2 * CF_MAX_LINE + 2 ? len : 2 * CF_MAX_LINE + 2) + 1;
	line = malloc(cap);
	if (line == NULL)
		return cfp_fail(&c, ENOMEM, "out of memory");
	cf->config_level = 0;
	while (rc == 0 && (got = next_line(&r, line, cap, &c.line)) != 0) {
		if (got < 0)
			rc = cfp_fail(&c, EINVAL,
			    "logical line longer than %zu bytes", CF_MAX_LINE);
		else
			rc = one_line(&c, line);
	}
	free(line);
	return rc;
}

/* set_cmdline - one command-line option: name and value as given */
static int
set_cmdline(struct cf *cf, const char *name, const char *value,
    bool split, struct qerr *err)
{
	struct ctx c = { cf, NULL, 0, true, err };
	size_t nl = strlen(name), vl = value != NULL ? strlen(value) : 0;
	char *copy, *n, *v;
	long i;
	int rc;

	if (nl + vl + 2 > CF_MAX_LINE)
		return cfp_fail(&c, EINVAL, "longer than %zu bytes", CF_MAX_LINE);
	copy = malloc(nl + vl + 2);
	if (copy == NULL)
		return cfp_fail(&c, ENOMEM, "out of memory");
	memcpy(copy, name, nl + 1);
	n = copy;
	v = copy + nl + 1;
	if (value != NULL)
		memcpy(v, value, vl);
	v[vl] = '\0';
	if (split) {
		split_long(n, &n, &v);
		rc = set_long(&c, n, v);
	} else if (nl == 1) {
		i = find_letter((unsigned char)name[0]);
		rc = i < 0 ? cfp_fail(&c, EINVAL, "unknown option letter 0x%02x",
				 (unsigned char)name[0])
			   : apply_option(&c, (size_t)i, NULL, v);
	} else
		rc = set_long(&c, n, v);
	free(copy);
	return rc;
}

/* cf_set_option - one option as -o / -O would give it */
int
cf_set_option(struct cf *cf, const char *name, const char *value,
    struct qerr *err)
{
	if (cf == NULL || name == NULL)
		BUG("cf_set_option: no config or no name");
	return set_cmdline(cf, name, value, false, err);
}

/* cf_set_option_arg - one -O argument "Name=value" */
int
cf_set_option_arg(struct cf *cf, const char *arg, struct qerr *err)
{
	if (cf == NULL || arg == NULL)
		BUG("cf_set_option_arg: no config or no argument");
	return set_cmdline(cf, arg, NULL, true, err);
}

/* cf_init - sendmail's built-in defaults */
void
cf_init(struct cf *cf)
{
	int i;

	if (cf == NULL)
		BUG("cf_init: no config");
	memset(cf, 0, sizeof(*cf));
	cf->queue_file_mode = 0600;
	cf->temp_file_mode = 0600;
	cf->pid_file = default_pid_file;
	for (i = 0; i < CF_TOC_N; i++) {
		cf->queue_return[i] = 5LL * 24 * 3600;
		cf->queue_warn[i] = 0;
	}
	cf->super_safe = CF_SAFE_TRUE;
	cf->data_file_buffer_size = 4096;
	cf->xscript_file_buffer_size = 4096;
	cf->queue_sort_order = CF_SORT_PRIORITY;
	cf->requires_dirfsync = true;
	/* conf.c setupqueues(): MaxRunnersPerQueue 1, group "mqueue". */
	cf->max_runners_per_queue = 1;
	cf->groups[0].name = default_group_name;
	cf->groups[0].flags = no_flags;
	cf->ngroups = 1;
	sync_default_group(cf);
}

/* cf_free - release everything */
void
cf_free(struct cf *cf)
{
	size_t i;

	if (cf == NULL)
		return;
	for (i = 0; i < cf->ngroups; i++)
		cfp_group_free(&cf->groups[i]);
	free(cf->queue_directory);
	free(cf->trusted_user);
	free(cf->run_as_user);
	free(cf->run_as_group);
	if (cf->pid_file != default_pid_file)
		free(cf->pid_file);
	free(cf->host_status_dir);
	for (i = 0; i < cf->nprecedences; i++)
		free(cf->precedences[i].name);
	memset(cf, 0, sizeof(*cf));
}
